"""End to end without a UI: the demo services, every action in catalog order, then proof."""

from __future__ import annotations

import json

from tests.engine_support import action_order, run_action, run_until
from wizard.catalog import load_catalog
from wizard.engine import ENGINES, is_console, prove
from wizard.state import StepStatus


async def test_every_step_is_proved_and_users_arrive_in_the_scim_server(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    for action in action_order():
        engine = ENGINES[action]
        if is_console(engine):
            # Before the console change (and without the admin's word) the step stays open.
            before = await engine.apply(ctx, {})
            assert not before.ok, action
            assert ctx.session.state.steps[engine.handoff(ctx).steps.split("–")[0]].status in (
                StepStatus.NEEDS_CONSOLE,
                StepStatus.FAILED,
            )
        outcome = await run_action(ctx, demo, action)
        assert outcome.ok, (action, outcome.messages)

    steps = ctx.session.state.steps
    for step in load_catalog().steps:
        record = steps[step.number]
        assert record.status in (StepStatus.DONE, StepStatus.SKIPPED), step.number
        assert record.evidence, f"step {step.number} has no evidence"
    assert steps["7"].evidence["how"] == "not applicable when the app is created by API"

    kandji_users = {u["userName"]: u for u in demo.scim.users()}
    assert list(kandji_users) == [demo.test_person.login]
    user = kandji_users[demo.test_person.login]
    assert user["active"] is True and user["externalId"] == steps["17"].evidence["user_id"]
    assert user["locale"] == "en_US"

    result = await prove(ctx, timeout=0)
    assert result.ok and result.kandji_checked and result.provisioned == 1

    # No secret reached the state file: not the Okta token, the Kandji token or the password.
    saved = ctx.session.path.read_text()
    for secret in (demo.api_token, demo.kandji_token, demo.test_person.password):
        assert secret.get_secret_value() not in saved
    json.loads(saved)


async def test_users_already_exist_skips_17_18_and_provisions_them(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    ctx.session.update_settings(users_already_exist=True)
    await run_until(ctx, demo)
    steps = ctx.session.state.steps
    assert {steps[n].status for n in ("17", "18.1", "18.2", "18.3")} == {StepStatus.SKIPPED}
    assert steps["17"].evidence["existing_users_added"] == demo.seeded_logins
    assert steps["24"].status == StepStatus.DONE
    assert sorted(u["userName"] for u in demo.scim.users()) == sorted(demo.seeded_logins)


async def test_running_the_whole_flow_twice_creates_nothing_twice(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo)
    first = {n: dict(r.evidence) for n, r in ctx.session.state.steps.items()}
    await run_until(ctx, demo)
    tenant = demo.okta_simulator.tenant
    assert [a["label"] for a in tenant.apps.values()].count("Kandji SCIM App") == 1
    assert [g["profile"]["name"] for g in tenant.groups.values()].count("Kandji Users") == 1
    assert len(demo.scim.users()) == 1
    assert ctx.session.state.steps["8"].evidence["app_id"] == first["8"]["app_id"]
    assert ctx.session.state.steps["16"].evidence["group_id"] == first["16"]["group_id"]
