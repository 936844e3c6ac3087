"""Step 24's Kandji side: each Okta login found, missing or inactive, by SCIM filter."""

from __future__ import annotations

from pydantic import SecretStr

from tests import loopback_http as web
from wizard.demo.scim_server import ScimServer
from wizard.kandji.urls import parse_kandji_url
from wizard.kandji.verify import username_filter, verify_users

TOKEN = "kandji-good-token-0123456789abcdef"


def add_user(server: ScimServer, login: str, *, active: bool = True) -> str:
    response = web.post(
        f"{server.base_url}/Users",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={
            "userName": login,
            "name": {"formatted": login},
            "active": active,
            "externalId": "00u" + login[:3],
        },
    )
    response.raise_for_status()
    return response.json()["id"]


def test_username_filter_escapes_quotes_and_backslashes() -> None:
    assert username_filter("jane@acme.com") == 'userName eq "jane@acme.com"'
    assert username_filter('o"neil\\x@acme.com') == 'userName eq "o\\"neil\\\\x@acme.com"'


async def test_found_missing_and_inactive_with_scim_ids() -> None:
    with ScimServer(TOKEN) as server:
        jane = add_user(server, "jane@acme.com")
        bob = add_user(server, "bob@acme.com", active=False)
        quoted = add_user(server, 'o"neil@acme.com')
        url = parse_kandji_url(server.base_url, allow_insecure_loopback=True)
        results = await verify_users(
            url, SecretStr(TOKEN), ["jane@acme.com", "bob@acme.com", "ghost@acme.com", 'o"neil@acme.com']
        )
        filters = [r.path for r in server.requests if r.method == "GET"]
    assert [(r.login, r.status, r.scim_id) for r in results] == [
        ("jane@acme.com", "found", jane),
        ("bob@acme.com", "inactive", bob),
        ("ghost@acme.com", "missing", None),
        ('o"neil@acme.com', "found", quoted),
    ]
    assert len(filters) == 4
    assert all("filter=userName+eq+" in path for path in filters)


async def test_wrong_token_reports_an_error_per_login_without_the_token() -> None:
    with ScimServer(TOKEN) as server:
        url = parse_kandji_url(server.base_url, allow_insecure_loopback=True)
        [result] = await verify_users(url, SecretStr("wrong-token-0000000000"), ["jane@acme.com"])
    assert result.status == "error"
    assert "HTTP 401" in result.detail and "rotated" in result.detail
    assert "wrong-token-0000000000" not in str(result.to_dict())


async def test_no_logins_makes_no_requests() -> None:
    with ScimServer(TOKEN) as server:
        url = parse_kandji_url(server.base_url, allow_insecure_loopback=True)
        assert await verify_users(url, SecretStr(TOKEN), []) == []
        assert len(server.requests) == 0
