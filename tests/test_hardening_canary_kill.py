"""SIGKILL `okta-kandji-setup canary` (a real process) while its change is out in Okta, then run
it again (issue 14): the progress the killed process left names the change, and the next run
puts the old value back before it starts its own canary. Same rig as the crash suite."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import warm_process
from tests.hardening_support import FIGURES, KILLS, assert_no_traceback
from tests.test_hardening_crash import Rig
from wizard.demo.services import DemoServices

pytestmark = pytest.mark.slow


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with DemoServices() as demo:
        yield Rig(demo, tmp_path)


def _title(demo: DemoServices) -> str | None:
    tenant = demo.okta_simulator.tenant
    with tenant.lock:
        return tenant.user_by_id_or_login(demo.test_person.login)["profile"].get("title")


def test_killed_mid_canary_then_the_next_run_puts_the_value_back(rig: Rig) -> None:
    rig.assert_rerun_completes()  # a finished setup
    sim = rig.demo.okta_simulator
    sim.set_push_delay(10_000)  # Okta "takes hours": the canary is still waiting when killed
    process = warm_process.WarmProcess(["canary", "--timeout", "600"], env=rig.env, cwd=rig.root)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pending = json.loads(rig.state_path().read_text()).get("day_two", {}).get("pending_canary")
            if pending and (_title(rig.demo) or "").startswith("Canary"):
                break
            time.sleep(0.02)
        else:
            pytest.fail("the canary never made its change")
        rig.kill(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    rig.assert_state_valid()
    pending = json.loads(rig.state_path().read_text())["day_two"]["pending_canary"]
    assert pending["attribute"] == "title" and pending["old_value"] is None
    assert _title(rig.demo) == pending["new_value"]  # the change is still out in Okta

    sim.set_push_delay(0)
    again = warm_process.run(["canary", "--timeout", "600"], env=rig.env, cwd=rig.root, timeout=120)
    assert_no_traceback(again.stdout + again.stderr)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Earlier canary: the canary of" in again.stdout and "put back to (empty)" in again.stdout
    assert "Delivered: Okta → Kandji in" in again.stdout
    assert _title(rig.demo) is None
    assert json.loads(rig.state_path().read_text())["day_two"]["pending_canary"] is None
    FIGURES.add(KILLS)
