"""Resume: recorded objects are re-checked live; deletions reset their steps, renames are kept."""

from __future__ import annotations

from tests.engine_support import run_until
from wizard.engine import ENGINES, reverify
from wizard.state import StepStatus


def evidence(ctx, number: str) -> dict:
    return ctx.session.state.steps[number].evidence


async def test_everything_still_there_reports_ok_and_resets_nothing(engine_ctx, demo_services) -> None:
    ctx = engine_ctx
    await run_until(ctx, demo_services)
    findings = await reverify(ctx)
    assert {f.action for f in findings} == {"create-app", "group", "test-user", "assign"}
    assert {f.kind for f in findings} == {"ok"} and not any(f.reset_steps for f in findings)
    assert ctx.session.state.steps["24"].status == StepStatus.DONE


async def test_a_deleted_app_is_reported_and_recreated_once(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo)
    old = evidence(ctx, "8")["app_id"]
    await ctx.okta.delete_app(old)
    findings = await reverify(ctx)
    missing = [f for f in findings if f.kind == "missing"]
    assert len(missing) == 1 and missing[0].action == "create-app"
    assert "no longer exists" in missing[0].message
    reset = set(missing[0].reset_steps)
    assert {"2", "8", "9", "10.5", "14", "19", "24"} <= reset and "15" not in reset
    assert ctx.session.state.steps["8"].status == StepStatus.PENDING
    assert ctx.session.state.steps["16"].status == StepStatus.DONE

    await run_until(ctx, demo)  # the rerun creates the app again, once, and re-proves
    new = evidence(ctx, "8")["app_id"]
    live = [a for a in demo.okta_simulator.tenant.apps.values() if a["label"] == "Kandji SCIM App"]
    assert new != old and [a["id"] for a in live] == [new]
    assert ctx.session.state.steps["24"].status == StepStatus.DONE


async def test_a_renamed_group_is_found_by_id_and_its_new_name_recorded(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo)
    group_id = evidence(ctx, "16")["group_id"]
    tenant = demo.okta_simulator.tenant
    with tenant.lock:  # an admin renames it in the console
        tenant.groups[group_id]["profile"]["name"] = "Kandji People"
        tenant.groups_by_name.setdefault("kandji people", []).append(group_id)
    findings = await reverify(ctx)
    changed = [f for f in findings if f.kind == "changed"]
    assert [f.action for f in changed] == ["group"] and "Kandji People" in changed[0].message
    assert evidence(ctx, "16")["group_name"] == "Kandji People"
    assert ctx.settings.group_name == "Kandji People"
    assert ctx.session.state.steps["16"].status == StepStatus.DONE

    outcome = await ENGINES["group"].apply(ctx, {})
    assert outcome.ok and outcome.evidence["group_id"] == group_id
    assert len(tenant.groups) == 1


async def test_group_renamed_before_the_rerun_is_still_found_by_id(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "test-user")
    group_id = evidence(ctx, "16")["group_id"]
    demo.okta_simulator.tenant.groups[group_id]["profile"]["name"] = "Renamed"
    outcome = await ENGINES["group"].apply(ctx, {})
    assert outcome.ok and outcome.evidence["group_id"] == group_id
    assert outcome.evidence["group_name"] == "Renamed" and "renamed" in outcome.messages[0]


async def test_a_deleted_group_resets_its_steps_and_is_created_again(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo)
    old = evidence(ctx, "16")["group_id"]
    await ctx.okta.delete_group(old)
    findings = await reverify(ctx)
    missing = [f for f in findings if f.kind == "missing"]
    assert [f.action for f in missing] == ["group"]
    assert {"15", "16", "17", "18.1", "19", "23", "24"} <= set(missing[0].reset_steps)
    assert ctx.session.state.steps["8"].status == StepStatus.DONE
    await run_until(ctx, demo)
    assert evidence(ctx, "16")["group_id"] != old
    assert ctx.session.state.steps["24"].status == StepStatus.DONE
    assert len(demo.okta_simulator.tenant.groups) == 1


async def test_a_removed_assignment_and_scim_turned_off_are_reported(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo)
    app_id, group_id = evidence(ctx, "8")["app_id"], evidence(ctx, "16")["group_id"]
    await ctx.okta.remove_group_assignment(app_id, group_id)
    demo.okta_simulator.enable_scim_provisioning(app_id, False)
    findings = {f.action: f for f in await reverify(ctx)}
    assert findings["enable-scim"].kind == "missing" and "9" in findings["enable-scim"].reset_steps
    assert findings["assign"].kind == "missing" and "19" in findings["assign"].reset_steps
    assert ctx.session.state.steps["10.1"].status == StepStatus.PENDING
    assert ctx.session.state.steps["2"].status == StepStatus.DONE


async def test_a_kandji_token_gone_before_step_10_5_sends_the_admin_back_to_b2(
    engine_ctx, demo_services
) -> None:
    from wizard.secrets import Purpose

    ctx = engine_ctx
    await run_until(ctx, demo_services, "scim-connection")
    ctx.secrets.delete(ctx.org.host, Purpose.KANDJI_SCIM_TOKEN)
    findings = {f.action: f for f in await reverify(ctx)}
    assert findings["kandji-token"].kind == "missing" and findings["kandji-token"].reset_steps == ("B.2",)
    assert ctx.session.state.steps["B.2"].status == StepStatus.PENDING
