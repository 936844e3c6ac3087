"""How the key screens look at 80×24 (what matters most) and 200×50 (text keeps a readable
width, step titles whole, no empty boxes), one step of each kind. Deterministic: temporary state, no clock
in the header, no cursor blink, no toasts.

The step pictures of one size come from one app that opens a setup and goes from step to step,
as an admin jumping through the sidebar would (the first test of a size walks, the others
compare what it took); xdist keeps a size's tests on one worker."""

from __future__ import annotations

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual.pilot import Pilot

from screens.app import WizardApp
from tests.ui_support import go_to, no_blink, open_setup, pictures_once, screenshot, settle

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


STEPS = ["B.1", "B.2", "1", "10.1", "15", "17", "24"]
_taken: dict[tuple[int, int], dict[str, str] | BaseException] = {}


async def _walk(size: tuple[int, int]) -> dict[str, str]:
    pictures: dict[str, str] = {}
    app = WizardApp()
    async with app.run_test(size=size) as pilot:
        await open_setup(pilot)
        for number in STEPS:
            await go_to(pilot, number)
            await settle(pilot)
            pictures[number] = await screenshot(pilot)
    return pictures


@pytest.mark.parametrize(
    "size",
    [pytest.param(p.values[0], id=p.id, marks=pytest.mark.xdist_group(f"steps-{p.id}")) for p in SIZES],
)
@pytest.mark.parametrize("number", STEPS)
async def test_step_screen(snapshot, size: tuple[int, int], number: str) -> None:
    taken = await pictures_once(_taken, size, lambda: _walk(size))
    assert snapshot.use_extension(SVGImageExtension) == taken[number]


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(WizardApp(), terminal_size=size, run_before=_help)
