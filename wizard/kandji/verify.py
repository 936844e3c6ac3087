"""Step 24: do the Okta group's users exist in Kandji? One SCIM filter query per login."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from wizard.kandji import diagnose
from wizard.kandji.checks import UserVerification
from wizard.kandji.client import build_client
from wizard.kandji.urls import KandjiUrl

# A few lookups at a time: quick for a big group, gentle on Kandji's rate limits.
CONCURRENCY = 4


def username_filter(login: str) -> str:
    """`userName eq "<login>"` with the login escaped as a SCIM (JSON) string."""
    escaped = login.replace("\\", "\\\\").replace('"', '\\"')
    return f'userName eq "{escaped}"'


async def verify_users(
    url: KandjiUrl,
    token: SecretStr,
    logins: Iterable[str],
    *,
    timeout: float = 10.0,
) -> list[UserVerification]:
    """For each login: found (active), inactive, missing, or error (with the reason), in order."""
    wanted = list(logins)
    limit = asyncio.Semaphore(CONCURRENCY)
    async with build_client(url, timeout) as client:

        async def one(login: str) -> UserVerification:
            async with limit:
                return await _verify_one(client, url, token, login, timeout)

        return list(await asyncio.gather(*(one(login) for login in wanted)))


@dataclass(frozen=True)
class UserLookup:
    """One `userName eq` query: the matching SCIM user, or why the query failed."""

    resource: dict[str, Any] | None = None
    error: str = ""
    token_refused: bool = False


async def look_up_user(
    client: httpx.AsyncClient, url: KandjiUrl, token: SecretStr, login: str, timeout: float
) -> UserLookup:
    """The user whose userName matches `login` (case-insensitively, as Okta matches), if any.
    Step 24 and the canary both read Kandji through this."""
    secret = token.get_secret_value()
    try:
        response = await client.get(
            url.base_url + "/Users",
            params={"filter": username_filter(login), "startIndex": "1", "count": "10"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    except httpx.HTTPError as exc:
        d = diagnose.transport_error(exc, url, timeout)
        return UserLookup(error=f"{d.detail} {d.cause}".strip())
    body = diagnose.parse_json(response)
    if (
        response.status_code != 200
        or not isinstance(body, dict)
        or not isinstance(body.get("Resources", []), list)
    ):
        d = diagnose.unexpected_response(response, url, sent_token=True, secret=secret)
        return UserLookup(
            error=f"{d.detail} {d.cause}".strip(), token_refused=response.status_code in (401, 403)
        )
    for resource in body.get("Resources", []):
        if isinstance(resource, dict) and str(resource.get("userName", "")).casefold() == login.casefold():
            return UserLookup(resource)
    return UserLookup()


async def _verify_one(
    client: httpx.AsyncClient, url: KandjiUrl, token: SecretStr, login: str, timeout: float
) -> UserVerification:
    found = await look_up_user(client, url, token, login, timeout)
    if found.error:
        return UserVerification(login, "error", detail=found.error)
    user = found.resource
    if user is None:
        return UserVerification(login, "missing", detail="No Kandji user has this userName yet.")
    scim_id = str(user.get("id")) if user.get("id") is not None else None
    if user.get("active") is False:
        return UserVerification(login, "inactive", scim_id, "In Kandji, but deactivated (active: false).")
    return UserVerification(login, "found", scim_id, "In Kandji and active.")
