"""Read one attribute of one Kandji SCIM user, found by userName (the canary's poll)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from wizard.kandji import diagnose
from wizard.kandji.client import build_client
from wizard.kandji.urls import KandjiUrl
from wizard.kandji.verify import username_filter


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
    secret = token.get_secret_value()
    async with build_client(url, timeout) as client:
        try:
            response = await client.get(
                url.base_url + "/Users",
                params={"filter": username_filter(login), "startIndex": "1", "count": "10"},
                headers={"Authorization": f"Bearer {secret}"},
            )
        except httpx.HTTPError as exc:
            d = diagnose.transport_error(exc, url, timeout)
            return KandjiRead("error", detail=f"{d.detail} {d.cause}".strip())
    body = diagnose.parse_json(response)
    if (
        response.status_code != 200
        or not isinstance(body, dict)
        or not isinstance(body.get("Resources", []), list)
    ):
        d = diagnose.unexpected_response(response, url, sent_token=True, secret=secret)
        return KandjiRead(
            "error", detail=f"{d.detail} {d.cause}".strip(), token_refused=response.status_code in (401, 403)
        )
    for resource in body.get("Resources", []):
        if isinstance(resource, dict) and str(resource.get("userName", "")).casefold() == login.casefold():
            return KandjiRead("found", attribute_value(resource, attribute))
    return KandjiRead("missing", detail=f"Kandji has no user with userName {login}.")
