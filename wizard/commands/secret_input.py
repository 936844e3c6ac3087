"""Secrets for headless runs: the keyring, environment variables or standard input, never
argv (DESIGN §6).

With `--secrets-stdin`, standard input carries `NAME=value` lines using the same names as the
environment variables, e.g. `printf 'OKTA_API_TOKEN=%s\\n' "$TOKEN" | okta-kandji-setup apply …`.
A value given on stdin wins over the environment, which wins over the keyring.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import SecretStr

from wizard import redact

if TYPE_CHECKING:
    from wizard.okta.client import OktaClient
    from wizard.okta.domains import OrgUrl
    from wizard.secrets import SecretStore
    from wizard.state import SetupSettings

OKTA_TOKEN = "OKTA_API_TOKEN"
KANDJI_TOKEN = "KANDJI_SCIM_TOKEN"
PRIVATE_KEY_FILE = "OKTA_PRIVATE_KEY_FILE"
TEST_PASSWORD = "OKTA_TEST_USER_PASSWORD"
NAMES: tuple[str, ...] = (OKTA_TOKEN, KANDJI_TOKEN, PRIVATE_KEY_FILE, TEST_PASSWORD)
MAX_STDIN = 64 * 1024


class SecretInputError(Exception):
    """Standard input or a key file could not be used. `str()` never contains a value."""


@dataclass
class HeadlessSecrets:
    """What this run was given. `sources` says where each came from ("environment"/"stdin")."""

    values: dict[str, SecretStr] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> SecretStr | None:
        return self.values.get(name)

    def private_key(self) -> SecretStr | None:
        path = self.values.get(PRIVATE_KEY_FILE)
        if path is None:
            return None
        try:
            pem = Path(path.get_secret_value()).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretInputError(
                f"The private key file named by {PRIVATE_KEY_FILE} cannot be read "
                f"({exc.__class__.__name__}). Check the path and its permissions."
            ) from None
        redact.register_secret(pem)
        return SecretStr(pem)


def gather(*, from_stdin: bool, stdin: TextIO | None = None) -> HeadlessSecrets:
    """Read the secrets this run was given, registering each with the redactor."""
    given = HeadlessSecrets()
    for name in NAMES:
        value = os.environ.get(name, "").strip()
        if value:
            given.values[name] = SecretStr(value)
            given.sources[name] = "environment"
    if from_stdin:
        import sys

        stream = stdin or sys.stdin
        if stream.isatty():
            raise SecretInputError(
                "--secrets-stdin expects NAME=value lines piped on standard input, not a terminal."
            )
        for number, line in enumerate(stream.read(MAX_STDIN).splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, sep, value = line.partition("=")
            name = name.strip()
            if not sep or name not in NAMES:
                raise SecretInputError(
                    f"Standard input line {number} is not NAME=value with NAME one of "
                    f"{', '.join(NAMES)} (the line's content is not shown)."
                )
            if value.strip():
                given.values[name] = SecretStr(value.strip())
                given.sources[name] = "stdin"
    for value in given.values.values():
        redact.register_secret(value)
    return given


async def open_client(
    org: OrgUrl,
    store: SecretStore,
    settings: SetupSettings,
    given: HeadlessSecrets,
    **client_options: Any,
) -> OktaClient:
    """An Okta client from the secrets given to this run, else from the keyring (the engine's
    `open_okta`). Raises EngineError when there is none."""
    from wizard.engine import open_okta
    from wizard.engine.errors import EngineError
    from wizard.okta.auth import ApiTokenAuth, InvalidPrivateKey, OAuthServiceAuth
    from wizard.okta.client import OktaClient

    if settings.auth_method == "oauth":
        pem = given.private_key()
        if pem is None:
            return await open_okta(org, store, settings, **client_options)
        if not settings.oauth_client_id:
            raise EngineError("Set okta.client_id in the config file.", fix_step="1")
        auth = OAuthServiceAuth(settings.oauth_client_id, pem)
        try:
            auth.signing_key()
        except InvalidPrivateKey as exc:
            raise EngineError(str(exc), fix_step="1") from None
        return OktaClient(org, auth, **client_options)
    token = given.get(OKTA_TOKEN)
    if token is None:
        try:
            return await open_okta(org, store, settings, **client_options)
        except EngineError as exc:
            if not str(exc).startswith("No Okta API token"):
                raise  # a stored token that cannot be used says so itself
            raise EngineError(
                f"No Okta API token: set {OKTA_TOKEN}, pass it with --secrets-stdin, or store it "
                "with the wizard (step 1). If the wizard stored one before, it is no longer in the "
                "keyring: it was removed outside the wizard, or the keyring was reset.",
                fix_step=exc.fix_step,
            ) from None
    from wizard.engine.signin import usable_api_token

    usable = usable_api_token(token, f"{OKTA_TOKEN} (from {given.sources.get(OKTA_TOKEN, 'input')})")
    return OktaClient(org, ApiTokenAuth(usable), **client_options)


def known_values(store: SecretStore | None, host: str | None) -> dict[str, str]:
    """Every secret value this process can name (for the support bundle's leak check):
    the environment's, the keyring's for `host`, and the private key file's content."""
    found: dict[str, str] = {}
    for name in (OKTA_TOKEN, KANDJI_TOKEN, TEST_PASSWORD):
        value = os.environ.get(name, "").strip()
        if value:
            found[f"{name} (environment)"] = value
    key_file = os.environ.get(PRIVATE_KEY_FILE, "").strip()
    if key_file:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            found["the private key file's content"] = Path(key_file).expanduser().read_text(encoding="utf-8")
    if store is not None and host:
        from wizard.secrets import Purpose, SecretStoreError

        for purpose in Purpose:
            try:
                value = store.get(host, purpose)
            except SecretStoreError:
                continue
            if value is not None:
                found[f"{purpose.value} (keyring)"] = value.get_secret_value()
    for value in found.values():
        redact.register_secret(value)
    return found
