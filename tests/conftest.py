"""Shared fixtures. Every test runs with a temporary HOME and state dir and an in-memory
keyring, so nothing ever touches the developer's real files or keyring."""

from __future__ import annotations

import gc
from pathlib import Path

import keyring
import pytest

from tests.test_cli_fixtures import cli, fast_cli, sim_setup  # noqa: F401 - the headless commands' fixtures
from wizard.memory_keyring import MemoryKeyring


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("OKTA_KANDJI_SETUP_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("KANDJI_SCIM_TOKEN", raising=False)
    monkeypatch.delenv("OKTA_API_TOKEN", raising=False)
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def secrets_registry():
    """The secrets a test registers for redaction are forgotten after it, as at the end of a
    process: a worker's registry would otherwise grow with every test it ran."""
    from wizard import redact

    with redact.registry_scope():
        yield


@pytest.fixture(autouse=True)
def ui_time(monkeypatch: pytest.MonkeyPatch):
    """The UI's polls and retries follow virtual time (tests/virtual_time.py), never real time."""
    from screens.engine_link import UI_TIME
    from tests.virtual_time import VirtualTime

    clock = VirtualTime()
    monkeypatch.setattr(UI_TIME, "sleep", clock.sleep)
    monkeypatch.setattr(UI_TIME, "clock", clock.clock)
    return clock


@pytest.fixture(autouse=True)
def headless_paint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Headless apps paint once per Pilot step, not at every frame (tests/headless_render.py)."""
    from tests.headless_render import paint_per_step

    paint_per_step(monkeypatch)


@pytest.fixture
def demo_services():
    """The embedded demo services (Okta simulator + SCIM server) on loopback."""
    from wizard.demo.services import DemoServices

    with DemoServices() as demo:
        yield demo


@pytest.fixture
async def engine_ctx(demo_services):
    """An engine context on the demo services, with fake time for polls and retries."""
    from tests.engine_support import engine_context

    async with engine_context(demo_services) as ctx:
        yield ctx


# The files with the longest tests start first, so that under xdist no worker is left running
# one of them alone at the end while the others have nothing to do (`make speed` shows each
# worker's last report: they should end within a few seconds of each other). Each file's tests
# stay together, in order.
SLOW_FIRST = (
    "test_ui_walkthrough.py",
    "test_ui_canary_rotation.py",
    "test_ui_demo_snapshots.py",
    "test_ui_demo.py",
    "test_ui_at_80x24.py",
    "test_reconcile.py",
    "test_cli_subprocess.py",
    "test_hardening_secrets.py",
    "test_ui_support_resume.py",
    "test_hardening_crash.py",
    "test_ui_day_two.py",
    "test_hardening_faults.py",
    "test_ui_snapshots.py",
    "test_hardening_answers.py",
)


def pytest_collection_modifyitems(config, items) -> None:
    rank = {name: position for position, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))


def pytest_collection_finish(session) -> None:
    """What collection loaded (every module, test and fixture) lives until the end: frozen, it
    is left out of each full garbage collection, which in the UI tests had to walk it all, some
    thirty times per worker."""
    gc.collect()
    gc.freeze()


FIGURES_KEY = "reliability_figures"


def pytest_sessionfinish(session, exitstatus) -> None:
    """In an xdist worker: hand the figures it counted to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        from tests.hardening_support import FIGURES

        output[FIGURES_KEY] = FIGURES.export()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """In the xdist controller: add up each worker's figures as it finishes."""
    from tests.hardening_support import FIGURES

    FIGURES.merge(getattr(node, "workeroutput", {}).get(FIGURES_KEY, {}))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The hardening suites' figures (issue 7), one block at the end of `make test`, added up
    over the xdist workers."""
    from tests.hardening_support import FIGURES

    lines = FIGURES.lines()
    if lines:
        terminalreporter.section("reliability figures (tests/test_hardening_*.py)")
        for line in lines:
            terminalreporter.write_line(line)
