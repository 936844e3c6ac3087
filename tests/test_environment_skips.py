"""A test that cannot run for want of something on the machine (../shared's files) skips on a
developer's machine and fails under CI, so CI never passes a run that tested less."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.environment import require_file

ROOT = Path(__file__).resolve().parents[1]


def _outcome(path: Path) -> BaseException | None:
    """What `require_file` raised (a skip or a failure would end this test, so it is caught)."""
    try:
        require_file(path, "Okta's OpenAPI spec subset", "OKTA_OPENAPI_SPEC")
    except BaseException as exc:
        return exc
    return None


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_a_missing_shared_file_fails_under_ci(tmp_path, monkeypatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    failed = _outcome(tmp_path / "missing.yaml")
    assert isinstance(failed, pytest.fail.Exception), repr(failed)
    assert "CI must provide this" in str(failed)
    assert str(tmp_path / "missing.yaml") in str(failed) and "OKTA_OPENAPI_SPEC" in str(failed)


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_a_missing_shared_file_skips_elsewhere(tmp_path, monkeypatch, ci: str | None) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    skipped = _outcome(tmp_path / "missing.yaml")
    assert isinstance(skipped, pytest.skip.Exception) and "is not at" in str(skipped), repr(skipped)
    (tmp_path / "there.yaml").write_text("x")
    assert _outcome(tmp_path / "there.yaml") is None


def _run_without_shared(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OKTA_OPENAPI_SPEC": str(tmp_path / "hidden" / "okta-management-wizard-subset.yaml"),
        "OKTA_RECORDED_INTERACTIONS": str(tmp_path / "hidden" / "interactions.jsonl"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CI", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    if ci is not None:
        env["CI"] = ci
    selection = [
        "tests/test_okta_contract.py::test_happy_path_requests_and_responses_match_the_spec",
        "tests/test_okta_replay.py::test_the_client_reads_every_recorded_answer",
    ]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfs", *selection],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_suite_fails_under_ci_when_shared_is_hidden(tmp_path) -> None:
    """The real run: with ../shared pointed at a missing place, CI=true fails and names both
    missing files (that the same absence skips without CI is checked in-process above)."""
    in_ci = _run_without_shared(tmp_path, "true")
    assert in_ci.returncode == 1, in_ci.stdout + in_ci.stderr
    summary = in_ci.stdout.strip().splitlines()[-1]
    assert "1 failed" in summary and "1 error" in summary and "skipped" not in summary, in_ci.stdout
    assert in_ci.stdout.count("CI must provide this (CI is set, so it does not skip)") >= 2, in_ci.stdout
    for variable in ("OKTA_OPENAPI_SPEC", "OKTA_RECORDED_INTERACTIONS"):
        assert f"set {variable} to its path" in in_ci.stdout, in_ci.stdout
