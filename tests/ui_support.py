"""Helpers for driving the wizard with Pilot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import Worker

from screens.app import WizardApp
from screens.engine_link import UI_TIME
from screens.step_screen import StepScreen
from tests.virtual_time import VirtualTime

# Real seconds a test waits for workers before failing (they never wait on a clock: see below).
WORKERS_LIMIT = 300.0


def no_blink(app: WizardApp) -> None:
    """Snapshots must not depend on when the cursor blinked."""
    for field in app.screen.query(Input):
        field.cursor_blink = False


async def wait_for_workers(pilot: Pilot, workers: Iterable[Worker] | None = None) -> None:
    """Wait until `workers` (default: all) finish. When one of them sleeps on the UI's virtual
    time (a poll's pause, a retry's wait), the clock jumps to the end of that sleep, after the
    demo's Okta has finished pushing users, as it would have in the real seconds it stands for."""
    app = pilot.app
    waited = list(app.workers if workers is None else workers)
    finished = asyncio.ensure_future(app.workers.wait_for_complete(waited))
    clock = getattr(UI_TIME.clock, "__self__", None)  # the VirtualTime the `ui_time` fixture put there
    if not isinstance(clock, VirtualTime):
        clock = None
    deadline = time.monotonic() + WORKERS_LIMIT
    try:
        while not finished.done():
            await asyncio.wait({finished}, timeout=0.01)
            if finished.done():
                break
            tasks = {w._task for w in waited if w._task is not None}
            if clock is not None and clock.sleeping(tasks):
                demo = getattr(app, "demo", None)
                if demo is not None:
                    demo.okta_simulator.settle()
                clock.jump(tasks)
            if time.monotonic() > deadline:
                busy = ", ".join(w.description or w.name for w in waited if w.is_running)
                raise AssertionError(f"still busy after {WORKERS_LIMIT:.0f} s: {busy}")
    finally:
        finished.cancel()


async def settle(pilot: Pilot) -> None:
    await wait_for_workers(pilot)
    await pilot.pause()


async def open_setup(pilot: Pilot, url: str = "acme.okta.com") -> StepScreen:
    """From the start screen, start (or reopen) the setup for `url`."""
    await settle(pilot)
    pilot.app.screen.query_one("#org-url", Input).value = url
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StepScreen), f"still on {type(screen).__name__}"
    return screen


async def go_to(pilot: Pilot, number: str) -> StepScreen:
    screen = pilot.app.screen
    assert isinstance(screen, StepScreen)
    await screen.go_to(number)
    await pilot.pause()
    no_blink(pilot.app)  # type: ignore[arg-type]
    return screen


async def settle_engine(pilot: Pilot) -> None:
    """Wait for every worker except the console hand-off's live detection, which polls for
    as long as its step is on screen."""
    for _ in range(3):
        busy = [worker for worker in pilot.app.workers if worker.group != "detect"]
        if busy:
            await wait_for_workers(pilot, busy)
        await pilot.pause()


async def press_and_settle(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle_engine(pilot)


async def demo_console(pilot: Pilot) -> None:
    """Enter on an Admin Console step of the demo: "Do it in the demo console", as the admin would."""
    assert "demo console" in str(pilot.app.screen.query_one("#main").label)
    await pilot.press("enter")
    await pilot.pause()
    await settle_engine(pilot)


async def screenshot(pilot: Pilot) -> str:
    """What `snap_compare` would save at this moment: after the same pauses and animations."""
    app = pilot.app
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    return app.export_screenshot(title=app.title, simplify=True)


async def pictures_once(
    taken: dict[Any, dict[str, str] | BaseException], key: Any, walk: Callable[[], Awaitable[dict[str, str]]]
) -> dict[str, str]:
    """The pictures one walk took, walking the first time `key` is asked for. Snapshot tests that
    share a walk compare its pictures; a walk that failed fails the tests after it too."""
    if key not in taken:
        try:
            taken[key] = await walk()
        except BaseException as exc:
            taken[key] = exc
            raise
    pictures = taken[key]
    if isinstance(pictures, BaseException):
        pytest.fail(f"the walk for {key} failed earlier: {pictures!r}")
    return pictures
