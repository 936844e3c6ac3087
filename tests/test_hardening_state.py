"""Saved progress at the product level (issue 7 §6): two `apply` processes on one tenant, a
file cut short mid-write, file modes after a real run, an older format read by `status`.
tests/test_state*.py cover the store itself; here it is what `apply` and `status` do.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.hardening_support import WRITES, Hold, assert_no_traceback, objects
from tests.test_cli_fixtures import app_ids
from tests.test_hardening_crash import Rig
from wizard.commands.exit_codes import Exit
from wizard.demo.services import DemoServices

LOOPBACK = "--allow-insecure-loopback"


def apply(cli, config, *extra: str):
    result = cli("apply", "--config", str(config), "--yes", "--timeout", "0", LOOPBACK, *extra)
    assert_no_traceback(result.out + result.err)
    return result


@pytest.mark.slow
def test_a_second_apply_on_the_same_tenant_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    with DemoServices() as demo:
        rig = Rig(demo, tmp_path)
        hold = rig.admin.hold = Hold(WRITES[0], commit=False)  # the first run waits in POST /apps
        first = rig.start()
        try:
            assert hold.reached.wait(60)
            second = rig.rerun()
            assert second.returncode == Exit.LOCKED, second.stdout + second.stderr
            assert_no_traceback(second.stdout + second.stderr)
            assert f"pid {first.pid}" in second.stderr or str(first.pid) in second.stderr
        finally:
            hold.release()
        out, err = first.communicate(timeout=60)
        assert first.returncode == Exit.FAILED, out + err  # its POST was refused, nothing made
        assert objects(demo).apps == 0
        rig.assert_rerun_completes()


def test_a_progress_file_cut_short_is_kept_aside_and_the_rerun_reuses_what_exists(
    cli, sim_setup, demo_services
) -> None:
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    (state,) = Path(os.environ["OKTA_KANDJI_SETUP_STATE_DIR"]).glob("*.json")
    whole = state.read_bytes()
    state.write_bytes(whole[: len(whole) // 2])  # what a writer without os.replace leaves on a crash

    listed = cli("status")
    assert_no_traceback(listed.out + listed.err)
    assert "corrupt" in listed.out + listed.err
    aside = list(state.parent.glob("*.corrupt-*.json"))
    assert len(aside) == 1 and aside[0].read_bytes() == whole[: len(whole) // 2]

    again = apply(cli, sim_setup)
    assert again.code == Exit.CONSOLE_STEP_9, again.out + again.err
    assert "Reusing the existing SAML 2.0 app" in again.out  # found by label, not made twice
    assert len(app_ids(demo_services)) == 1
    json.loads(state.read_text())


def test_files_written_by_a_real_run_are_private(cli, sim_setup, demo_services, tmp_path) -> None:
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    report = tmp_path / "report.md"
    assert cli("report", "--output", str(report)).code == 0
    root = Path(os.environ["OKTA_KANDJI_SETUP_STATE_DIR"])
    assert root.stat().st_mode & 0o777 == 0o700
    written = [p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert any(p.suffix == ".json" for p in written) and any(p.suffix == ".jsonl" for p in written)
    for path in written:
        assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))


def test_status_reads_a_file_from_an_older_version(cli) -> None:
    root = Path(os.environ["OKTA_KANDJI_SETUP_STATE_DIR"])
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    (root / "acme.okta.com.json").write_text(
        json.dumps(
            {
                "schema_version": 0,
                "org_url": "https://acme.okta.com",
                "org_host": "acme.okta.com",
                "created": "2024-12-01T09:00:00Z",
                "updated": "2024-12-02T10:30:00Z",
                "current": "10.3",
                "statuses": {"B.1": "done", "B.2": "done", "9": "needs_console"},
                "settings": {"group_name": "Kandji Users EU"},
            }
        )
    )
    (root / "acme.okta.com.json").chmod(0o600)
    result = cli("status", "--json")
    assert result.code == 0, result.err
    (tenant,) = json.loads(result.out)["tenants"]
    steps = {s["number"]: s["status"] for s in tenant["steps"]}
    assert steps["B.2"] == "done" and steps["9"] == "needs-console"
    assert not re.search("corrupt|newer", result.out + result.err)


def test_two_in_process_runs_are_refused_too(cli, sim_setup, demo_services) -> None:
    """The same lock holds within one process (e.g. the TUI and a command in one interpreter)."""
    from wizard.state import StateStore

    store = StateStore(Path(os.environ["OKTA_KANDJI_SETUP_STATE_DIR"]))
    org = demo_services.org
    with store.open(org.base_url, org.host):
        busy = apply(cli, sim_setup)
    assert busy.code == Exit.LOCKED and "is already open" in busy.err
    assert not app_ids(demo_services)

