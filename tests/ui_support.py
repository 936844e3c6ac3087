"""Helpers for driving the wizard with Pilot."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from screens.app import WizardApp
from screens.step_screen import StepScreen


def no_blink(app: WizardApp) -> None:
    """Snapshots must not depend on when the cursor blinked."""
    for field in app.screen.query(Input):
        field.cursor_blink = False


async def settle(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
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
            await pilot.app.workers.wait_for_complete(busy)
        await pilot.pause()


async def press_and_settle(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle_engine(pilot)


async def demo_console(pilot: Pilot) -> None:
    """Press the step's "Do this in the demo console" button, as the admin would."""
    pilot.app.screen.query_one("#demo-do").press()
    await pilot.pause()
    await settle_engine(pilot)
