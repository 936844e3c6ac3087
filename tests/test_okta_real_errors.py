"""Errors as real Okta sends them (issue 11), each test built on a recorded answer from
../shared/okta/recorded/ or a fact SOURCE.md records, and the simulator's matching fidelity."""

from __future__ import annotations

import json

import httpx
import pytest
from okta_support import fixtures
from okta_support.keys import service_app_auth
from okta_support.recorded import load_interactions, recorded_path, skip_or_fail_missing
from pydantic import SecretStr

from tests import loopback_http as web
from tests.test_cli_fixtures import app_ids
from wizard.commands.exit_codes import Exit
from wizard.okta import errors as E
from wizard.okta.auth import ApiTokenAuth
from wizard.okta.client import OktaClient
from wizard.okta.domains import parse_org_url
from wizard.okta.pacing import RetryPolicy
from wizard.okta_simulator import ManualClock

clock, sim, make_client = fixtures.clock, fixtures.sim, fixtures.make_client
LOOPBACK = "--allow-insecure-loopback"
# Okta's own example of a refused password (developer docs, release notes 2018.09).
POLICY_CAUSE = "password: Passwords must be at least 8 characters."


def recorded(method: str, path_start: str, code: int) -> dict:
    """The first recorded answer to `method path…` with this status, as the raw line."""
    for rec in load_interactions():
        if rec.method == method and rec.path.startswith(path_start) and rec.code == code:
            return {"headers": rec.resp_headers, "body": rec.json(), "path": rec.path}
    skip_or_fail_missing(recorded_path(), "The recorded Okta interactions file")
    raise AssertionError(f"no recorded {method} {path_start} {code}")


def replaying(answers: list[tuple[int, dict | None]], sent: list[httpx.Request]) -> httpx.MockTransport:
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        status, body = queue.pop(0) if len(queue) > 1 else queue[0]
        return httpx.Response(status, json=body) if body is not None else httpx.Response(status)

    return httpx.MockTransport(handler)


def offline_client(transport: httpx.MockTransport, time: ManualClock | None = None) -> OktaClient:
    time = time or ManualClock()
    org = parse_org_url("https://acme.okta.com")
    return OktaClient(
        org,
        ApiTokenAuth(SecretStr("00token")),
        clock=time,
        sleep=time.sleep,
        retry=RetryPolicy(jitter_max=0.0),
        transport=transport,
    )


# -- 400 E0000001 with a password cause ----------------------------------------------------------


async def test_a_recorded_validation_failure_with_a_password_cause_is_a_password_problem() -> None:
    line = recorded("POST", "/api/v1/users", 400)
    assert line["body"]["errorCode"] == "E0000001"  # real Okta's shape for a refused new user
    body = {**line["body"], "errorCauses": [{"errorSummary": POLICY_CAUSE}]}
    sent: list[httpx.Request] = []
    async with offline_client(replaying([(400, body)], sent)) as okta:
        with pytest.raises(E.OktaPasswordPolicyError) as raised:
            profile = {
                "firstName": "T",
                "lastName": "P",
                "login": "t@acme.example.com",
                "email": "t@acme.example.com",
            }
            await okta.create_user(profile, SecretStr("short"), [])
    assert "Passwords must be at least 8 characters" in raised.value.remedy
    assert "18.2" in raised.value.remedy
    assert len(sent) == 1  # a POST is never repeated
    # The recorded answer itself (an unknown profile property) stays a plain validation error.
    plain = E.error_from_response(400, line["body"], request_id=None, operation="create_user")
    assert type(plain) is E.OktaValidationError


async def test_the_simulator_refuses_a_weak_password_as_okta_does(sim, make_client) -> None:
    async with make_client() as okta:
        with pytest.raises(E.OktaPasswordPolicyError) as raised:
            login = "weak@acme.example.com"
            await okta.create_user(
                {"firstName": "W", "lastName": "P", "login": login, "email": login}, SecretStr("short"), []
            )
    assert raised.value.status == 400 and raised.value.error_code == "E0000001"
    assert raised.value.causes[0].startswith("password: ")


def test_apply_sends_a_weak_password_to_18_2_with_the_credentials_exit(
    cli, sim_setup, demo_services, monkeypatch
):
    demo = demo_services
    args = ("apply", "--config", str(sim_setup), "--yes", "--timeout", "0", LOOPBACK)
    assert cli(*args).code == 9
    (app_id,) = app_ids(demo)
    demo.okta_simulator.configure_provisioning(app_id, demo.kandji_base_url, demo.kandji_token)
    monkeypatch.setenv("OKTA_TEST_USER_PASSWORD", "short")
    result = cli(*args)
    assert result.code == Exit.CREDENTIALS, result.out
    closing = result.out.strip().splitlines()[-1]
    assert "18.2" in closing and "password" in closing.lower(), closing
    assert "at least 8 characters" in result.out  # the policy text, as Okta gave it


# -- 401 E0000015 -------------------------------------------------------------------------------


async def test_feature_not_enabled_arrives_as_401_and_is_never_retried_with_an_api_token(sim, make_client):
    sim.tenant.saml_feature_enabled = False
    async with make_client() as okta:
        with pytest.raises(E.OktaFeatureNotEnabledError) as raised:
            await okta.create_saml_app("Kandji SCIM App")
    assert raised.value.status == 401
    # The client's own log (the simulator records an exchange only after answering it).
    assert [r.method for r in okta.call_log if r.path == "/api/v1/apps"] == ["POST"]


async def test_feature_not_enabled_with_oauth_fetches_no_new_token_and_posts_once(sim, make_client):
    sim.tenant.saml_feature_enabled = False
    async with make_client(service_app_auth(sim)) as okta:
        await okta.get_org()
        with pytest.raises(E.OktaFeatureNotEnabledError) as raised:
            await okta.create_saml_app("Kandji SCIM App")
    assert "feature" in str(raised.value).lower()
    posts = [r for r in okta.call_log if r.method == "POST" and r.path == "/api/v1/apps"]
    assert len(posts) == 1, "never a second POST"
    tokens = [r.status for r in okta.call_log if r.operation == "oauth_token"]
    assert tokens == [400, 200], "no token refresh after E0000015"


# -- 5xx retried on GET/PUT/DELETE, undo through 500, 500, 204 ----------------------------------------


async def test_recorded_delete_500_500_then_204_is_retried_with_backoff() -> None:
    first = recorded("DELETE", "/api/v1/apps/", 500)["body"]
    assert first["errorCode"] == "E0000009"
    sent: list[httpx.Request] = []
    answers = [(200, {}), (500, first), (500, first), (204, None)]
    time = ManualClock()
    async with offline_client(replaying(answers, sent), time) as okta:
        await okta.delete_app("0oayul7irgiswCFMW1d7")
    assert [r.method for r in sent] == ["POST", "DELETE", "DELETE", "DELETE"]
    assert time.sleeps == [0.5, 1.0]  # backoff doubles


def test_undo_completes_through_500_500_204(cli, sim_setup, demo_services) -> None:
    demo = demo_services
    args = ("apply", "--config", str(sim_setup), "--yes", "--timeout", "0", LOOPBACK)
    assert cli(*args).code == 9
    (app_id,) = app_ids(demo)
    demo.okta_simulator.configure_provisioning(app_id, demo.kandji_base_url, demo.kandji_token)
    assert cli(*args, "--proof-timeout", "60").code == 0
    demo.okta_simulator.fail_like_recorded(f"/api/v1/apps/{app_id}", "DELETE")
    result = cli("undo", "--yes", "--json")
    assert result.code == Exit.OK, result.out + result.err
    items = {i["kind"]: i["result"] for i in json.loads(result.out)["items"]}
    assert items["app"] == "removed"
    deletes = [
        ex.status for ex in demo.okta_simulator.exchanges if ex.method == "DELETE" and app_id in ex.url
    ]
    assert deletes[-3:] == [500, 500, 204]
    assert app_ids(demo) == []


# -- the simulator's answers follow the recorded ones -------------------------------------------


async def test_the_simulator_accepts_features_in_a_create_body_and_ignores_it(sim) -> None:
    from wizard.okta.payloads import saml_app_body

    body = {**saml_app_body("Kandji SCIM App"), "features": []}
    headers = {"Authorization": f"SSWS {sim.api_token}"}
    answer = web.post(f"{sim.base_url}/api/v1/apps", json=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["features"] == []


def test_every_simulator_answer_carries_the_rate_limit_headers_errors_included(sim) -> None:
    good = {"Authorization": f"SSWS {sim.api_token}"}
    answers = [
        web.get(f"{sim.base_url}/api/v1/org", headers=good),
        web.get(f"{sim.base_url}/api/v1/org", headers={"Authorization": "SSWS wrong"}),  # 401
        web.get(f"{sim.base_url}/api/v1/apps/0oamissing", headers=good),  # 404
        web.get(f"{sim.base_url}/api/v1/nothing-here", headers=good),  # unknown path
        web.post(f"{sim.base_url}/api/v1/groups", content=b"{", headers=good),  # bad JSON
    ]
    sim.inject("/api/v1/org", status=503)
    answers.append(web.get(f"{sim.base_url}/api/v1/org", headers=good))
    assert [a.status_code for a in answers] == [200, 401, 404, 404, 400, 503]
    for answer in answers:
        assert {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} <= set(answer.headers)


def test_the_simulator_sends_one_link_line_per_rel(sim) -> None:
    sim.seed(groups=5)
    answer = web.get(
        f"{sim.base_url}/api/v1/groups",
        params={"limit": 2},
        headers={"Authorization": f"SSWS {sim.api_token}"},
    )
    lines = answer.headers.get_list("Link")
    assert len(lines) == 2 and lines[0].endswith('rel="self"') and lines[1].endswith('rel="next"')


def test_app_users_keep_null_keys_and_apps_and_groups_have_the_recorded_links(sim) -> None:
    headers = {"Authorization": f"SSWS {sim.api_token}"}
    app = sim.tenant.add_app("Kandji SCIM App")
    group = sim.tenant.add_group("Kandji Users")
    user = sim.add_user("pat@acme.example.com", groups=[group["id"]])
    sim.tenant.assign_group(app["id"], group["id"], {"profile": {}})
    (app_user,) = web.get(f"{sim.base_url}/api/v1/apps/{app['id']}/users", headers=headers).json()
    assert app_user["id"] == user and "externalId" in app_user and app_user["externalId"] is None
    app_links = web.get(f"{sim.base_url}/api/v1/apps/{app['id']}", headers=headers).json()["_links"]
    assert {"logo", "help", "uploadLogo", "users", "groups", "deactivate"} <= set(app_links)
    assert "self" not in app_links
    group_links = web.get(f"{sim.base_url}/api/v1/groups/{group['id']}", headers=headers).json()["_links"]
    assert set(group_links) == {"logo", "owners", "users", "apps"}


def test_the_recorded_fault_mode_fails_twice_then_succeeds(sim) -> None:
    headers = {"Authorization": f"SSWS {sim.api_token}"}
    app = sim.tenant.add_app("Kandji SCIM App")
    sim.tenant.set_app_status(app["id"], "INACTIVE")
    sim.fail_like_recorded(f"/api/v1/apps/{app['id']}", "DELETE")
    statuses = [web.delete(f"{sim.base_url}/api/v1/apps/{app['id']}", headers=headers) for _ in range(3)]
    assert [s.status_code for s in statuses] == [500, 500, 204]
    assert statuses[0].json()["errorCode"] == "E0000009" and statuses[0].json()["errorCauses"] == []
