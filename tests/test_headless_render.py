"""The UI tests paint once per Pilot step (tests/headless_render.py): what changed is still
painted before the test looks, so a widget that fails to render still fails its test."""

from __future__ import annotations

import pytest
from rich.console import Console, ConsoleOptions, RenderResult
from textual.app import App, ComposeResult
from textual.widgets import Static


class Unrenderable:
    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        raise RuntimeError("this widget cannot be painted")


class OneLine(App[None]):
    # A fixed size: laying the line out never renders it, only painting does.
    CSS = "#line { width: 20; height: 1; }"

    def compose(self) -> ComposeResult:
        yield Static("fine", id="line")

    def key_b(self) -> None:
        self.query_one("#line", Static).update(Unrenderable())


async def test_a_widget_that_cannot_render_after_a_keypress_fails_the_test() -> None:
    with pytest.raises(RuntimeError, match="cannot be painted"):
        async with OneLine().run_test() as pilot:
            await pilot.press("b")
            await pilot.pause()


async def test_what_changed_is_painted_when_the_test_looks() -> None:
    app = OneLine()
    async with app.run_test() as pilot:
        app.query_one("#line", Static).update("changed")
        await pilot.pause()
        assert not app.screen._compositor._dirty_regions  # painted, nothing owed
        assert "changed" in "".join(
            segment.text for strip in app.screen._compositor.render_strips() for segment in strip
        )
