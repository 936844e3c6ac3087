"""`undo` removes only what the wizard created, in order; `forget` deletes local state and
keyring entries after confirmation."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_fixtures import app_ids
from wizard.commands.exit_codes import Exit
from wizard.secrets import Purpose, SecretStore

LOOPBACK = "--allow-insecure-loopback"


def finish(cli, config, demo) -> None:
    args = ("apply", "--config", str(config), "--yes", "--timeout", "0", LOOPBACK)
    assert cli(*args).code == 9
    (app_id,) = app_ids(demo)
    demo.okta_simulator.configure_provisioning(app_id, demo.kandji_base_url, demo.kandji_token)
    result = cli(*args, "--proof-timeout", "60")
    assert result.code == 0, result.out


def test_undo_keeps_a_group_that_existed_and_removes_the_rest_in_order(cli, sim_setup, demo_services) -> None:
    demo = demo_services
    tenant = demo.okta_simulator.tenant
    existing = demo.okta_simulator.add_group("Kandji Users", "made by someone else")
    bystander = demo.okta_simulator.add_user("bystander@demo.example.com", groups=[existing])
    finish(cli, sim_setup, demo)
    assert len(app_ids(demo)) == 1
    person = tenant.users_by_login[demo.test_person.login]

    result = cli("undo", "--yes", "--json")
    assert result.code == Exit.OK, result.out + result.err
    items = json.loads(result.out)["items"]
    assert [(i["kind"], i["remove"], i["result"]) for i in items] == [
        ("test-person", True, "removed"),
        ("assignment", True, "removed"),
        ("group", False, "kept"),
        ("app", True, "removed"),
    ]
    assert items[2]["ident"] == existing and "existed before" in items[2]["reason"]
    # The pre-existing group of the same name survives, with its other member.
    assert existing in tenant.groups and bystander in tenant.members[existing]
    assert app_ids(demo) == [] and person not in tenant.users
    assert tenant.users.get(bystander) is not None

    steps = {s["number"]: s for s in json.loads(cli("status", "--json").out)["tenants"][0]["steps"]}
    assert steps["8"]["status"] == steps["19"]["status"] == steps["17"]["status"] == "pending"
    assert steps["B.2"]["status"] == steps["1"]["status"] == "done"
    assert steps["8"]["note"] == "Undone by `okta-kandji-setup undo`."

    again = cli("undo", "--yes")
    assert again.code == 0 and "Nothing to undo" in again.out


def test_undo_never_touches_a_reused_app_or_person(cli, sim_setup, demo_services) -> None:
    demo = demo_services
    sim = demo.okta_simulator
    person = sim.add_user(demo.test_person.login, "Taylor", "Test")
    finish(cli, sim_setup, demo)
    (app_id,) = app_ids(demo)
    # Pretend the app had been found by label: rewrite nothing by hand, run apply on a fresh
    # progress instead, so the app is reused and not "created by the wizard".
    assert cli("forget", "--yes").code == 0
    args = ("apply", "--config", str(sim_setup), "--yes", "--timeout", "0", LOOPBACK, "--proof-timeout", "60")
    assert cli(*args).code == 0
    result = cli("undo", "--yes", "--json")
    items = {i["kind"]: i for i in json.loads(result.out)["items"]}
    assert not any(i["remove"] for i in items.values()), items
    assert "Nothing to undo" in json.loads(result.out)["message"]
    assert app_ids(demo) == [app_id] and person in sim.tenant.users
    assert sim.tenant.app_groups[app_id]  # the assignment stays: app and group both reused


def test_undo_asks_and_changes_nothing_without_yes(cli, sim_setup, demo_services) -> None:
    finish(cli, sim_setup, demo_services)
    result = cli("undo")
    assert result.code == Exit.CANCELLED
    assert "remove test-person" in result.out and "remove app" in result.out
    assert len(app_ids(demo_services)) == 1
    answered_no = cli("undo", stdin="n\n", tty=True)
    assert answered_no.code == Exit.CANCELLED and len(app_ids(demo_services)) == 1


def test_undo_skips_what_is_already_gone(cli, sim_setup, demo_services) -> None:
    demo = demo_services
    finish(cli, sim_setup, demo)
    (app_id,) = app_ids(demo)
    demo.okta_simulator.tenant.app_groups[app_id].clear()  # someone removed the assignment
    items = json.loads(cli("undo", "--yes", "--json").out)["items"]
    assert {i["kind"]: i["result"] for i in items}["assignment"] == "already gone"
    assert app_ids(demo) == []


def test_forget_deletes_progress_call_log_and_keyring_entries(cli, sim_setup, demo_services) -> None:
    demo = demo_services
    assert cli("apply", "--config", str(sim_setup), "--yes", "--timeout", "0", LOOPBACK).code == 9
    tenant = json.loads(cli("status", "--json").out)["tenants"][0]
    state_file = Path(tenant["state_file"])
    call_log = state_file.with_name(state_file.name.replace(".json", ".calls.jsonl"))
    assert state_file.exists() and call_log.exists()
    assert SecretStore().get(demo.org.host, Purpose.KANDJI_SCIM_TOKEN) is not None  # stored at B.2
    assert cli("doctor").code == 1  # SCIM is not on yet: findings, and a report kept for support
    report = state_file.parent / "doctor" / "127.0.0.1.json"
    assert report.is_file()

    refused = cli("forget")
    assert refused.code == Exit.CANCELLED and state_file.exists()
    assert "kandji-scim-token" in refused.out and "Nothing in Okta or Kandji changes" in refused.out

    result = cli("forget", "--yes", "--json")
    assert result.code == 0, result.err
    removed = json.loads(result.out)["removed"]
    assert removed == {
        "state": True,
        "call_log": True,
        "doctor_reconcile": [str(report)],
        "keyring": ["kandji-scim-token"],
    }
    assert not state_file.exists() and not call_log.exists() and not report.exists()
    assert SecretStore().get(demo.org.host, Purpose.KANDJI_SCIM_TOKEN) is None
    assert json.loads(cli("status", "--json").out)["tenants"] == []
    assert len(app_ids(demo)) == 1  # Okta untouched

    assert cli("forget", "--yes").code == Exit.NOT_FOUND


def test_forget_the_demo_and_ambiguous_tenants(cli, sim_setup, demo_services) -> None:
    assert cli("apply", "--demo", "--yes").code == 0
    assert cli("apply", "--config", str(sim_setup), "--yes", "--timeout", "0", LOOPBACK).code == 9
    ambiguous = cli("forget", "--yes")
    assert ambiguous.code == Exit.USAGE and "--tenant" in ambiguous.err and "demo" in ambiguous.err
    assert cli("forget", "--tenant", "demo", "--yes").code == 0
    (left,) = json.loads(cli("status", "--json").out)["tenants"]
    assert left["demo"] is False


def test_cancelled_answers_in_json_too(cli, fast_cli) -> None:
    assert cli("apply", "--demo", "--yes").code == 0
    result = cli("forget", "--json")
    assert result.code == Exit.CANCELLED
    assert json.loads(result.out) == {"ok": False, "exit_code": 6, "error": "not confirmed"}
