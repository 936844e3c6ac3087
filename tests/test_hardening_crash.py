"""SIGKILL `okta-kandji-setup apply` (a real process) at every step boundary and in the middle
of each write request, then rerun it (issue 7 §2). The processes are forked from a warm
interpreter (tests/warm_process.py), so they skip the imports, not the run.

The Okta simulator and the SCIM server run in this test process, so the same org outlives the
killed process; `ConsoleAdmin` plays the admin doing the console steps. After each kill the
saved progress must be a valid document, nothing may exist twice, and a rerun must finish every
step with exactly one app, one group, one test person and one assignment.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import warm_process
from tests.hardening_support import (
    CONFIG,
    FIGURES,
    KILLS,
    WRITES,
    ConsoleAdmin,
    Hold,
    apply_argv,
    assert_no_traceback,
    cli_env,
    objects,
)
from tests.warm_process import WarmProcess
from wizard.catalog import load_catalog
from wizard.demo.services import DemoServices
from wizard.state import StateStore

pytestmark = pytest.mark.slow

# Each action's step span as `apply` prints it, in order; a boundary is just after its line.
BOUNDARIES = ("B.1", "B.2", "1", "2–8", "9", "10.1–10.5", "11", "12–14", "15–16", "17–18.3", "19–23", "24")
DONE_LINE = re.compile(r"^\s+✓\s+(\S+)\s")


class Rig:
    def __init__(self, demo: DemoServices, root: Path) -> None:
        self.demo = demo
        self.root = root
        self.admin = ConsoleAdmin(demo)
        self.config = root / "setup.toml"
        self.config.write_text(
            CONFIG.format(org_url=demo.org_url, kandji_url=demo.kandji_base_url, login=demo.test_person.login)
        )
        self.env = cli_env(demo, root)

    def args(self) -> list[str]:
        return apply_argv(self.config)[3:]  # after `python -c FAST_CLI`: warm_process caps sleeps too

    def start(self) -> WarmProcess:
        return WarmProcess(self.args(), env=self.env, cwd=self.root)

    def kill(self, process: WarmProcess) -> None:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL

    def rerun(self) -> subprocess.CompletedProcess[str]:
        return warm_process.run(self.args(), env=self.env, cwd=self.root, timeout=120)

    def state_path(self) -> Path:
        (path,) = (self.root / "state").glob("*.json")
        return path

    def assert_state_valid(self) -> None:
        """The progress the killed process left is whole JSON the store opens as is."""
        path = self.state_path()
        json.loads(path.read_text())
        assert path.stat().st_mode & 0o777 == 0o600
        (_summary,), moved = StateStore(self.root / "state").list_tenants()
        assert not moved, moved

    def assert_no_duplicates(self) -> None:
        found = objects(self.demo)
        assert max(found.apps, found.groups, found.users, found.assignments) <= 1, found

    def assert_rerun_completes(self) -> None:
        done = self.rerun()
        assert_no_traceback(done.stdout + done.stderr)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.rstrip().endswith(f"Every step is verified ({len(load_catalog().steps)} of 32).")
        found = objects(self.demo)
        assert found.exactly_one_each and found.kandji_users == 1, found
        self.assert_state_valid()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with DemoServices() as demo:
        yield Rig(demo, tmp_path)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_killed_at_a_step_boundary_then_rerun(rig: Rig, boundary: str) -> None:
    process = rig.start()
    assert process.stdout is not None
    for line in process.stdout:
        match = DONE_LINE.match(line)
        if match and match.group(1) == boundary:
            rig.kill(process)
            break
    else:
        process.wait()
        pytest.fail(f"apply ended before step {boundary} was reported: {process.stderr.read()}")  # type: ignore[union-attr]
    rig.assert_state_valid()
    rig.assert_no_duplicates()
    rig.assert_rerun_completes()
    FIGURES.add(KILLS)


@pytest.mark.parametrize("commit", [False, True], ids=["before-okta-acts", "after-okta-acts"])
@pytest.mark.parametrize("call", WRITES, ids=lambda c: c.name)
def test_killed_in_the_middle_of_a_write_then_rerun(rig: Rig, call, commit: bool) -> None:
    hold = rig.admin.hold = Hold(call, commit=commit)
    process = rig.start()
    try:
        assert hold.reached.wait(60), f"apply never sent {call.method} for {call.name}"
        rig.kill(process)
    finally:
        hold.release()
        if process.poll() is None:
            process.kill()
            process.wait()
    rig.assert_state_valid()
    rig.assert_no_duplicates()
    rig.assert_rerun_completes()
    FIGURES.add(KILLS)
