"""The embedded Kandji-like SCIM server: bearer gate, mount path, request log, Okta's bodies."""

from __future__ import annotations

import httpx
import pytest

from tests import loopback_http as web
from wizard.demo.scim_server import MOUNT_PATH, ScimServer

TOKEN = "demo-token-0123456789abcdef"


def okta_user(login: str, okta_id: str) -> dict:
    """The body Okta POSTs for a new user (DESIGN §4.3)."""
    first, last = login.split("@")[0].split(".")
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": login,
        "name": {"givenName": first.title(), "familyName": last.title()},
        "emails": [{"primary": True, "value": login, "type": "work"}],
        "displayName": f"{first.title()} {last.title()}",
        "locale": "en_US",
        "externalId": okta_id,
        "groups": [],
        "password": "Pl4ceholder!Okta",
        "active": True,
    }


@pytest.fixture
def server():
    with ScimServer(TOKEN) as running:
        yield running


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_base_url_is_kandji_shaped_on_loopback(server: ScimServer) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}{MOUNT_PATH}"


def test_okta_connector_test_call_returns_a_list_response(server: ScimServer) -> None:
    response = web.get(f"{server.base_url}/Users?startIndex=1&count=2", headers=auth())
    assert response.status_code == 200
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (0, 1, 0)


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer", f"SSWS {TOKEN}"],
)
def test_requests_without_the_token_get_a_scim_401(server: ScimServer, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = web.get(f"{server.base_url}/Users", headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == "401"
    assert "urn:ietf:params:scim:api:messages:2.0:Error" in response.json()["schemas"]
    assert server.requests[-1].authorization == header


def test_accept_any_token_lets_a_wrong_token_in() -> None:
    with ScimServer(TOKEN, accept_any_token=True) as server:
        assert web.get(f"{server.base_url}/Users", headers=auth("anything")).status_code == 200
        assert web.get(f"{server.base_url}/Users").status_code == 401


def test_paths_outside_the_mount_answer_an_html_page(server: ScimServer) -> None:
    response = web.get(f"{server.origin}/Users", headers=auth())
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_okta_create_filter_and_put_deactivate_round_trip(server: ScimServer) -> None:
    body = okta_user("jane.doe@acme.com", "00u1")
    created = web.post(f"{server.base_url}/Users", headers=auth(), json=body)
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    assert created.json()["meta"]["location"] == f"{server.base_url}/Users/{user_id}"

    found = web.get(
        f"{server.base_url}/Users",
        params={"filter": 'userName eq "jane.doe@acme.com"', "startIndex": 1, "count": 100},
        headers=auth(),
    ).json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == user_id

    replaced = web.put(
        f"{server.base_url}/Users/{user_id}",
        headers=auth(),
        json={**okta_user("jane.doe@acme.com", "00u1"), "id": user_id, "active": False},
    )
    assert replaced.status_code == 200, replaced.text

    [stored] = server.users()
    assert stored["userName"] == "jane.doe@acme.com"
    assert stored["externalId"] == "00u1"
    assert stored["active"] is False
    assert stored["locale"] == "en_US"
    assert stored["emails"][0]["value"] == "jane.doe@acme.com"


def test_seeded_users_are_served_and_found_as_if_okta_had_posted_them(server: ScimServer) -> None:
    ids = server.seed_users([okta_user("ann.lee@acme.com", "00u7"), okta_user("bo.kim@acme.com", "00u8")])
    found = web.get(
        f"{server.base_url}/Users", params={"filter": 'userName eq "bo.kim@acme.com"'}, headers=auth()
    ).json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == ids[1]
    assert found["Resources"][0]["meta"]["resourceType"] == "User"
    one = web.get(f"{server.base_url}/Users/{ids[0]}", headers=auth())
    assert one.status_code == 200 and one.json()["externalId"] == "00u7"
    # Okta's own POST of a taken userName is refused, as after a POST...
    again = web.post(f"{server.base_url}/Users", headers=auth(), json=okta_user("ann.lee@acme.com", "00u9"))
    assert again.status_code == 409
    # ...and so is seeding one, whatever its case, leaving the stored users as they were.
    with pytest.raises(ValueError, match="already taken"):
        server.seed_users([okta_user("cy.ng@acme.com", "00u10"), okta_user("Ann.Lee@acme.com", "00u11")])
    assert sorted(u["userName"] for u in server.users()) == ["ann.lee@acme.com", "bo.kim@acme.com"]


def test_request_log_records_method_path_status_and_header(server: ScimServer) -> None:
    web.get(f"{server.base_url}/Users/unknown-id", headers=auth())
    [entry] = list(server.requests)
    assert (entry.method, entry.path, entry.status) == ("GET", f"{MOUNT_PATH}/Users/unknown-id", 404)
    assert entry.authorization == f"Bearer {TOKEN}"
    assert TOKEN not in repr(entry)
    assert server.requests.authorizations() == {f"Bearer {TOKEN}"}


def test_stop_frees_the_port_and_start_stop_are_idempotent() -> None:
    server = ScimServer(TOKEN).start()
    assert server.start() is server
    url = server.base_url
    server.stop()
    server.stop()
    with pytest.raises(httpx.TransportError):
        web.get(f"{url}/Users", headers=auth(), timeout=2)
