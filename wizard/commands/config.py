"""The headless configuration file (TOML), validated with pydantic.

Errors name the key, the line and what is expected, e.g.
`setup.toml line 4: okta.auth: expected 'api_token' or 'oauth', got 'token'`. Secrets never
belong in this file: a value shaped like a token is refused with where to put it instead.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from wizard.commands.toml_lines import key_lines, line_of
from wizard.state import looks_like_secret

SECRET_HOME = (
    "secrets never go in the config file: use the keyring, the environment (OKTA_API_TOKEN, "
    "KANDJI_SCIM_TOKEN, OKTA_PRIVATE_KEY_FILE, OKTA_TEST_USER_PASSWORD) or --secrets-stdin"
)


class ConfigError(Exception):
    """The config file cannot be used. `str()` lists each problem with its line."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_secret(cls, value: Any) -> Any:
        if isinstance(value, str) and looks_like_secret(value):
            raise ValueError(f"this looks like a token or key; {SECRET_HOME}")
        return value


class OktaSection(_Section):
    org_url: str = Field(min_length=1)
    auth: Literal["api_token", "oauth"] = "api_token"
    client_id: str | None = None
    custom_domain: bool = False

    @field_validator("org_url")
    @classmethod
    def _org(cls, value: str, info: ValidationInfo) -> str:
        from wizard.okta.domains import OrgUrlError, parse_org_url

        context = info.context or {}
        try:
            return parse_org_url(
                value,
                allow_custom=bool(info.data.get("custom_domain") or context.get("custom_domain")),
                allow_insecure_loopback=bool(context.get("allow_insecure_loopback")),
            ).base_url
        except OrgUrlError as exc:
            message = str(exc)
            if "custom domain" in message or "confirm it" in message:
                message += " To confirm, put `custom_domain = true` before org_url in [okta]."
            raise ValueError(message) from None


class KandjiSection(_Section):
    # Declared first: pydantic validates fields in this order, so the URL's check can read it
    # wherever it stands in the file.
    allow_unknown_host: bool = False
    scim_base_url: str = Field(min_length=1)

    @field_validator("scim_base_url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        from wizard.kandji.urls import KandjiUrlError, UnknownKandjiHost, parse_kandji_url

        context = info.context or {}
        try:
            parse_kandji_url(
                value,
                allow_insecure_loopback=bool(context.get("allow_insecure_loopback")),
                allow_unknown_host=bool(info.data.get("allow_unknown_host")),
            )
        except UnknownKandjiHost as exc:
            raise ValueError(f"{exc} If it is, put `allow_unknown_host = true` in [kandji].") from None
        except KandjiUrlError as exc:
            hint = f" Suggested: {exc.suggestion}" if exc.suggestion else ""
            raise ValueError(f"{exc}{hint}") from None
        # Kept as written: step B.1 repairs it again and says what it changed (a `/Users` suffix…).
        return value.strip()


class AppSection(_Section):
    label: str = Field("Kandji SCIM App", min_length=1, max_length=100)


class GroupSection(_Section):
    name: str = Field("Kandji Users", min_length=1, max_length=255)
    description: str = "Users provisioned to Kandji over SCIM"


class TestUserSection(_Section):
    __test__ = False  # not a pytest class, despite the name
    login: str
    first_name: str = Field("Test", min_length=1)
    last_name: str = Field("User", min_length=1)
    email: str | None = None

    @field_validator("login")
    @classmethod
    def _login(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(
                f"expected an Okta login shaped like an email address (taylor@example.com), got {value!r}"
            )
        return value


class ExistingUsersSection(_Section):
    logins: list[str] = Field(default_factory=list)


class AssignmentSection(_Section):
    preferred_language: str = Field("en", min_length=1)
    locale: str = Field("en_US", min_length=1)


class ApplySection(_Section):
    console_timeout: float = Field(300.0, ge=0)
    proof_timeout: float = Field(300.0, ge=0)


class SetupConfig(_Section):
    okta: OktaSection
    kandji: KandjiSection
    app: AppSection = Field(default_factory=AppSection)
    group: GroupSection = Field(default_factory=GroupSection)
    test_user: TestUserSection | None = None
    existing_users: ExistingUsersSection | None = None
    assignment: AssignmentSection = Field(default_factory=AssignmentSection)
    apply: ApplySection = Field(default_factory=ApplySection)

    @model_validator(mode="after")
    def _consistent(self) -> SetupConfig:
        if self.test_user is not None and self.existing_users is not None:
            raise ValueError(
                "use either [test_user] (the wizard creates a test person) or [existing_users] "
                "(your users already exist), not both"
            )
        if self.okta.auth == "oauth" and not self.okta.client_id:
            raise ValueError(
                "okta.auth = 'oauth' needs okta.client_id: add the service app's client ID in [okta]"
            )
        return self

    @property
    def users_already_exist(self) -> bool:
        return self.test_user is None


# Where a whole-model error points: the key it is about.
_MODEL_ERROR_KEYS: dict[str, tuple[str, ...]] = {
    "[test_user]": ("existing_users",),
    "client_id": ("okta", "auth"),
}


def load_config(path: Path, *, allow_insecure_loopback: bool = False) -> SetupConfig:
    """Read and validate a config file; raise ConfigError naming each bad key and its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, [f"{path}: no such file."]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"{path}: cannot be read ({exc.__class__.__name__}: {exc})."]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            path, [f"{path}: not valid TOML: {exc}. Correct it there (quotes around text values)."]
        ) from None
    try:
        return SetupConfig.model_validate(data, context={"allow_insecure_loopback": allow_insecure_loopback})
    except ValidationError as exc:
        lines = key_lines(text)
        raise ConfigError(path, [_describe(path, lines, error) for error in exc.errors()]) from None


def _describe(path: Path, lines: dict[tuple[str, ...], int], error: Any) -> str:
    loc = tuple(str(part) if isinstance(part, str) else part for part in error["loc"])
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    if not loc:
        target = next((k for marker, k in _MODEL_ERROR_KEYS.items() if marker in message), ())
        line = line_of(lines, target)
        return f"{path}{_at(line)}: {message}."
    if kind == "missing":
        parent = loc[:-1]
        line = line_of(lines, parent) if parent else None
        where = f"in [{'.'.join(map(str, parent))}]" if parent else "at the top level"
        if parent and parent not in lines:
            where = f"in a [{'.'.join(map(str, parent))}] table (there is none yet)"
        return f"{path}{_at(line)}: missing required key {key}: add it {where}."
    line = line_of(lines, loc)
    if kind == "extra_forbidden":
        allowed = ", ".join(_allowed_keys(loc[:-1])) or "none"
        return f"{path}{_at(line)}: unknown key {key}; expected one of: {allowed}."
    expected = re.sub(r"^(?:Input|String|List|Value) should (?:be |have )?", "expected ", message)
    got = error.get("input")
    shown = f", got {got!r}" if kind != "value_error" and not isinstance(got, dict | list) else ""
    return f"{path}{_at(line)}: {key}: {expected}{shown}."


def _at(line: int | None) -> str:
    return f" line {line}" if line else ""


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = SetupConfig
    for part in parent:
        if not isinstance(part, str) or part not in model.model_fields:
            return []
        annotation = model.model_fields[part].annotation
        candidates = getattr(annotation, "__args__", (annotation,))
        nested = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)
