"""What the test suite costs: run it as `make test` does and print its wall time, its CPU time
and the 10 slowest tests, so the next change can see what it adds.

    .venv-test/bin/python benchmarks/test_speed.py            # the whole suite, like `make test`
    .venv-test/bin/python benchmarks/test_speed.py tests/test_ui_demo.py -n 0

Wall time depends on what else the machine is doing; CPU time (this process, the pytest
workers and every process they start) barely does, so it is the figure to compare between runs
on a shared machine. This file is also the pytest plugin that measures each test's CPU (per
test it counts the worker and the processes it waited for; the crash suite's processes, forked
by tests/warm_process.py's fork server, count only in the total on the last line).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# As the Makefile's PYTEST_PARALLEL (two workers per core); `make speed` passes its own.
PARALLEL = ["-n", str(2 * (os.cpu_count() or 1)), "--dist", "loadgroup"]
SLOWEST = int(os.environ.get("SPEED_SLOWEST", "10"))
FILES = int(os.environ.get("SPEED_FILES", "10"))


def _cpu() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# -- the plugin (loaded with `-p test_speed` in the controller and in every worker) -----------

_started: dict[str, float] = {}
_tests: dict[str, list[float]] = {}  # nodeid -> [wall, cpu] over setup, call and teardown
_finished: dict[str, float] = {}  # xdist worker -> seconds into the session of its last report
_down: dict[str, float] = {}  # xdist worker -> seconds into the session when it had shut down


def _measure(item):
    before = _cpu()
    try:
        return (yield)
    finally:
        item.user_properties.append(("cpu_seconds", _cpu() - before))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _measure(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _measure(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    return (yield from _measure(item))


def pytest_sessionstart(session) -> None:
    _started["wall"] = time.perf_counter()


def pytest_runtest_logreport(report) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller adds up what the workers report
    worker = getattr(getattr(report, "node", None), "gateway", None)
    if worker is not None and "wall" in _started:
        _finished[worker.id] = time.perf_counter() - _started["wall"]
    wall_cpu = _tests.setdefault(report.nodeid, [0.0, 0.0])
    wall_cpu[0] += report.duration
    # Each phase appends its own figure; the report carries every one so far.
    phases = [value for name, value in report.user_properties if name == "cpu_seconds"]
    if phases:
        wall_cpu[1] = sum(phases)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    if "wall" in _started:
        _down[node.gateway.id] = time.perf_counter() - _started["wall"]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") or not _tests:
        return
    write = terminalreporter.write_line
    terminalreporter.section("test speed (benchmarks/test_speed.py)")
    wall = time.perf_counter() - _started.get("wall", time.perf_counter())
    write(f"tests                {len(_tests):>8}")
    write(f"session wall time    {wall:>8.1f} s")
    write(f"sum of test times    {sum(w for w, _ in _tests.values()):>8.1f} s")
    write(f"CPU in tests         {sum(c for _, c in _tests.values()):>8.1f} s (workers and their children)")
    if _finished:
        # A worker that ends long before the others shows a tail: one long test left running alone.
        ends = " ".join(f"{name}={end:.0f}" for name, end in sorted(_finished.items()))
        write(f"workers' last report (s into the session): {ends}")
    if _down:
        downs = " ".join(f"{name}={end:.0f}" for name, end in sorted(_down.items()))
        write(f"workers shut down (s into the session):    {downs}")
    write(f"slowest {SLOWEST} tests (wall s, CPU s):")
    for nodeid, (test_wall, test_cpu) in sorted(_tests.items(), key=lambda kv: -kv[1][0])[:SLOWEST]:
        write(f"  {test_wall:6.2f} {test_cpu:6.2f}  {nodeid}")
    # Where the CPU goes by file: the figure to cut when the suite's CPU nears twice its wall goal.
    by_file: dict[str, list[float]] = {}
    for nodeid, (test_wall, test_cpu) in _tests.items():
        totals = by_file.setdefault(nodeid.split("::", 1)[0], [0.0, 0.0, 0])
        totals[0] += test_wall
        totals[1] += test_cpu
        totals[2] += 1
    write(f"costliest {FILES} files by CPU (wall s, CPU s, tests):")
    for path, (file_wall, file_cpu, count) in sorted(by_file.items(), key=lambda kv: -kv[1][1])[:FILES]:
        write(f"  {file_wall:6.1f} {file_cpu:6.1f} {count:5d}  {path}")


# -- the script ---------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "benchmarks"), str(ROOT)]))}
    env["PYTHONDONTWRITEBYTECODE"] = ""  # as `make test`: bytecode caches for every worker
    parallel = [] if any(arg == "-n" or arg.startswith("-n") for arg in argv) else PARALLEL
    command = [sys.executable, "-m", "pytest", *parallel, "-p", "test_speed", "-q", *argv]
    started, cpu = time.perf_counter(), _cpu()
    code = subprocess.call(command, cwd=ROOT, env=env)
    wall, cpu = time.perf_counter() - started, _cpu() - cpu
    print(f"pytest: {wall:.1f} s wall, {cpu:.1f} s CPU on {os.cpu_count()} cores (exit {code})")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
