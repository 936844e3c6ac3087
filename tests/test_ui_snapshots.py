"""How the key screens look at 80×24 (what matters most) and 200×50 (text keeps a readable
width, step titles whole, no empty boxes), one step of each kind. Deterministic: temporary state, no clock
in the header, no cursor blink, no toasts."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from screens.app import WizardApp
from tests.ui_support import go_to, no_blink, open_setup, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 50), id="200x50")]


async def _start(pilot: Pilot) -> None:
    await settle(pilot)
    no_blink(pilot.app)  # type: ignore[arg-type]


def _at(number: str):
    async def run_before(pilot: Pilot) -> None:
        await open_setup(pilot)
        await go_to(pilot, number)
        await settle(pilot)

    return run_before


async def _help(pilot: Pilot) -> None:
    from textual.widgets import Markdown

    # Opened over the start screen: a step screen behind it may still be scrolling its
    # panel to the focused field, which made the background differ from run to run.
    await settle(pilot)
    await pilot.press("f1")
    markdown = pilot.app.screen.query_one(Markdown)
    for _ in range(50):  # the Markdown widget builds its blocks after mounting
        if len(markdown.children) > 5:
            break
        await pilot.pause(0.05)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_start_screen(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(WizardApp(), terminal_size=size, run_before=_start)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("number", ["B.1", "B.2", "1", "10.1", "15", "17", "24"])
def test_step_screen(snap_compare, size: tuple[int, int], number: str) -> None:
    assert snap_compare(WizardApp(), terminal_size=size, run_before=_at(number))


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(WizardApp(), terminal_size=size, run_before=_help)
