"""Console hand-offs: detection before and after the console change, the "cannot detect"
path, polling with backoff and a timeout, and the hand-off's contents."""

from __future__ import annotations

import itertools

import pytest
from pydantic import SecretStr

from tests.engine_support import run_until
from wizard.engine import ENGINES, Detection, EngineError
from wizard.engine.console_steps import ScimConnectionEngine, ToAppEngine
from wizard.secrets import Purpose
from wizard.state import StepStatus


def app_id(ctx) -> str:
    return ctx.session.state.steps["8"].evidence["app_id"]


async def test_enable_scim_is_detected_only_after_the_console_change(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "enable-scim")
    engine = ENGINES["enable-scim"]
    before = await engine.detect(ctx)
    assert before.items == {engine.ITEM: False} and not before.complete
    outcome = await engine.apply(ctx, {})  # not seen and not confirmed: still open
    assert not outcome.ok and outcome.fix_step == "9"
    assert ctx.session.state.steps["9"].status == StepStatus.NEEDS_CONSOLE

    demo.console.enable_scim(app_id(ctx))
    after = await engine.detect(ctx)
    assert after.complete and after.items == {engine.ITEM: True}
    outcome = await engine.apply(ctx, {})
    assert outcome.ok and ctx.session.state.steps["9"].status == StepStatus.DONE
    assert "SCIM_PROVISIONING" in ctx.session.state.steps["9"].evidence["features"]


async def test_scim_connection_detects_push_actions_and_asks_for_the_rest(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "scim-connection")
    engine = ENGINES["scim-connection"]
    before = await engine.detect(ctx)
    assert before.items[ScimConnectionEngine.PUSH_NEW] is False
    assert before.items[ScimConnectionEngine.SCIM_ON] is True
    assert set(before.undetectable) == set(ScimConnectionEngine.UNDETECTABLE)
    assert "not detected" in before.message.lower() and "may not report" in before.message

    demo.console.configure_scim_connection(app_id(ctx), demo.kandji_base_url, demo.kandji_token)
    after = await engine.detect(ctx)
    assert after.complete and after.items[ScimConnectionEngine.PUSH_UPDATES] is True
    # Detected, but the base URL, identifier, mode and token still need the admin's word.
    unconfirmed = await engine.apply(ctx, {})
    assert not unconfirmed.ok and "confirm" in " ".join(unconfirmed.messages)
    assert ctx.session.state.steps["10.5"].status == StepStatus.NEEDS_CONSOLE
    confirmed = await engine.apply(ctx, {"confirmed": True})
    assert confirmed.ok
    evidence = ctx.session.state.steps["10.3"].evidence
    assert evidence["detected"][ScimConnectionEngine.PUSH_NEW] is True
    assert set(evidence["confirmed_by_admin"]) == set(ScimConnectionEngine.UNDETECTABLE)


async def test_unreported_push_actions_are_not_detected_rather_than_failed(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "scim-connection")
    demo.okta_simulator.set_scim_connection(
        app_id(ctx), demo.kandji_base_url, demo.kandji_token, push_new_users=False, push_profile_updates=False
    )
    engine = ENGINES["scim-connection"]
    detection = await engine.detect(ctx)
    assert not detection.complete and not detection.error
    verified = await engine.verify(ctx)
    assert verified.ok and any("Not detected" in w for w in verified.warnings)
    assert (await engine.apply(ctx, {"confirmed": True})).ok


async def test_to_app_is_read_from_user_provisioning_capabilities(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "to-app")
    engine = ENGINES["to-app"]
    before = await engine.detect(ctx)
    assert before.evidence["source"] == "USER_PROVISIONING"
    assert set(before.items) == {ToAppEngine.CREATE, ToAppEngine.UPDATE, ToAppEngine.DEACTIVATE}
    assert set(before.items.values()) == {False}
    demo.okta_simulator.set_to_app(app_id(ctx), create=True)
    partial = await engine.detect(ctx)
    assert partial.items[ToAppEngine.CREATE] is True and not partial.complete
    assert "Update User Attributes" in partial.message
    demo.console.enable_to_app(app_id(ctx))
    after = await engine.detect(ctx)
    assert after.complete and set(after.items.values()) == {True}
    assert (await engine.apply(ctx, {})).ok  # everything detected: no confirmation needed


async def test_to_app_as_recorded_with_update_disabled_can_be_confirmed(engine_ctx, demo_services) -> None:
    """The recorded USER_PROVISIONING answer has `update.profile` DISABLED: the admin's word
    carries step 12 (it used to stop there for good), and the evidence says whose word it is."""
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "to-app")
    demo.okta_simulator.set_to_app(app_id(ctx), create=True, update=False, deactivate=True)
    engine = ENGINES["to-app"]
    assert (await engine.detect(ctx)).items[ToAppEngine.UPDATE] is False
    assert not (await engine.apply(ctx, {})).ok
    outcome = await engine.apply(ctx, {"confirmed": True})
    assert outcome.ok and "Okta did not report" in outcome.messages[0]
    said = ctx.session.state.steps["12"].evidence["evidence"]
    assert said[ToAppEngine.UPDATE] == "confirmed by the admin; Okta did not report it"
    assert said[ToAppEngine.CREATE] == "detected in Okta"


async def test_to_app_falls_back_to_features_naming_the_undetectable(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "to-app")
    demo.okta_simulator.inject("/api/v1/apps/*/features/USER_PROVISIONING", status=404, times=100)
    engine = ENGINES["to-app"]
    before = await engine.detect(ctx)
    assert before.evidence["source"] == "features"
    assert before.items[ToAppEngine.CREATE] is None and before.items[ToAppEngine.UPDATE] is None
    assert before.items[ToAppEngine.DEACTIVATE] is False
    assert "You confirm: Create Users is enabled; Update User Attributes is enabled" in before.message
    demo.console.enable_to_app(app_id(ctx))
    after = await engine.detect(ctx)
    assert after.items[ToAppEngine.DEACTIVATE] is True and after.complete
    assert not (await engine.apply(ctx, {})).ok  # create/update rest on the admin's word
    outcome = await engine.apply(ctx, {"confirmed": True})
    assert outcome.ok
    assert set(outcome.evidence["confirmed_by_admin"]) == {ToAppEngine.CREATE, ToAppEngine.UPDATE}


async def test_nothing_detectable_means_wait_returns_at_once(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "to-app")
    engine = ToAppEngine()

    async def blind(_ctx) -> Detection:
        from wizard.engine.console_steps import make_detection

        return make_detection({ToAppEngine.CREATE: None}, done="", waiting="")

    engine.detect = blind  # type: ignore[method-assign]
    updates: list[Detection] = []
    detection = await engine.wait(ctx, timeout=60, on_update=updates.append)
    assert not detection.complete and not detection.detectable
    assert "cannot be detected" in detection.message and len(updates) == 1


async def test_wait_polls_with_backoff_and_stops_at_the_timeout(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "enable-scim")
    started = ctx.clock()
    updates: list[Detection] = []
    detection = await ENGINES["enable-scim"].wait(ctx, timeout=60, on_update=updates.append)
    assert not detection.complete
    sleeps = ctx.sleep.__self__.sleeps  # ManualClock.sleep
    assert sleeps[0] == 2.0 and all(b >= a for a, b in itertools.pairwise(sleeps[:-1]))
    assert max(sleeps) <= 15.0
    assert ctx.clock() - started == pytest.approx(60.0)
    assert len(updates) == len(sleeps) + 1


async def test_wait_moves_on_by_itself_when_the_admin_finishes(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "enable-scim")
    updates: list[Detection] = []

    def on_update(detection: Detection) -> None:
        updates.append(detection)
        if len(updates) == 3:
            demo.console.enable_scim(app_id(ctx))  # the admin ticks the box meanwhile

    detection = await ENGINES["enable-scim"].wait(ctx, timeout=600, on_update=on_update)
    assert detection.complete and len(updates) == 4


async def test_wait_keeps_polling_through_a_server_error(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "enable-scim")
    demo.console.enable_scim(app_id(ctx))
    demo.okta_simulator.inject("/api/v1/apps/*", method="GET", status=503, times=10)
    updates: list[Detection] = []
    detection = await ENGINES["enable-scim"].wait(ctx, timeout=600, on_update=updates.append)
    assert detection.complete
    assert any(u.error for u in updates)


async def test_test_connector_reruns_the_preflight_with_stored_token(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "test-connector")
    engine = ENGINES["test-connector"]
    detection = await engine.detect(ctx)
    assert detection.complete and detection.evidence["kandji_preflight"] == "passed"
    assert "Okta's Test Connector Configuration succeeded" in detection.undetectable

    ctx.secrets.put(ctx.org.host, Purpose.KANDJI_SCIM_TOKEN, SecretStr("rotated-" + "x" * 30))
    outcome = await engine.apply(ctx, {"confirmed": True})
    assert not outcome.ok and outcome.fix_step == "B.2"
    assert ctx.session.state.steps["11"].status == StepStatus.FAILED


async def test_handoff_names_the_secret_by_key_and_links_to_the_app(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "scim-connection")
    handoff = ENGINES["scim-connection"].handoff(ctx)
    assert handoff.steps == "10.1–10.5"
    assert handoff.link and handoff.link.endswith(f"/instance/{app_id(ctx)}/#tab-provisioning")
    assert ("SCIM connector base URL", demo.kandji_base_url, False) in handoff.values
    assert ("Unique identifier field for users", "userName", False) in handoff.values
    assert ("Bearer token", "kandji_token", True) in handoff.values
    assert demo.kandji_token.get_secret_value() not in repr(handoff.to_dict())
    assert "Token pasted into the Bearer field" in handoff.checklist
    from wizard.engine import resolve_secret

    assert await resolve_secret(ctx, "kandji_token") == demo.kandji_token


async def test_demo_console_is_refused_outside_demo_mode(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "enable-scim")
    ctx.demo_console = None
    with pytest.raises(EngineError, match="only in demo mode"):
        await ENGINES["enable-scim"].demo_complete(ctx)


async def test_console_plans_list_only_reads(engine_ctx) -> None:
    for action in ("enable-scim", "scim-connection", "test-connector", "to-app"):
        plan = await ENGINES[action].plan(engine_ctx, {})
        assert plan.calls and {c.method for c in plan.calls} == {"GET"}
        assert any("Admin Console" in note for note in plan.notes)


async def test_every_console_item_okta_does_not_report_can_be_confirmed(engine_ctx, demo_services) -> None:
    """Detection is evidence, never a gate: real apps list `"features": []` whatever is on."""
    ctx, demo = engine_ctx, demo_services
    demo.okta_simulator.tenant.opaque_provisioning = True
    await run_until(ctx, demo, "enable-scim")
    for action in ("enable-scim", "scim-connection", "test-connector", "to-app"):
        engine = ENGINES[action]
        if action == "enable-scim":
            await engine.demo_complete(ctx)  # the admin did it; Okta just does not say so
        elif action != "test-connector":
            await engine.demo_complete(ctx)
        detection = await engine.detect(ctx)
        assert not all(detection.items.values()), (action, detection.items)
        assert not (await engine.apply(ctx, {})).ok
        outcome = await engine.apply(ctx, {"confirmed": True})
        assert outcome.ok, (action, outcome.messages)
        evidence = ctx.session.state.steps[ctx.catalog.steps_of(action)[0].number].evidence
        unseen = [n for n, v in detection.items.items() if not v]
        assert unseen and all(
            evidence["evidence"][n] == "confirmed by the admin; Okta did not report it" for n in unseen
        )
