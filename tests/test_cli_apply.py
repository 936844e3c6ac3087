"""`apply`, `status`, `plan`, `verify` and `report` in-process against the Okta simulator and
the SCIM server: exit codes, JSON shapes, stopping at console steps and resuming."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_fixtures import app_ids
from wizard.commands.exit_codes import Exit
from wizard.state import StateStore

LOOPBACK = "--allow-insecure-loopback"


def apply(cli, config, *extra: str, stdin: str = ""):
    return cli("apply", "--config", str(config), "--yes", "--timeout", "0", LOOPBACK, *extra, stdin=stdin)


def status_json(cli, *extra: str) -> dict:
    result = cli("status", "--json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_apply_demo_then_status_json_shows_every_step_verified(cli, fast_cli) -> None:
    result = cli("apply", "--demo", "--yes")
    assert result.code == Exit.OK, result.out + result.err
    assert "DEMO" in result.out and "Every step is verified (32 of 32)." in result.out

    data = status_json(cli)
    (tenant,) = data["tenants"]
    assert tenant["demo"] is True and tenant["all_verified"] is True
    assert len(tenant["steps"]) == 32
    assert {s["status"] for s in tenant["steps"]} == {"done"}
    assert all(s["verified"] and s["evidence"] for s in tenant["steps"])
    assert tenant["steps"][-1]["evidence"]["provisioned"] == 1
    text = Path(tenant["state_file"]).read_text()
    assert "kandji-demo-" not in text and "SSWS" not in text

    # `--tenant demo` names it; plain text status says so too.
    one = cli("status", "--tenant", "demo")
    assert one.code == 0 and "(demo) — 32 of 32 steps finished; every step verified" in one.out


def test_apply_demo_twice_starts_afresh(cli, fast_cli) -> None:
    assert cli("apply", "--demo", "--yes").code == 0
    second = cli("apply", "--demo", "--yes", "--json")
    assert second.code == 0
    payload = json.loads(second.out)
    assert payload["ok"] and payload["demo"] and payload["open_step"] is None
    assert all(a["result"] == "done" for a in payload["actions"])  # nothing "already done"
    assert len(status_json(cli)["tenants"]) == 1


def test_apply_stops_at_each_console_step_and_resumes(cli, sim_setup, demo_services) -> None:
    demo = demo_services
    first = apply(cli, sim_setup, "--json")
    assert first.code == Exit.CONSOLE_STEP_9 == 9, first.err
    payload = json.loads(first.out)
    assert payload["open_step"] == "9" and payload["exit_code"] == 9 and not payload["ok"]
    assert payload["steps"]["8"] == "done" and payload["steps"]["9"] == "needs-console"
    open_action = payload["actions"][-1]
    assert open_action["result"] == "open" and open_action["handoff"]["link"].endswith("#tab-general")
    assert "Stopped at step 9" in first.err  # human text goes to stderr with --json
    (app_id,) = app_ids(demo)

    # The hand-off names the link, the values (token masked) and what will be detected.
    demo.console.enable_scim(app_id)
    second = apply(cli, sim_setup)
    assert second.code == Exit.CONSOLE_STEP_10, second.out
    assert "already done" in second.out and "open: " in second.out and "#tab-provisioning" in second.out
    token = demo.kandji_token.get_secret_value()
    assert token not in second.out + second.err and f"****{token[-4:]}" in second.out
    assert "detected by the wizard: Push New Users" in second.out
    assert "rerun the same command to continue from step 10.1" in second.out
    status = {s["number"]: s["status"] for s in status_json(cli)["tenants"][0]["steps"]}
    assert status["9"] == "done" and status["10.1"] == "needs-console"

    demo.console.configure_scim_connection(app_id, demo.kandji_base_url, demo.kandji_token)
    third = apply(cli, sim_setup)
    assert third.code == Exit.CONSOLE_STEP_12, third.out
    assert "--yes confirms what cannot be detected" in third.out

    demo.console.enable_to_app(app_id)
    fourth = apply(cli, sim_setup, "--proof-timeout", "60")
    assert fourth.code == Exit.OK, fourth.out + fourth.err
    assert "Every step is verified (32 of 32)." in fourth.out
    assert app_ids(demo) == [app_id]  # resumed: nothing created twice
    assert [u["userName"] for u in demo.scim.users()] == [demo.test_person.login]
    assert status_json(cli)["tenants"][0]["all_verified"] is True


def test_console_change_during_polling_is_detected(
    cli, sim_setup, demo_services, fast_cli, monkeypatch
) -> None:
    from wizard.commands.runtime import RUNTIME

    demo = demo_services
    assert apply(cli, sim_setup).code == 9
    (app_id,) = app_ids(demo)
    slept: list[float] = []
    original = RUNTIME.sleep

    async def admin_acts_while_we_wait(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            demo.console.enable_scim(app_id)  # the admin ticks the box mid-poll
        await original(seconds)

    monkeypatch.setattr(RUNTIME, "sleep", admin_acts_while_we_wait)
    result = cli("apply", "--config", str(sim_setup), "--yes", "--timeout", "600", LOOPBACK)
    # Step 9 was detected while polling; the run moved on and now waits at step 10 until the timeout.
    assert result.code == Exit.CONSOLE_STEP_10, result.out
    assert "✓  9 " in result.out.replace("9        ", "9 ")
    assert fast_cli() - 1_800_000_000.0 >= 600  # it polled step 10 for the whole (fake) timeout


def test_confirmed_accepts_undetectable_console_items(cli, sim_setup, demo_services) -> None:
    demo = demo_services
    assert apply(cli, sim_setup).code == 9
    (app_id,) = app_ids(demo)
    demo.console.enable_scim(app_id)
    # The admin saved the connection but Okta does not report the push actions (unconfirmed evidence).
    demo.okta_simulator.set_scim_connection(
        app_id, demo.kandji_base_url, demo.kandji_token, push_new_users=False, push_profile_updates=False
    )
    assert apply(cli, sim_setup).code == 10
    result = apply(cli, sim_setup, "--confirmed", "10")
    assert result.code == Exit.CONSOLE_STEP_12, result.out
    state = status_json(cli)["tenants"][0]
    step = next(s for s in state["steps"] if s["number"] == "10.3")
    assert step["status"] == "done" and step["evidence"]["confirmed_by_admin"]


def test_without_yes_or_terminal_nothing_is_changed(cli, sim_setup, demo_services) -> None:
    result = cli("apply", "--config", str(sim_setup), LOOPBACK)
    assert result.code == Exit.CANCELLED
    assert "Rerun with --yes" in result.err and "POST /api/v1/apps" in result.out  # the plan was shown
    assert app_ids(demo_services) == []


def test_answering_yes_at_a_terminal_proceeds(cli, sim_setup, demo_services) -> None:
    result = cli("apply", "--config", str(sim_setup), "--timeout", "0", LOOPBACK, stdin="y\n", tty=True)
    assert result.code == 9 and len(app_ids(demo_services)) == 1


def test_missing_okta_token_exits_with_the_credentials_code(cli, sim_setup, monkeypatch) -> None:
    monkeypatch.delenv("OKTA_API_TOKEN")
    result = apply(cli, sim_setup)
    assert result.code == Exit.CREDENTIALS
    assert "OKTA_API_TOKEN" in result.err and "Traceback" not in result.err


def test_wrong_okta_token_is_named_at_step_1(cli, sim_setup, monkeypatch) -> None:
    monkeypatch.setenv("OKTA_API_TOKEN", "00" + "x" * 40)
    result = apply(cli, sim_setup)
    assert result.code == Exit.CREDENTIALS and "fix at step 1" in result.out


def test_missing_test_password_is_asked_for_by_name(cli, sim_setup, demo_services, monkeypatch) -> None:
    demo = demo_services
    assert apply(cli, sim_setup).code == 9
    (app_id,) = app_ids(demo)
    demo.okta_simulator.configure_provisioning(app_id, demo.kandji_base_url, demo.kandji_token)
    monkeypatch.delenv("OKTA_TEST_USER_PASSWORD")
    result = apply(cli, sim_setup)
    assert result.code == Exit.CREDENTIALS and "OKTA_TEST_USER_PASSWORD" in result.out


def test_secrets_on_stdin_instead_of_the_environment(cli, sim_setup, demo_services, monkeypatch) -> None:
    demo = demo_services
    for name in ("OKTA_API_TOKEN", "KANDJI_SCIM_TOKEN"):
        monkeypatch.delenv(name)
    lines = (
        f"OKTA_API_TOKEN={demo.api_token.get_secret_value()}\n"
        f"KANDJI_SCIM_TOKEN={demo.kandji_token.get_secret_value()}\n"
    )
    result = apply(cli, sim_setup, "--secrets-stdin", stdin=lines)
    assert result.code == 9, result.out + result.err

    bad = apply(cli, sim_setup, "--secrets-stdin", stdin="OKTA_TOKEN=sekret-value-123\n")
    assert bad.code == Exit.USAGE and "line 1" in bad.err and "sekret-value-123" not in bad.err


def test_locked_tenant_exits_with_the_locked_code(cli, sim_setup, demo_services) -> None:
    from wizard.paths import state_dir

    with StateStore(state_dir()).open(demo_services.org_url, demo_services.org.host):
        result = apply(cli, sim_setup)
    assert result.code == Exit.LOCKED and "already open" in result.err


def test_plan_sends_nothing_and_saves_nothing(cli, sim_setup, demo_services) -> None:
    before = len(demo_services.okta_simulator.exchanges)
    result = cli("plan", "--config", str(sim_setup), LOOPBACK, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["saved_progress"] is False
    actions = {a["action"]: a for a in data["actions"]}
    assert list(actions)[:1] == ["kandji"] and list(actions)[-1] == "verify"
    post = next(c for c in actions["create-app"]["calls"] if c["method"] == "POST")
    assert post["path"] == "/api/v1/apps" and post["body"]["signOnMode"] == "SAML_2_0"
    user_post = next(c for c in actions["test-user"]["calls"] if c["method"] == "POST")
    assert user_post["body"]["credentials"]["password"]["value"] == "****"
    assert actions["enable-scim"]["mode"] == "console"
    assert len(demo_services.okta_simulator.exchanges) == before
    assert status_json(cli)["tenants"] == []

    # After a partial apply, finished actions are marked.
    assert apply(cli, sim_setup).code == 9
    again = json.loads(cli("plan", "--config", str(sim_setup), LOOPBACK, "--json").out)
    marks = {a["action"]: (a["status"], a["will_run"]) for a in again["actions"]}
    assert marks["create-app"] == ("done", False) and marks["enable-scim"] == ("needs-console", True)
    text = cli("plan", "--config", str(sim_setup), LOOPBACK)
    assert "already done: only re-checked" in text.out


def _finish(cli, sim_setup, demo) -> None:
    assert apply(cli, sim_setup).code == 9
    (app_id,) = app_ids(demo)
    demo.okta_simulator.configure_provisioning(app_id, demo.kandji_base_url, demo.kandji_token)
    result = apply(cli, sim_setup, "--proof-timeout", "60")
    assert result.code == 0, result.out


def test_verify_holds_then_names_what_no_longer_holds(cli, sim_setup, demo_services) -> None:
    demo = demo_services
    _finish(cli, sim_setup, demo)
    ok = cli("verify", "--json")
    assert ok.code == 0, ok.out + ok.err
    data = json.loads(ok.out)
    assert data["ok"] and {c["holds"] for c in data["checks"]} == {True}
    assert len(data["checks"]) == 12

    (app_id,) = app_ids(demo)
    demo.okta_simulator.enable_scim_provisioning(app_id, False)  # someone turned SCIM off
    saved = Path(status_json(cli)["tenants"][0]["state_file"]).read_text()
    bad = cli("verify", "--json")
    assert bad.code == Exit.FAILED
    failing = {c["action"] for c in json.loads(bad.out)["checks"] if c["holds"] is False}
    assert "enable-scim" in failing
    assert Path(status_json(cli)["tenants"][0]["state_file"]).read_text() == saved  # verify changes nothing


def test_verify_an_unfinished_setup_is_not_ok(cli, sim_setup) -> None:
    assert apply(cli, sim_setup).code == 9
    result = cli("verify")
    assert result.code == Exit.FAILED and "not finished: 9" in result.out


def test_verify_and_undo_on_the_demo_tenant_explain_the_services_are_gone(cli, fast_cli) -> None:
    assert cli("apply", "--demo", "--yes").code == 0
    for command in (("verify",), ("undo", "--yes")):
        result = cli(*command, "--tenant", "demo")
        assert result.code == Exit.NOT_FOUND and "nothing live" in result.err


def test_report_markdown_and_json(cli, sim_setup, demo_services, tmp_path) -> None:
    demo = demo_services
    _finish(cli, sim_setup, demo)
    md = cli("report")
    assert md.code == 0
    assert md.out.startswith(f"# Okta → Kandji SCIM setup: {demo.org.host}")
    assert "App “Kandji SCIM App”" in md.out and "created by the wizard" in md.out
    assert (
        "Users in Kandji: 1 of 1" in md.out
        and "| 10.1–10.5 | Configure the SCIM connection | done |" in md.out
    )
    data = json.loads(cli("report", "--format", "json").out)
    assert data["all_finished"] and data["summary"]["group"]["created_by_wizard"] is True
    target = tmp_path / "r.md"
    assert cli("report", "--output", str(target)).code == 0 and target.read_text().startswith("# Okta")
    for secret in (demo.api_token, demo.kandji_token, demo.test_person.password):
        assert secret.get_secret_value() not in md.out + json.dumps(data)


def test_status_exit_codes_and_empty_shape(cli) -> None:
    empty_shape = {"tenants": [], "moved_aside": [], "repaired": []}
    assert status_json(cli) == {"state_dir": status_json(cli)["state_dir"], **empty_shape}
    empty = cli("status")
    assert empty.code == 0 and "No setup is saved" in empty.out
    missing = cli("status", "--tenant", "nope.okta.com", "--json")
    assert missing.code == Exit.NOT_FOUND
    assert json.loads(missing.out) == {"ok": False, "exit_code": 3, "error": json.loads(missing.out)["error"]}
