"""`okta-kandji-setup` in a real process, forked from a warm interpreter.

The crash suite SIGKILLs `apply` processes and reruns them, 44 processes in all. Started from
scratch, each spends most of its CPU importing (the wizard, httpx, pydantic, scim2-models for the
Kandji pre-flight): about as much again as the run itself. Here a multiprocessing fork server
imports those once (in a process of its own, with no threads), then forks one process per run.
Each is still a separate process running `wizard.cli.main` with its own environment, working
directory, stdout and stderr, and it is killed with a real SIGKILL; only the imports are shared.

The product's sleeps are capped at 20 ms, as in hardening_support.FAST_CLI.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

PRELOAD = [
    "wizard.cli",
    "wizard.commands.apply",
    "wizard.commands.flow",
    "wizard.engine",
    "wizard.kandji.preflight",
    "wizard.okta.client",
    "wizard.state",
    "wizard.secrets",
    "scim2_models",
    "keyring",
    "truststore",
]

# Runs in the forked process (the target is `exec`, so nothing from tests/ is imported there).
CHILD = """
import asyncio, os, sys
os.environ.clear()
os.environ.update(ENV)
os.chdir(CWD)
for fd, path in ((1, OUT), (2, ERR)):
    target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(target, fd)
    os.close(target)
sys.stdout = open(1, "w", buffering=1, encoding="utf-8", closefd=False)
sys.stderr = open(2, "w", buffering=1, encoding="utf-8", closefd=False)
from wizard.commands.runtime import RUNTIME
_sleep = asyncio.sleep
async def _fast(seconds):
    await _sleep(min(seconds, 0.02))
RUNTIME.sleep = _fast
from wizard.cli import main
try:
    code = main(ARGV)
finally:
    sys.stdout.flush()
    sys.stderr.flush()
os._exit(code)
"""

_context: multiprocessing.context.ForkServerContext | None = None
_numbers = itertools.count()


def _fork_server() -> multiprocessing.context.ForkServerContext:
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _context = context
    return _context


class _Output:
    """A file the process writes, read like a pipe: lines as they come, until it has ended."""

    def __init__(self, path: Path, process: WarmProcess) -> None:
        self.path = path
        self.process = process

    def __iter__(self) -> Iterator[str]:
        while not self.path.exists() and self.process.poll() is None:
            time.sleep(0.002)
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8", errors="replace") as stream:
            partial = ""
            while True:
                partial += stream.readline()
                if partial.endswith("\n"):
                    yield partial
                    partial = ""
                    continue
                if self.process.poll() is not None:
                    rest = partial + stream.read()
                    yield from rest.splitlines(keepends=True)
                    return
                time.sleep(0.002)

    def read(self) -> str:
        return self.path.read_text(encoding="utf-8", errors="replace") if self.path.exists() else ""

    def close(self) -> None:
        pass


class WarmProcess:
    """The parts of `subprocess.Popen` the crash suite uses."""

    def __init__(self, args: list[str], *, env: dict[str, str], cwd: Path) -> None:
        number = next(_numbers)
        out, err = Path(cwd) / f".apply-{number}.out", Path(cwd) / f".apply-{number}.err"
        names = {"ARGV": list(args), "ENV": dict(env), "CWD": str(cwd), "OUT": str(out), "ERR": str(err)}
        self._process = _fork_server().Process(target=exec, args=(CHILD, names), daemon=True)
        self._process.start()
        self.pid = self._process.pid
        self.stdout = _Output(out, self)
        self.stderr = _Output(err, self)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and not self._process.is_alive():
            self._process.join()
            self.returncode = self._process.exitcode
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self.poll() is None:
            raise subprocess.TimeoutExpired(["okta-kandji-setup"], timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        self.wait(timeout)
        return self.stdout.read(), self.stderr.read()


def run(
    args: list[str], *, env: dict[str, str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Like `subprocess.run(..., capture_output=True, text=True)`."""
    process = WarmProcess(args, env=env, cwd=cwd)
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    return subprocess.CompletedProcess(args, code, process.stdout.read(), process.stderr.read())
