"""The README's first headless try, as a new user runs it: two real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_apply_demo_then_status_json_in_real_processes(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OKTA_KANDJI_SETUP_STATE_DIR": str(tmp_path / "state"),
        "HOME": str(tmp_path),
        # Nothing here may reach the developer's keyring: any use of it would fail loudly.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "wizard", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    applied = run("apply", "--demo", "--yes")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.stdout.rstrip().endswith("Every step is verified (32 of 32).")

    status = run("status", "--json")
    assert status.returncode == 0, status.stderr
    (tenant,) = json.loads(status.stdout)["tenants"]
    assert tenant["demo"] and tenant["all_verified"]
    assert [s["status"] for s in tenant["steps"]] == ["done"] * 32

    cancelled = run("forget", "--tenant", "demo")
    assert cancelled.returncode == 6 and "--yes" in cancelled.stderr
