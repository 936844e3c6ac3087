"""Read one attribute of one Kandji SCIM user, found by userName (the canary's poll)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import SecretStr

from wizard.kandji.client import build_client
from wizard.kandji.urls import KandjiUrl
from wizard.kandji.verify import look_up_user


@dataclass(frozen=True)
class KandjiRead:
    status: Literal["found", "missing", "error"]
    value: Any = None
    detail: str = ""
    token_refused: bool = False


def attribute_value(resource: dict[str, Any], path: str) -> Any:
    """`title` or a dotted path such as `name.givenName`; None when absent or empty."""
    value: Any = resource
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return None if value in ("", None) else value


async def read_user_attribute(
    url: KandjiUrl, token: SecretStr, login: str, attribute: str, *, timeout: float = 10.0
) -> KandjiRead:
    async with build_client(url, timeout) as client:
        found = await look_up_user(client, url, token, login, timeout)
    if found.error:
        return KandjiRead("error", detail=found.error, token_refused=found.token_refused)
    if found.resource is None:
        return KandjiRead("missing", detail=f"Kandji has no user with userName {login}.")
    return KandjiRead("found", attribute_value(found.resource, attribute))
