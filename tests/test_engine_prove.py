"""Step 24: the proof from both sides, and its diagnoses when users do not arrive."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tests.engine_support import run_action, run_until
from wizard.engine import ENGINES, UserProof, prove
from wizard.engine.prove import classify_event
from wizard.secrets import Purpose
from wizard.state import StepStatus


def app_id(ctx) -> str:
    return ctx.session.state.steps["8"].evidence["app_id"]


async def test_proof_reports_progress_per_user(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    ctx.session.update_settings(users_already_exist=True)
    await run_until(ctx, demo, "verify")
    demo.okta_simulator.settle()
    seen: list[list[UserProof]] = []
    result = await prove(ctx, timeout=30, on_progress=seen.append)
    assert result.ok and not result.diagnoses and result.provisioned == 3
    assert seen and {p.login for p in seen[-1]} == set(demo.seeded_logins)
    for proof in seen[-1]:
        assert proof.okta_status == "PROVISIONED" and proof.sync_state == "SYNCHRONIZED"
        assert proof.external_id and proof.kandji == "found" and proof.done
    assert result.to_dict()["users"][0]["done"] is True


async def test_kandji_rejecting_oktas_token_points_at_step_10_5(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "scim-connection")
    # The admin pastes something else into the Bearer field; Okta's own test fails, they save anyway.
    tested, _ = demo.okta_simulator.set_scim_connection(
        app_id(ctx), demo.kandji_base_url, SecretStr("not-the-kandji-token-0000")
    )
    assert not tested
    assert (await ENGINES["scim-connection"].apply(ctx, {"confirmed": True})).ok
    for action in ("test-connector", "to-app", "group", "test-user", "assign"):
        if action == "to-app":
            demo.console.enable_to_app(app_id(ctx))
        outcome = await (
            ENGINES[action].apply(ctx, {"confirmed": True})
            if action in ("test-connector", "to-app")
            else run_action(ctx, demo, action)
        )
        assert outcome.ok, (action, outcome.messages)
    demo.okta_simulator.settle()

    outcome = await ENGINES["verify"].apply(ctx, {"timeout": 600})
    assert not outcome.ok and outcome.fix_step == "10.5"
    assert ctx.session.state.steps["24"].status == StepStatus.FAILED
    result = await prove(ctx, timeout=600)
    assert not result.timed_out  # a sync ERROR stops the wait at once
    assert result.users[0].sync_state == "ERROR" and result.users[0].kandji == "unchecked"
    first = result.diagnoses[0]
    assert first.source == "System Log" and first.fix_step == "10.5"
    assert "Unauthorized. Errors reported by remote server" in first.detail
    assert "Bearer field" in first.fix
    assert demo.scim.users() == []


async def test_to_app_not_enabled_points_at_step_14_after_the_timeout(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "verify", skip=("to-app",))
    demo.okta_simulator.settle()
    started = ctx.clock()
    result = await prove(ctx, timeout=60)
    assert not result.ok and result.timed_out
    assert ctx.clock() - started == pytest.approx(60)
    assert result.users[0].sync_state == "DISABLED"
    assert result.fix_step == "14"
    assert "Create Users" in result.diagnoses[0].detail


async def test_scim_provisioning_off_points_at_step_9(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "verify", skip=("enable-scim", "scim-connection", "test-connector", "to-app"))
    result = await prove(ctx, timeout=10)
    assert not result.ok and result.fix_step == "9"


async def test_an_empty_group_points_at_step_18_1(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo, "test-user")
    ctx.session.update_settings(users_already_exist=True)
    assert (await ENGINES["test-user"].apply(ctx, {})).ok
    assert (await ENGINES["assign"].apply(ctx, {})).ok
    result = await prove(ctx, timeout=10)
    assert not result.ok and result.fix_step == "18.1"
    assert "no members" in result.message


async def test_without_the_kandji_token_only_oktas_side_is_proved(engine_ctx, demo_services) -> None:
    ctx, demo = engine_ctx, demo_services
    await run_until(ctx, demo)
    ctx.secrets.delete(ctx.org.host, Purpose.KANDJI_SCIM_TOKEN)
    result = await prove(ctx, timeout=0)
    assert result.ok and not result.kandji_checked
    assert result.users[0].kandji == "unchecked" and "externalId" in result.warnings[0]


async def test_nothing_recorded_means_nothing_to_prove(engine_ctx) -> None:
    result = await prove(engine_ctx, timeout=0)
    assert not result.ok and result.fix_step == "2"


def _event(event_type: str, reason: str) -> dict:
    return {
        "eventType": event_type,
        "published": "2027-01-01T00:00:00.000Z",
        "outcome": {"result": "FAILURE", "reason": reason},
        "target": [{"type": "AppInstance", "id": "0oa1"}, {"type": "User", "alternateId": "pat@x.example"}],
    }


@pytest.mark.parametrize(
    ("event_type", "reason", "step"),
    [
        ("application.integration.authentication_failure", "Authentication failed", "10.5"),
        ("application.provision.user.push", "Authentication failed: the SCIM server answered 401", "10.5"),
        ("application.provision.user.push", "Could not reach the SCIM server: ConnectError", "10.1"),
        ("application.provision.user.push", "POST /Users failed with 404: Not Found", "10.1"),
        ("application.provision.user.push", "POST /Users failed with 409: uniqueness", "10.2"),
        ("application.provision.user.push", "POST /Users failed with 500: boom", "11"),
    ],
)
def test_system_log_failures_are_classified(event_type: str, reason: str, step: str) -> None:
    diagnosis = classify_event(_event(event_type, reason))
    assert diagnosis.fix_step == step and diagnosis.detail == reason
    assert diagnosis.user == "pat@x.example" and diagnosis.source == "System Log"


@pytest.mark.parametrize("result", ["SUCCESS", "ALLOW"])
def test_system_log_success_and_allow_are_not_problems(result: str) -> None:
    event = _event("policy.evaluate_sign_on", "Sign-on policy evaluated")
    event["outcome"]["result"] = result
    assert classify_event(event) is None


@pytest.mark.parametrize("result", ["SKIPPED", "DENY", "CHALLENGE", "UNKNOWN", "DEFERRED", "SOMETHING_NEW"])
def test_system_log_outcomes_other_than_failure_are_explained_not_called_push_failures(result: str) -> None:
    event = _event("application.provision.user.push", "Authentication failed")
    event["outcome"]["result"] = result
    diagnosis = classify_event(event)
    assert diagnosis is not None and result in diagnosis.title
    assert diagnosis.fix_step is None and "could not push" not in diagnosis.title.lower()
