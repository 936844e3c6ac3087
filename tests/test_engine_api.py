"""API steps: plans before writes, sign-in checks, idempotent creates, search lag, the test
person and the assignment's language and locale."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from tests.engine_support import engine_context, run_until
from wizard.demo.services import DemoServices
from wizard.engine import ENGINES, EngineError, language_options, open_okta
from wizard.engine.group_steps import SEARCH_RETRY_DELAYS
from wizard.okta.domains import parse_org_url
from wizard.okta_simulator import ManualClock
from wizard.secrets import Purpose, SecretStore
from wizard.state import SetupSettings, StepStatus


def labels(demo: DemoServices, label: str = "Kandji SCIM App") -> list[str]:
    return [a["id"] for a in demo.okta_simulator.tenant.apps.values() if a["label"] == label]


async def test_plans_make_no_calls_and_mask_the_password(engine_ctx, demo_services) -> None:
    ctx = engine_ctx
    before = len(ctx.okta.call_log)
    inputs = {"password": SecretStr("Sup3r-Secret-Pw")}
    plans = [await engine.plan(ctx, inputs) for engine in ENGINES.values()]
    assert len(ctx.okta.call_log) == before
    text = json.dumps([p.to_dict() for p in plans])
    assert "Sup3r-Secret-Pw" not in text
    user_plan = next(p for p in plans if p.action == "test-user")
    post = next(c for c in user_plan.calls if c.method == "POST")
    assert post.body["credentials"]["password"]["value"] == "****"
    app_plan = next(p for p in plans if p.action == "create-app")
    assert [c.method for c in app_plan.calls][:2] == ["GET", "POST"]
    assert app_plan.calls[1].body["signOnMode"] == "SAML_2_0" and "name" not in app_plan.calls[1].body


async def test_sign_in_records_the_org_and_admin(engine_ctx, demo_services) -> None:
    outcome = await ENGINES["okta-sign-in"].apply(engine_ctx, {})
    assert outcome.ok
    evidence = engine_ctx.session.state.steps["1"].evidence
    assert evidence["subdomain"] == "demo" and evidence["admin_login"] == "admin@demo.example.com"


async def test_sign_in_with_a_revoked_token_says_what_to_do(engine_ctx, demo_services) -> None:
    demo_services.okta_simulator.revoke_api_token(demo_services.api_token.get_secret_value())
    outcome = await ENGINES["okta-sign-in"].apply(engine_ctx, {})
    assert not outcome.ok and outcome.fix_step == "1"
    assert "Security → API → Tokens" in outcome.messages[0]
    assert engine_ctx.session.state.steps["1"].status == StepStatus.FAILED


async def test_sign_in_names_the_missing_read_right(demo_services) -> None:
    demo = demo_services
    limited = demo.okta_simulator.create_api_token({"okta.orgs.read", "okta.users.read", "okta.groups.read"})
    demo.secrets.put(demo.org.host, Purpose.OKTA_API_TOKEN, limited)
    okta = await open_okta(demo.org, demo.secrets, SetupSettings(auth_method="api_token"))
    session = demo.open_session()
    try:
        ctx = demo.context(session, okta)
        outcome = await ENGINES["okta-sign-in"].apply(ctx, {})
    finally:
        await okta.aclose()
        session.close()
    assert not outcome.ok
    assert "okta.apps.read" in outcome.messages[0]


async def test_open_okta_explains_a_missing_token(monkeypatch) -> None:
    org = parse_org_url("https://acme.okta.com")
    with pytest.raises(EngineError, match="No Okta API token"):
        await open_okta(org, SecretStore(), SetupSettings())
    monkeypatch.setenv("OKTA_API_TOKEN", "00" + "a" * 40)
    client = await open_okta(org, SecretStore(), SetupSettings())
    await client.aclose()
    with pytest.raises(EngineError, match="client ID"):
        await open_okta(org, SecretStore(), SetupSettings(auth_method="oauth"))


async def test_an_existing_app_with_the_label_is_reused_not_duplicated(engine_ctx, demo_services) -> None:
    tenant = demo_services.okta_simulator.tenant
    tenant.add_app("Kandji SCIM App", "OPENID_CONNECT")  # same label, wrong kind: ignored
    existing = tenant.add_app("Kandji SCIM App", "SAML_2_0")["id"]
    outcome = await ENGINES["create-app"].apply(engine_ctx, {})
    assert outcome.ok and outcome.evidence["app_id"] == existing
    assert outcome.evidence["found_by"] == "label" and outcome.evidence["created_by_wizard"] is False
    assert len(labels(demo_services)) == 2


async def test_crash_between_the_post_and_the_state_write_makes_one_app(engine_ctx, demo_services) -> None:
    ctx = engine_ctx
    real = ctx.session.set_status
    calls = {"n": 0}

    def crash_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk vanished")
        return real(*args, **kwargs)

    ctx.session.set_status = crash_once
    with pytest.raises(OSError):
        await ENGINES["create-app"].apply(ctx, {})
    assert len(labels(demo_services)) == 1  # the POST happened, the state did not record it
    assert "2" not in ctx.session.state.steps or not ctx.session.state.steps["2"].evidence
    outcome = await ENGINES["create-app"].apply(ctx, {})
    assert outcome.ok and outcome.evidence["found_by"] == "label"
    assert labels(demo_services) == [outcome.evidence["app_id"]]
    posts = [c for c in ctx.okta.call_log if c.operation == "create_saml_app"]
    assert len(posts) == 1


async def test_app_evidence_covers_steps_2_to_8() -> None:
    with DemoServices() as demo:
        async with engine_context(demo) as ctx:
            outcome = await ENGINES["create-app"].apply(ctx, {"label": "Kandji SCIM (test)"})
            steps = ctx.session.state.steps
            assert outcome.ok and outcome.evidence["hidden"] is True
            assert ctx.settings.app_label == "Kandji SCIM (test)"
            for number in ("2", "3", "4", "5", "6", "7", "8"):
                assert steps[number].status == StepStatus.DONE
                assert steps[number].evidence["app_id"] == outcome.evidence["app_id"]
            assert steps["7"].note.startswith("Done by construction")
            assert steps["8"].evidence["link"].endswith("#tab-general")
            assert (await ENGINES["create-app"].verify(ctx)).ok


async def test_saml_feature_missing_is_explained(engine_ctx, demo_services) -> None:
    demo_services.okta_simulator.tenant.saml_feature_enabled = False
    outcome = await ENGINES["create-app"].apply(engine_ctx, {})
    assert not outcome.ok and "SAML 2.0 app" in outcome.messages[0]


async def test_group_search_lag_is_tolerated_before_creating() -> None:
    clock = ManualClock()
    with DemoServices(clock=clock) as demo:
        tenant = demo.okta_simulator.tenant
        demo.okta_simulator.set_group_search_lag(2.5)
        with tenant.lock:  # created moments ago, e.g. by the admin in the console
            made = tenant.create_group({"profile": {"name": "Kandji Users", "description": "x"}})
        async with engine_context(demo, clock) as ctx:
            outcome = await ENGINES["group"].apply(ctx, {})
        assert outcome.ok and outcome.evidence["group_id"] == made["id"]
        assert outcome.evidence["created_by_wizard"] is False
        assert clock.sleeps[: len(SEARCH_RETRY_DELAYS)] == list(SEARCH_RETRY_DELAYS)
        assert [g for g in tenant.groups.values() if g["profile"]["name"] == "Kandji Users"] == [made]


async def test_group_created_but_not_yet_searchable_is_found_after_the_duplicate_answer() -> None:
    clock = ManualClock()
    with DemoServices(clock=clock) as demo:
        tenant = demo.okta_simulator.tenant
        demo.okta_simulator.set_group_search_lag(9)
        with tenant.lock:
            made = tenant.create_group({"profile": {"name": "Kandji Users", "description": "x"}})
        async with engine_context(demo, clock) as ctx:
            outcome = await ENGINES["group"].apply(ctx, {})
        assert outcome.ok and outcome.evidence["group_id"] == made["id"]
        assert len([g for g in tenant.groups.values() if g["profile"]["name"] == "Kandji Users"]) == 1


async def test_group_is_created_with_its_description(engine_ctx, demo_services) -> None:
    outcome = await ENGINES["group"].apply(engine_ctx, {"name": "Kandji Pilot", "description": "Pilot users"})
    assert outcome.ok and outcome.evidence["created_by_wizard"] is True
    group = demo_services.okta_simulator.tenant.groups[outcome.evidence["group_id"]]
    assert group["profile"] == {"name": "Kandji Pilot", "description": "Pilot users"}
    assert engine_ctx.settings.group_name == "Kandji Pilot"


async def test_weak_password_shows_the_policy_and_nothing_is_stored(engine_ctx, demo_services) -> None:
    ctx = engine_ctx
    await ENGINES["group"].apply(ctx, {})
    inputs = {"login": "pat@demo.example.com", "password": SecretStr("short")}
    outcome = await ENGINES["test-user"].apply(ctx, inputs)
    assert not outcome.ok and outcome.fix_step == "18.2"
    assert "password policy" in outcome.messages[0] and "at least 8 characters" in outcome.messages[0]
    assert "short" not in ctx.session.path.read_text()


async def test_existing_person_is_put_in_the_group_without_a_password(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    group = await ENGINES["group"].apply(ctx, {})
    login = demo.seeded_logins[0]
    outcome = await ENGINES["test-user"].apply(ctx, {"login": login})
    assert outcome.ok and outcome.evidence["created_by_wizard"] is False
    members = demo.okta_simulator.tenant.members[group.evidence["group_id"]]
    assert outcome.evidence["user_id"] in members
    assert ctx.session.state.steps["18.2"].status == StepStatus.SKIPPED
    assert (await ENGINES["test-user"].verify(ctx)).ok


async def test_new_person_without_a_password_is_asked_for_one(engine_ctx) -> None:
    await ENGINES["group"].apply(engine_ctx, {})
    outcome = await ENGINES["test-user"].apply(engine_ctx, {"login": "new.person@demo.example.com"})
    assert not outcome.ok and "password" in outcome.messages[0]


async def test_assignment_offers_the_schema_values_and_uses_the_defaults(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "assign")
    options = await language_options(ctx)
    assert "en" in options.languages and "en_US" in options.locales
    bad = await ENGINES["assign"].apply(ctx, {"locale": "xx_XX"})
    assert not bad.ok and "en_US" in bad.messages[0] and bad.fix_step == "22"
    outcome = await ENGINES["assign"].apply(ctx, {})
    assert outcome.ok and outcome.evidence["profile"] == {"preferredLanguage": "en", "locale": "en_US"}
    assert {ctx.session.state.steps[n].status for n in ("19", "20", "21", "22", "23")} == {StepStatus.DONE}


async def test_a_mapped_attribute_is_dropped_and_said_so(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "assign")
    demo.okta_simulator.set_mapped_attributes(ctx.session.state.steps["8"].evidence["app_id"], {"locale"})
    outcome = await ENGINES["assign"].apply(ctx, {})
    assert outcome.ok
    assert outcome.evidence["profile"] == {"preferredLanguage": "en"}
    assert outcome.evidence["dropped_attributes"] == ["locale"]
    assert any("locale" in w and "mapping" in w for w in outcome.warnings)


async def _sign_in_with_service_app(demo: DemoServices, granted: set[str] | None):
    from okta_support.keys import service_app_auth

    auth = service_app_auth(demo.okta_simulator, granted=granted)
    demo.secrets.put(demo.org.host, Purpose.OKTA_PRIVATE_KEY, auth.private_key_pem)
    session = demo.open_session()
    session.update_settings(auth_method="oauth", oauth_client_id=auth.client_id)
    okta = await open_okta(demo.org, demo.secrets, session.state.settings)
    try:
        return await ENGINES["okta-sign-in"].apply(demo.context(session, okta), {}), session
    finally:
        await okta.aclose()
        session.close()


async def test_service_app_sign_in_records_the_org(demo_services) -> None:
    outcome, session = await _sign_in_with_service_app(demo_services, None)
    assert outcome.ok and outcome.evidence["auth_method"] == "oauth"
    assert "admin_login" not in outcome.evidence
    assert session.state.steps["1"].status == StepStatus.DONE


async def test_service_app_missing_a_scope_is_named(demo_services) -> None:
    from wizard.okta.auth import DEFAULT_SCOPES

    outcome, _ = await _sign_in_with_service_app(demo_services, set(DEFAULT_SCOPES) - {"okta.logs.read"})
    assert not outcome.ok and outcome.fix_step == "1"
    assert outcome.messages[0] == "The service app lacks these scopes: okta.logs.read."
    assert outcome.evidence["missing_scopes"] == ["okta.logs.read"]
