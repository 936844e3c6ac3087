"""The Okta simulator behaves like Okta where the wizard depends on it: provisioning pushes,
System Log failures, console-only settings, pagination, seeding at scale."""

from __future__ import annotations

import pytest
from okta_support import fixtures
from okta_support.fixtures import KANDJI_TOKEN
from pydantic import SecretStr

from tests import loopback_http as web
from wizard.okta_simulator import OktaSimulator

clock, sim, scim, make_client = fixtures.clock, fixtures.sim, fixtures.scim, fixtures.make_client


def person(login: str) -> dict[str, str]:
    return {"firstName": "Pat", "lastName": "Lee", "email": login, "login": login}


async def _assigned_app(sim, scim, okta, members: int = 2) -> tuple[str, str]:
    app = await okta.create_saml_app("Kandji SCIM App")
    sim.configure_provisioning(app["id"], scim.base_url, KANDJI_TOKEN)
    group = await okta.create_group("Kandji Users", "d")
    for i in range(members):
        login = f"user{i}@acme.example.com"
        await okta.create_user(person(login), SecretStr("Correct-Horse-9"), [group["id"]])
    await okta.assign_group(app["id"], group["id"])
    sim.settle()
    return app["id"], group["id"]


async def test_assignment_pushes_members_the_way_okta_does(sim, scim, make_client):
    async with make_client() as okta:
        app_id, _ = await _assigned_app(sim, scim, okta)
        app_users = await okta.list_app_users(app_id)
    kandji = {u["userName"]: u for u in scim.users()}
    assert set(kandji) == {"user0@acme.example.com", "user1@acme.example.com"}
    for app_user in app_users:
        assert app_user["status"] == "PROVISIONED"
        assert app_user["syncState"] == "SYNCHRONIZED"
        assert kandji[app_user["credentials"]["userName"]]["id"] == app_user["externalId"]
        assert kandji[app_user["credentials"]["userName"]]["externalId"] == app_user["id"]
    pushed = [r for r in scim.requests if r.method in ("GET", "POST")]
    # Connection test, then per user: filter by userName, then POST.
    assert pushed[0].path.startswith("/api/v1/scim/Users?startIndex=1&count=2")
    assert "filter=userName" in pushed[1].path and pushed[2].method == "POST"
    assert scim.requests.authorizations() == {f"Bearer {KANDJI_TOKEN}"}


async def test_a_user_added_to_an_assigned_group_is_pushed(sim, scim, make_client):
    async with make_client() as okta:
        app_id, group_id = await _assigned_app(sim, scim, okta, members=1)
        late = sim.add_user("late@acme.example.com")
        await okta.add_user_to_group(group_id, late)
        sim.settle()
        statuses = {u["id"]: u["status"] for u in await okta.list_app_users(app_id)}
    assert statuses[late] == "PROVISIONED"
    assert "late@acme.example.com" in {u["userName"] for u in scim.users()}


async def test_unassigning_deactivates_with_a_full_put_never_delete(sim, scim, make_client):
    async with make_client() as okta:
        app_id, group_id = await _assigned_app(sim, scim, okta, members=1)
        await okta.remove_group_assignment(app_id, group_id)
        sim.settle()
        assert await okta.list_app_users(app_id) == []
    assert [u["active"] for u in scim.users()] == [False]
    assert "DELETE" not in {r.method for r in scim.requests}
    assert scim.requests[-1].method == "PUT"


async def test_wrong_kandji_token_is_logged_as_integration_authentication_failure(sim, scim, make_client):
    async with make_client() as okta:
        app = await okta.create_saml_app("Kandji SCIM App")
        sim.enable_scim_provisioning(app["id"])
        ok, message = sim.set_scim_connection(app["id"], scim.base_url, "wrong-token")
        assert not ok and "401" in message
        sim.set_to_app(app["id"], create=True, update=True, deactivate=True)
        group = await okta.create_group("Kandji Users", "d")
        await okta.create_user(person("pat@acme.example.com"), SecretStr("Correct-Horse-9"), [group["id"]])
        await okta.assign_group(app["id"], group["id"])
        sim.settle()
        (app_user,) = await okta.list_app_users(app["id"])
        failures = await okta.query_provisioning_failures(app["id"])
    assert app_user["syncState"] == "ERROR" and app_user["status"] == "STAGED"
    assert app_user["externalId"] is None  # Okta keeps the key, null until the first push
    kinds = [e["eventType"] for e in failures]
    assert kinds == ["application.integration.authentication_failure", "application.provision.user.push"]
    assert "401" in failures[0]["outcome"]["reason"]
    assert scim.users() == []


async def test_unreachable_scim_server_is_a_push_failure(sim, make_client):
    async with make_client() as okta:
        app = await okta.create_saml_app("Kandji SCIM App")
        sim.enable_scim_provisioning(app["id"])
        ok, _ = sim.set_scim_connection(app["id"], "http://127.0.0.1:9/api/v1/scim", "t")
        assert not ok
        sim.set_to_app(app["id"], create=True)
        group = await okta.create_group("Kandji Users", "d")
        await okta.create_user(person("pat@acme.example.com"), SecretStr("Correct-Horse-9"), [group["id"]])
        await okta.assign_group(app["id"], group["id"])
        sim.settle()
        (event,) = await okta.query_provisioning_failures(app["id"])
    assert event["eventType"] == "application.provision.user.push"
    assert "Could not reach" in event["outcome"]["reason"]


async def test_console_settings_show_in_features_and_never_come_from_the_api(sim, scim, make_client):
    async with make_client() as okta:
        app = await okta.create_saml_app("Kandji SCIM App")
        assert (await okta.get_app(app["id"]))["features"] == []
        sim.enable_scim_provisioning(app["id"])
        assert (await okta.get_app(app["id"]))["features"] == ["SCIM_PROVISIONING"]
        sim.set_scim_connection(app["id"], scim.base_url, KANDJI_TOKEN)
        assert set((await okta.get_app(app["id"]))["features"]) == {
            "SCIM_PROVISIONING",
            "PUSH_NEW_USERS",
            "PUSH_PROFILE_UPDATES",
        }
        feature = await okta.get_user_provisioning_feature(app["id"])
        assert feature["capabilities"]["create"]["lifecycleCreate"]["status"] == "DISABLED"
        sim.set_to_app(app["id"], create=True, deactivate=True)
        feature = await okta.get_user_provisioning_feature(app["id"])
        assert feature["capabilities"]["update"]["lifecycleDeactivate"]["status"] == "ENABLED"
        assert "PUSH_USER_DEACTIVATION" in (await okta.get_app(app["id"]))["features"]
    # Okta's app object cannot switch these on: `features` is read-only, and a PUT wipes them.
    put = web.put(
        f"{sim.base_url}/api/v1/apps/{app['id']}",
        headers={"Authorization": f"SSWS {sim.api_token}"},
        json={"label": "Kandji SCIM App", "signOnMode": "SAML_2_0"},
    )
    assert put.status_code == 200 and put.json()["features"] == []
    with pytest.raises(ValueError, match="General tab"):
        sim.set_scim_connection(app["id"], scim.base_url, KANDJI_TOKEN)


def test_no_client_method_puts_the_app_object():
    """DESIGN §4.2: a PUT of the app object wipes the SCIM settings, so the client has none."""
    import inspect
    import re

    from wizard.okta import client

    source = inspect.getsource(client)
    put_paths = re.findall(r'"PUT",\s*f?"([^"]+)"', source)
    assert put_paths, "expected the client's PUT calls to be found"
    assert not [p for p in put_paths if re.fullmatch(r"/api/v1/apps/\{[^}]+\}", p)], put_paths


async def test_pagination_follows_link_headers_to_the_end(sim, make_client):
    sim.seed(users=0, groups=0, apps=0)
    for i in range(45):
        sim.tenant.add_app(f"Kandji SCIM App {i:02d}")
    target = sim.tenant.add_app("Kandji SCIM App")
    async with make_client() as okta:
        okta_pages = okta.call_log
        found = await okta.find_app_by_label("Kandji SCIM App")
    assert found["id"] == target["id"]
    assert len([r for r in okta_pages if r.operation == "find_app_by_label"]) == 1  # limit=200
    async with make_client() as okta:
        import wizard.okta.client as client_module

        old = client_module.PAGE_LIMIT
        client_module.PAGE_LIMIT = 10
        try:
            found = await okta.find_app_by_label("Kandji SCIM App")
        finally:
            client_module.PAGE_LIMIT = old
    assert found["id"] == target["id"]
    assert len([r for r in okta.call_log if r.operation == "find_app_by_label"]) == 5


async def test_users_me_is_only_for_api_tokens_and_lookups_work_by_login(sim, make_client):
    async with make_client() as okta:
        me = await okta.get_me()
        assert me["id"] == sim.tenant.admin_id
        login = "first.o'brien+kandji@acme.example.com"
        user_id = sim.add_user(login)
        assert (await okta.find_user(login))["id"] == user_id
        assert await okta.find_user("nobody@acme.example.com") is None


def test_seeding_a_large_tenant_keeps_lookups_indexed():
    with OktaSimulator() as big:
        big.seed(users=20000, groups=2000, apps=100)
        assert len(big.tenant.users) == 20001
        assert len(big.tenant.groups) == 2000
        login = next(iter(big.tenant.users_by_login))
        response = web.get(
            f"{big.base_url}/api/v1/users/{login}", headers={"Authorization": f"SSWS {big.api_token}"}
        )
        assert response.status_code == 200
        found = web.get(
            f"{big.base_url}/api/v1/groups",
            params={"search": 'profile.name eq "Team 01999"'},
            headers={"Authorization": f"SSWS {big.api_token}"},
        )
        assert [g["profile"]["name"] for g in found.json()] == ["Team 01999"]


def test_every_response_carries_okta_headers(sim):
    response = web.get(f"{sim.base_url}/api/v1/org", headers={"Authorization": f"SSWS {sim.api_token}"})
    for header in ("X-Okta-Request-Id", "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"):
        assert response.headers.get(header), header
    assert response.headers["Date"].endswith("GMT")
    anonymous = web.get(f"{sim.base_url}/api/v1/org")
    assert anonymous.status_code == 401 and anonymous.json()["errorCode"] == "E0000011"


async def test_failure_query_honours_since(sim, clock, scim, make_client):
    from datetime import UTC, datetime

    async with make_client() as okta:
        app = await okta.create_saml_app("Kandji SCIM App")
        sim.enable_scim_provisioning(app["id"])
        sim.set_scim_connection(app["id"], scim.base_url, "wrong-token", test=False)
        sim.set_to_app(app["id"], create=True)
        group = await okta.create_group("Kandji Users", "d")
        await okta.create_user(person("one@acme.example.com"), SecretStr("Correct-Horse-9"), [group["id"]])
        await okta.assign_group(app["id"], group["id"])
        sim.settle()
        clock.advance(60)
        since = datetime.fromtimestamp(clock(), UTC)
        assert await okta.query_provisioning_failures(app["id"], since) == []
        second = sim.add_user("two@acme.example.com")
        await okta.add_user_to_group(group["id"], second)
        sim.settle()
        later = await okta.query_provisioning_failures(app["id"], since)
        everything = await okta.query_provisioning_failures(app["id"])
    assert {e["target"][1]["alternateId"] for e in later if len(e["target"]) > 1} == {"two@acme.example.com"}
    assert len(everything) == 2 * len(later)


def test_console_settings_over_http_need_the_console_token_not_okta_credentials(sim, scim):
    app_id = sim.tenant.add_app("Kandji SCIM App")["id"]
    url = f"{sim.base_url}/__console/apps/{app_id}"
    okta_auth = {"Authorization": f"SSWS {sim.api_token}"}
    assert web.post(f"{url}/scim-provisioning", headers=okta_auth, json={}).status_code == 401
    console = {"X-Simulator-Console": sim.console_token}
    assert web.post(f"{url}/scim-provisioning", headers=console, json={"enabled": True}).json() == {
        "ok": True
    }
    saved = web.post(
        f"{url}/connection", headers=console, json={"baseUrl": scim.base_url, "token": KANDJI_TOKEN}
    ).json()
    assert saved["ok"] is True
    assert web.post(f"{url}/to-app", headers=console, json={"create": True}).json() == {"ok": True}
    assert sim.tenant.app_settings[app_id].pushes
    assert (
        web.post(f"{sim.base_url}/__console/apps/nope/to-app", headers=console, json={}).status_code == 404
    )


# -- admin roles -------------------------------------------------------------------------------


async def test_the_roles_endpoint_answers_in_okta_shape(sim, make_client):
    async with make_client() as okta:
        me = await okta.get_me()
        (role,) = await okta.list_user_roles(me["id"])
    assert role["type"] == "SUPER_ADMIN" and role["label"] == "Super Administrator"
    assert role["status"] == "ACTIVE" and role["assignmentType"] == "USER"
    assert role["id"] and role["created"] and role["lastUpdated"]
    assert role["_links"]["assignee"]["href"].endswith(f"/api/v1/users/{me['id']}")


async def test_a_token_acts_with_the_roles_it_was_created_with(sim, make_client):
    from wizard.okta import errors as E
    from wizard.okta.auth import ApiTokenAuth

    token = sim.create_api_token(roles=["APP_ADMIN", "CUSTOM"])
    async with make_client(ApiTokenAuth(SecretStr(token))) as okta:
        me = await okta.get_me()
        roles = await okta.list_user_roles(me["id"])
        assert sorted(r["type"] for r in roles) == ["APP_ADMIN", "CUSTOM"]
        custom = next(r for r in roles if r["type"] == "CUSTOM")
        assert custom["role"] and custom["resource-set"]
        app = await okta.create_saml_app("Kandji SCIM App")  # an Application Administrator may
        with pytest.raises(E.OktaPermissionError) as refused:
            await okta.create_group("Kandji Users", "d")
    assert me["id"] != sim.tenant.admin_id
    assert app["label"] == "Kandji SCIM App"
    assert refused.value.status == 403 and refused.value.error_code == "E0000006"


async def test_a_write_without_the_role_gets_okta_403_and_the_remedy_names_the_role(sim, make_client):
    import json

    from wizard.okta import errors as E
    from wizard.okta.auth import ApiTokenAuth

    token = sim.create_api_token(roles=["READ_ONLY_ADMIN"])
    async with make_client(ApiTokenAuth(SecretStr(token))) as okta:
        assert await okta.find_app_by_label("Kandji SCIM App") is None  # reads are allowed
        with pytest.raises(E.OktaPermissionError) as refused:
            await okta.create_saml_app("Kandji SCIM App")
    assert "Application Administrator" in refused.value.remedy
    assert "okta.apps.manage" in refused.value.remedy
    (post,) = [ex for ex in sim.exchanges if ex.method == "POST"]
    body = json.loads(post.response_body)
    assert post.status == 403 and body["errorCode"] == "E0000006"
    assert body["errorSummary"] == "You do not have permission to perform the requested action"
    assert not [a for a in sim.tenant.apps.values() if a["label"] == "Kandji SCIM App"]


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (["ORG_ADMIN"], {"create_group", "create_user", "add_user_to_group"}),
        (["USER_ADMIN"], {"create_user", "add_user_to_group"}),
        (["GROUP_MEMBERSHIP_ADMIN"], {"add_user_to_group"}),
        (["APP_ADMIN"], {"create_saml_app", "assign_group"}),
        (["HELP_DESK_ADMIN"], set()),
    ],
)
async def test_each_write_needs_its_roles(sim, make_client, roles, allowed):
    from wizard.okta import errors as E
    from wizard.okta.auth import ApiTokenAuth

    app_id = sim.tenant.add_app("Kandji SCIM App")["id"]
    group_id = sim.add_group("Kandji Users")
    user_id = sim.add_user("pat@acme.example.com")
    token = sim.create_api_token(roles=roles)
    writes = {
        "create_saml_app": lambda okta: okta.create_saml_app("Other App"),
        "create_group": lambda okta: okta.create_group("Other Group", "d"),
        "create_user": lambda okta: okta.create_user(
            person("new@acme.example.com"), SecretStr("Correct-Horse-9"), []
        ),
        "add_user_to_group": lambda okta: okta.add_user_to_group(group_id, user_id),
        "assign_group": lambda okta: okta.assign_group(app_id, group_id, {}),
    }
    done = set()
    async with make_client(ApiTokenAuth(SecretStr(token))) as okta:
        for name, write in writes.items():
            try:
                await write(okta)
                done.add(name)
            except E.OktaPermissionError as exc:
                assert exc.error_code == "E0000006"
    assert done == allowed


def test_stopping_ends_the_connections_a_client_left_open() -> None:
    """A client that never closes its pool must not keep a server thread, and whatever that
    thread holds (a TUI's captured stderr, and so the whole app), alive after the simulator
    stopped."""
    import threading

    import httpx

    from wizard.plain_http import shared_context

    before = set(threading.enumerate())
    simulator = OktaSimulator().start()
    client = httpx.Client(verify=shared_context())  # keep-alive, and never closed before stop()
    try:
        headers = {"Authorization": f"SSWS {simulator.api_token}"}
        assert client.get(f"{simulator.base_url}/api/v1/org", headers=headers).status_code == 200
        serving = [t for t in set(threading.enumerate()) - before if "process_request" in t.name]
        assert serving, "the connection is kept alive by a thread of its own"
        simulator.stop()
        for thread in serving:
            thread.join(timeout=5)
        assert not any(thread.is_alive() for thread in serving)
    finally:
        client.close()
        simulator.stop()
