"""Fixtures for the headless command tests (imported by the test_cli_* modules).

`cli` runs `okta-kandji-setup …` in-process through `wizard.cli.main`, with a chosen stdin,
and returns (exit code, stdout, stderr). `fast_cli` makes the commands' polls and retries
follow a ManualClock (each sleep still yields briefly, so the simulator's push thread runs).
`sim_setup` is a config file and environment secrets for the Okta simulator + SCIM server.
"""

from __future__ import annotations

import asyncio
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from wizard.commands.runtime import RUNTIME
from wizard.okta_simulator import ManualClock


@dataclass
class Result:
    code: int
    out: str
    err: str


class _Stdin(io.StringIO):
    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.fixture
def cli(capsys, monkeypatch):
    from wizard.cli import main

    def run(*args: str, stdin: str = "", tty: bool = False) -> Result:
        monkeypatch.setattr(sys, "stdin", _Stdin(stdin, tty))
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def fast_cli(monkeypatch) -> ManualClock:
    clock = ManualClock()

    async def sleep(seconds: float) -> None:
        clock.advance(max(0.0, seconds))
        await asyncio.sleep(0.002)

    monkeypatch.setattr(RUNTIME, "sleep", sleep)
    monkeypatch.setattr(RUNTIME, "clock", clock)
    return clock


CONFIG = """\
# A setup against the loopback simulator
[okta]
org_url = "{org_url}"

[kandji]
scim_base_url = "{kandji_url}"

[test_user]
login = "{login}"
first_name = "Taylor"
last_name = "Test"
"""


@pytest.fixture
def sim_setup(demo_services, tmp_path: Path, monkeypatch, fast_cli) -> Path:
    demo = demo_services
    monkeypatch.setenv("OKTA_API_TOKEN", demo.api_token.get_secret_value())
    monkeypatch.setenv("KANDJI_SCIM_TOKEN", demo.kandji_token.get_secret_value())
    monkeypatch.setenv("OKTA_TEST_USER_PASSWORD", demo.test_person.password.get_secret_value())
    path = tmp_path / "setup.toml"
    path.write_text(
        CONFIG.format(org_url=demo.org_url, kandji_url=demo.kandji_base_url, login=demo.test_person.login)
    )
    return path


def app_ids(demo) -> list[str]:
    return [a["id"] for a in demo.okta_simulator.tenant.apps.values() if a.get("status") != "DELETED"]
