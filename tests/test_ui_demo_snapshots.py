"""How the engine-driven screens look in the demo: a plan, a console hand-off, the step-24
progress and the finish screen, at 80×24 and 120×40.

The demo services listen on fixed loopback ports here (elsewhere they are random), because
the URLs they serve are on screen; the state dir sits under the test's HOME, which the
finish screen shows as `~/…`."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from screens.app import WizardApp
from tests.test_ui_demo import _to_step_9
from tests.ui_support import demo_console, no_blink, press_and_settle
from wizard.demo.services import DemoServices

PORTS = (47811, 47812)
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _ports_free() -> bool:
    for port in PORTS:
        with socket.socket() as probe:
            # As the servers do: a port left in TIME_WAIT by the previous test is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


@pytest.fixture
def demo():
    if not _ports_free():
        pytest.skip(f"loopback ports {PORTS} are in use; these snapshots need fixed ports")
    with DemoServices(ports=PORTS, state_dir=Path.home() / "demo-state") as services:
        yield services


async def _still(pilot: Pilot) -> None:
    pilot.app.clear_notifications()
    no_blink(pilot.app)  # type: ignore[arg-type]
    await pilot.pause(0.1)  # let the panel finish scrolling to the focused field


async def _console_steps(pilot: Pilot) -> None:
    for _ in range(4):  # 9, 10.x, 11, 12–14
        await demo_console(pilot)


async def _plan(pilot: Pilot) -> None:
    await _to_step_9(pilot, pilot.app)  # type: ignore[arg-type]
    await _console_steps(pilot)
    await _still(pilot)


async def _handoff(pilot: Pilot) -> None:
    await _to_step_9(pilot, pilot.app)  # type: ignore[arg-type]
    await demo_console(pilot)
    for _ in range(50):  # the first look at Okta
        if "Looking at Okta" not in str(pilot.app.screen.query_one("#detection").render()):
            break
        await pilot.pause(0.1)
    await _still(pilot)


async def _to_finish(pilot: Pilot) -> None:
    await _to_step_9(pilot, pilot.app)  # type: ignore[arg-type]
    await _console_steps(pilot)
    for _ in range(3):  # group, test person, assignment
        await press_and_settle(pilot, "enter")
    await press_and_settle(pilot, "r")


async def _finish(pilot: Pilot) -> None:
    await _to_finish(pilot)
    await _still(pilot)


async def _progress(pilot: Pilot) -> None:
    await _to_finish(pilot)
    await pilot.press("escape")  # back from the finish screen to step 24's proof
    await _still(pilot)


CASES: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "plan-15": _plan,
    "handoff-10.1": _handoff,
    "proof-24": _progress,
    "finish": _finish,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("case", list(CASES))
def test_demo_screen(snap_compare, demo: DemoServices, case: str, size: tuple[int, int]) -> None:
    assert snap_compare(WizardApp(demo=demo), terminal_size=size, run_before=CASES[case])
