"""Contract tests: every request the Okta client sends and every simulator response must match
Okta's own OpenAPI spec (DESIGN §7). The spec is loaded once per session."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from okta_support import fixtures
from okta_support.contract import load_spec, validate_all, validate_exchange
from okta_support.fixtures import KANDJI_TOKEN
from okta_support.keys import service_app_auth
from pydantic import SecretStr

from wizard.okta import errors as E
from wizard.okta.auth import ApiTokenAuth

clock, sim, scim, make_client = fixtures.clock, fixtures.sim, fixtures.scim, fixtures.make_client

PERSON = {
    "firstName": "Test",
    "lastName": "Person",
    "email": "test.person@acme.example.com",
    "login": "test.person@acme.example.com",
}


# Paths the client calls that the spec subset in ../shared/okta does not describe, so their
# exchanges are left out of validation. Keep this list exact: each entry is a real Okta endpoint
# checked elsewhere (tests/test_okta_simulator.py checks the roles list's shape).
UNVALIDATED_PATHS = {
    # "List all User Role Assignments", read at step 1 to judge an API token's write rights.
    re.compile(r"/api/v1/users/[^/]+/roles"): "GET /api/v1/users/{userId}/roles",
    # Profile Mappings (the canary reads which attribute the app pushes; DESIGN §8).
    re.compile(r"/api/v1/mappings"): "GET /api/v1/mappings",
    re.compile(r"/api/v1/mappings/[^/]+"): "GET /api/v1/mappings/{mappingId}",
}


def validated(exchanges: list) -> list:
    """The exchanges the spec can judge; asserts that only the allowlisted path was left out."""
    kept, skipped = [], set()
    for ex in exchanges:
        path = urlsplit(ex.url).path
        call = next(
            (t for p, t in UNVALIDATED_PATHS.items() if p.fullmatch(path) and t.startswith(f"{ex.method} ")),
            None,
        )
        if call is None:
            kept.append(ex)
        else:
            skipped.add(call)
    assert skipped <= set(UNVALIDATED_PATHS.values()), skipped  # the method must match too
    return kept


@pytest.fixture(scope="module")
def spec():
    return load_spec()


async def test_happy_path_requests_and_responses_match_the_spec(spec, sim, scim, make_client):
    sim.seed(users=30, groups=30, apps=30)
    async with make_client() as okta:
        await okta.get_org()
        me = await okta.get_me()
        assert [r["type"] for r in await okta.list_user_roles(me["id"])] == ["SUPER_ADMIN"]
        assert await okta.find_app_by_label("Kandji SCIM App") is None
        app = await okta.create_saml_app("Kandji SCIM App")
        assert (await okta.find_app_by_label("Kandji SCIM App"))["id"] == app["id"]
        assert await okta.get_user_provisioning_feature(app["id"]) is None
        sim.configure_provisioning(app["id"], scim.base_url, KANDJI_TOKEN)
        assert "SCIM_PROVISIONING" in (await okta.get_app(app["id"]))["features"]
        feature = await okta.get_user_provisioning_feature(app["id"])
        assert feature["capabilities"]["create"]["lifecycleCreate"]["status"] == "ENABLED"
        assert await okta.find_group_by_name("Kandji Users") is None
        group = await okta.create_group("Kandji Users", "People provisioned to Kandji")
        assert (await okta.get_group(group["id"]))["profile"]["name"] == "Kandji Users"
        assert await okta.find_user(PERSON["login"]) is None
        user = await okta.create_user(PERSON, SecretStr("Correct-Horse-9"), [group["id"]])
        existing = sim.add_user("existing.person@acme.example.com")
        await okta.add_user_to_group(group["id"], existing)
        assert len(await okta.list_group_users(group["id"])) == 2
        schema = await okta.get_app_user_schema(app["id"])
        assert {"preferredLanguage", "locale"} <= set(schema["definitions"]["custom"]["properties"])
        await okta.assign_group(app["id"], group["id"])
        assert (await okta.get_app_group_assignment(app["id"], group["id"]))["profile"]["locale"] == "en_US"
        assert [g["id"] for g in await okta.list_app_groups(app["id"])] == [group["id"]]
        sim.settle()
        app_users = await okta.list_app_users(app["id"])
        assert {u["status"] for u in app_users} == {"PROVISIONED"}
        assert await okta.query_provisioning_failures(app["id"]) == []
        # The undo path.
        await okta.remove_group_assignment(app["id"], group["id"])
        await okta.remove_user_from_group(group["id"], existing)
        await okta.delete_user(user["id"])
        await okta.delete_group(group["id"])
        await okta.delete_app(app["id"])
    kept = validated(sim.exchanges)
    left_out = [urlsplit(ex.url).path for ex in sim.exchanges if ex not in kept]
    assert left_out == [f"/api/v1/users/{me['id']}/roles"]  # the roles read, and nothing else
    checked = validate_all(spec, kept)
    assert checked >= 28


async def test_error_paths_match_the_spec(spec, sim, make_client):
    app_id = sim.tenant.add_app("Other App")["id"]
    async with make_client(ApiTokenAuth(SecretStr("00" + "x" * 40))) as bad:
        with pytest.raises(E.OktaAuthError):
            await bad.get_org()
    reader = sim.create_api_token(scopes={"okta.apps.read", "okta.groups.read"})
    async with make_client(ApiTokenAuth(SecretStr(reader))) as okta:
        with pytest.raises(E.OktaPermissionError):
            await okta.create_group("Kandji Users", "x")
    async with make_client() as okta:
        with pytest.raises(E.OktaNotFoundError):
            await okta.get_app("0oa_missing")
        group = await okta.create_group("Kandji Users", "x")
        with pytest.raises(E.OktaValidationError):
            await okta.create_group("Kandji Users", "x")
        await okta.create_user(PERSON, SecretStr("Correct-Horse-9"), [])
        with pytest.raises(E.OktaValidationError) as dup:
            await okta.create_user(PERSON, SecretStr("Correct-Horse-9"), [])
        assert dup.value.is_duplicate
        with pytest.raises(E.OktaPasswordPolicyError):
            await okta.create_user({**PERSON, "login": "p2@acme.example.com"}, SecretStr("short"), [])
        sim.enable_scim_provisioning(app_id)
        sim.set_mapped_attributes(app_id, {"locale"})
        with pytest.raises(E.OktaMappedAttributeError):
            await okta.assign_group(app_id, group["id"])
        sim.tenant.saml_feature_enabled = False
        with pytest.raises(E.OktaFeatureNotEnabledError):
            await okta.create_saml_app("Kandji SCIM App")
        okta.retry.max_rate_limit_waits = 1
        sim.inject("/api/v1/groups/*", status=429, times=2)
        with pytest.raises(E.OktaRateLimitError):
            await okta.get_group(group["id"])
    statuses = {ex.status for ex in sim.exchanges}
    assert {400, 401, 403, 404, 429} <= statuses
    validate_all(spec, sim.exchanges)


async def test_oauth_dpop_calls_match_the_spec(spec, sim, make_client):
    auth = service_app_auth(sim, "ES256")
    async with make_client(auth) as okta:
        await okta.get_org()
        await okta.find_group_by_name("Anything")
    api = [ex for ex in sim.exchanges if "/api/" in ex.url]
    assert api and all(ex.request_headers["Authorization"].startswith("DPoP ") for ex in api)
    validate_all(spec, sim.exchanges)


async def test_the_validator_rejects_what_okta_would_reject(spec, sim, make_client):
    """The contract check must be able to fail: tamper with a real exchange both ways."""
    async with make_client() as okta:
        await okta.create_saml_app("Kandji SCIM App")
    (post,) = [ex for ex in sim.exchanges if ex.method == "POST"]
    validate_exchange(spec, post)
    body = json.loads(post.request_body)
    read_only = replace(post, request_body=json.dumps({**body, "features": ["SCIM_PROVISIONING"]}).encode())
    with pytest.raises(AssertionError, match="request breaks"):
        validate_exchange(spec, read_only)
    answer = json.loads(post.response_body)
    wrong = replace(post, response_body=json.dumps({**answer, "status": "SOMETIMES"}).encode())
    with pytest.raises(AssertionError, match="response breaks"):
        validate_exchange(spec, wrong)
    undocumented = replace(post, status=418)
    with pytest.raises(AssertionError, match="not in Okta's spec"):
        validate_exchange(spec, undocumented)


async def test_canary_calls_match_the_spec(spec, sim, scim, make_client):
    """The canary's calls: a partial profile update, an app user, the user's System Log; the
    mapping reads are real Okta endpoints the spec subset leaves out (checked for shape here)."""
    async with make_client() as okta:
        app = await okta.create_saml_app("Kandji SCIM App")
        sim.configure_provisioning(app["id"], scim.base_url, KANDJI_TOKEN)
        group = await okta.create_group("Kandji Users", "d")
        user = await okta.create_user(PERSON, SecretStr("Correct-Horse-9"), [group["id"]])
        await okta.assign_group(app["id"], group["id"])
        sim.settle()
        assert (await okta.get_app_user(app["id"], user["id"]))["syncState"] == "SYNCHRONIZED"
        (mapping,) = await okta.list_profile_mappings(app["id"])
        assert mapping["source"]["type"] == "user" and mapping["target"]["id"] == app["id"]
        detail = await okta.get_profile_mapping(mapping["id"])
        assert detail["properties"]["title"] == {"expression": "user.title", "pushStatus": "PUSH"}
        changed = await okta.update_user_profile(user["id"], {"title": "Canary"})
        assert changed["profile"]["title"] == "Canary"
        sim.settle()
        assert [u.get("title") for u in scim.users()] == ["Canary"]
        cleared = await okta.update_user_profile(user["id"], {"title": None})
        assert "title" not in cleared["profile"]
        sim.settle()
        assert [u.get("title") for u in scim.users()] == [None]
        assert await okta.query_user_provisioning_failures(user["id"]) == []
    kept = validated(sim.exchanges)
    assert {urlsplit(ex.url).path for ex in sim.exchanges if ex not in kept} == {
        "/api/v1/mappings",
        f"/api/v1/mappings/{mapping['id']}",
    }
    assert validate_all(spec, kept) == len(kept) == 8
