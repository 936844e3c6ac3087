"""`doctor` and `reconcile` as commands: an integration made by hand in the simulator with no
saved setup, the exit codes (0 healthy, 1 findings, 2 bad input, 3 not found), --json, the
demos, and the doctor report in the support bundle."""

from __future__ import annotations

import asyncio
import csv
import json
import zipfile
from pathlib import Path

import pytest
from pydantic import SecretStr

from wizard.demo.scim_server import ScimServer
from wizard.okta.auth import ApiTokenAuth
from wizard.okta.client import OktaClient
from wizard.okta.domains import parse_org_url
from wizard.okta_simulator import OktaSimulator

TOKEN = "kandji-cli-doctor-token-0123456789abc"


@pytest.fixture
def hand_made(monkeypatch):
    """What an admin clicked together months ago: a custom SAML app named "Kandji", SCIM on,
    the connection saved, To App on, a group of five assigned; Okta pushed them to Kandji."""
    with ScimServer(TOKEN) as scim, OktaSimulator() as sim:
        app_id = sim.tenant.add_app("Kandji")["id"]
        sim.tenant.apps[app_id]["visibility"]["hide"] = {"web": True, "iOS": True}
        sim.enable_scim_provisioning(app_id)
        sim.set_scim_connection(app_id, scim.base_url, TOKEN)
        sim.set_to_app(app_id, create=True, update=True, deactivate=True)
        group_id = sim.add_group("Mac people")
        for i in range(5):
            sim.add_user(f"person{i}@acme.example.com", groups=[group_id])
        sim.tenant.add_app("Payroll", "OPENID_CONNECT")

        async def assign() -> None:
            org = parse_org_url(sim.base_url, allow_insecure_loopback=True)
            async with OktaClient(org, ApiTokenAuth(SecretStr(sim.api_token))) as okta:
                await okta.assign_group(app_id, group_id)

        asyncio.run(assign())
        sim.settle()
        monkeypatch.setenv("OKTA_API_TOKEN", sim.api_token)
        monkeypatch.setenv("KANDJI_SCIM_TOKEN", TOKEN)
        yield sim, scim, app_id


def target(sim, scim) -> list[str]:
    return ["--org", sim.base_url, "--allow-insecure-loopback", "--scim-url", scim.base_url]


def test_doctor_finds_and_checks_a_hand_made_integration_with_no_saved_setup(cli, hand_made, tmp_path):
    sim, scim, app_id = hand_made
    result = cli("doctor", *target(sim, scim), "--json")
    assert result.code == 0, result.err + result.out
    report = json.loads(result.out)
    assert report["healthy"] and report["findings"] == []
    assert report["app"]["id"] == app_id and report["located_by"] == "the only candidate"
    groups = next(c for c in report["checks"] if c["key"] == "groups")
    assert groups["evidence"]["groups"][0]["members"] == 5
    kandji = next(c for c in report["checks"] if c["key"] == "kandji")
    assert kandji["evidence"]["kandji_users"] == 5 and kandji["evidence"]["token_from"] == "environment"
    # Nothing was saved as a setup; only doctor's own report, for support.
    state = Path(__import__("os").environ["OKTA_KANDJI_SETUP_STATE_DIR"])
    assert not list(state.glob("*.json"))
    assert (state / "doctor" / "127.0.0.1.json").is_file()

    sim.set_to_app(app_id, deactivate=False)
    result = cli("doctor", *target(sim, scim))
    assert result.code == 1
    assert "To App Deactivate Users is off" in result.out and "→ step 14" in result.out
    assert f"/instance/{app_id}/#tab-provisioning" in result.out

    bundle = tmp_path / "bundle.zip"
    result = cli("support-bundle", "--tenant", "127.0.0.1", "--output", str(bundle))
    assert result.code == 0, result.err
    with zipfile.ZipFile(bundle) as z:
        assert "doctor.json" in z.namelist()
        latest = json.loads(z.read("doctor.json"))
        assert latest["findings"][0]["step"] == "14"
        assert TOKEN not in z.read("calls.jsonl").decode()


def test_exit_codes_for_bad_input_and_not_found(cli, hand_made):
    sim, scim, _ = hand_made
    assert cli("doctor", *target(sim, scim), "--since", "last tuesday").code == 2
    assert cli("doctor", *target(sim, scim), "--since", "400d").code == 2
    missing = cli("doctor", *target(sim, scim), "--app-id", "0oanosuchapp00000000", "--json")
    assert missing.code == 3 and "no app" in json.loads(missing.out)["error"]
    assert cli("doctor", *target(sim, scim), "--app-label", "Kandji SSO").code == 3
    assert cli("doctor").code == 2  # no saved setup and no --org: says to name the org
    sim.tenant.add_app("Kandji (old SSO)")
    ambiguous = cli("doctor", *target(sim, scim), "--json")
    assert ambiguous.code == 2
    assert [c["label"] for c in json.loads(ambiguous.out)["candidates"]] == ["Kandji", "Kandji (old SSO)"]


def test_doctor_demo_shows_ranked_findings_with_fixing_steps(cli):
    result = cli("doctor", "--demo")
    assert result.code == 1, result.err
    out = result.out
    assert "findings, most severe first:" in out
    order = [out.index(word) for word in ("CRITICAL", "HIGH", "MEDIUM", "LOW")]
    assert order == sorted(order)
    assert "Kandji refuses Okta's token" in out and "→ step 10.5" in out
    assert "group 'Kandji Pilot' has 0 members → step 18.1" in out
    assert "3 users assigned directly, not via the group" in out


def test_reconcile_demo_writes_the_csv(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("reconcile", "--demo", "--users", "400")
    assert result.code == 1, result.err
    written = tmp_path / "okta-kandji-reconcile-127.0.0.1.csv"
    with written.open(newline="") as handle:
        found = list(csv.DictReader(handle))
    categories = {row["category"] for row in found}
    assert categories == {"in_both", "missing", "inactive", "orphan", "case_mismatch"}
    assert sum(row["category"] == "missing" for row in found) == 8
    assert "missing in Kandji         8 (4 with a System Log reason)" in result.out
    assert result.err == ""  # progress only on a terminal


def test_reconcile_needs_kandji(cli, hand_made, monkeypatch):
    sim, _, _ = hand_made
    monkeypatch.delenv("KANDJI_SCIM_TOKEN")
    result = cli("reconcile", "--org", sim.base_url, "--allow-insecure-loopback")
    assert result.code == 2 and "--scim-url" in result.err


def test_reconcile_progress_goes_to_a_terminal_only():
    import io

    from wizard.commands.reconcile import ProgressLine
    from wizard.reconcile.model import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    progress = Progress("okta", okta_read=500, kandji_read=0, kandji_total=1000, elapsed=2.0)
    terminal = Terminal()
    line = ProgressLine(terminal)
    line.update(progress)
    assert "Okta 500" in terminal.getvalue() and "Kandji 0/1,000" in terminal.getvalue()
    assert "ETA 6s" in terminal.getvalue()  # 500 of an estimated 2,000 in 2 s
    line.close()
    piped = io.StringIO()
    ProgressLine(piped).update(progress)
    assert piped.getvalue() == ""


def test_ctrl_c_during_reconcile_says_how_to_resume(cli, hand_made, monkeypatch):
    sim, scim, _ = hand_made

    async def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("wizard.reconcile.run.reconcile", interrupted)
    result = cli("reconcile", *target(sim, scim))
    assert result.code == 130 and "run the same command again to resume" in result.err


def test_without_scim_url_kandji_is_reached_at_the_url_okta_pushes_to(cli, hand_made, tmp_path):
    sim, _, _ = hand_made
    org = ["--org", sim.base_url, "--allow-insecure-loopback"]
    report = json.loads(cli("doctor", *org, "--json").out)
    kandji = next(c for c in report["checks"] if c["key"] == "kandji")
    assert kandji["evidence"]["url_from"] == "okta" and kandji["evidence"]["kandji_users"] == 5
    result = cli("reconcile", *org, "--output", str(tmp_path / "users.csv"))
    assert result.code == 0, result.err
    assert "in both and active        5" in result.out
