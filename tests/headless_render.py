"""Paint once per Pilot step instead of at every frame of a headless run.

A headless Textual app renders every frame (up to 60 a second) and throws the result away:
`App._display` writes nothing without a terminal. In the UI tests that was a quarter of their
CPU: a worker updating a step's status paints the screen over and over while no one can see it.

Here the paint is deferred: a frame only remembers which regions changed (the compositor's
dirty regions, which simply add up), and everything that changed is painted together when the
test next looks, at each `pilot.press`, `pilot.pause`, click or screenshot. Every widget that
changed is still rendered in the state the test then sees, so a widget that raises while
rendering still fails its test; what is no longer rendered is the frames in between, which no
test could see either. Snapshots are unchanged: `export_screenshot` always paints the whole
screen afresh.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

_paint_every_frame = Screen._compositor_refresh
_wait_for_screen = Pilot._wait_for_screen
_pause = Pilot.pause


def _defer_paint(screen: Screen) -> None:
    app = screen.app
    if not (app.is_headless and not app.is_inline and screen is app.screen):
        _paint_every_frame(screen)
        return
    # As the real refresh does, minus the paint: the regions stay dirty until `paint_now`.
    screen._dirty_widgets.clear()
    app._update_mouse_over(screen)


def paint_now(app: App[Any]) -> None:
    """Render what changed since the last paint, as a frame would have."""
    screen = app.screen
    if screen._compositor._dirty_regions and not app.is_inline:
        screen._compositor.render_update(screen_stack=app._background_screens)


async def _wait_then_paint(self: Pilot, timeout: float = 30.0) -> bool:
    settled = await _wait_for_screen(self, timeout)
    paint_now(self.app)
    return settled


async def _pause_then_paint(self: Pilot, delay: float | None = None) -> None:
    await _pause(self, delay)
    paint_now(self.app)


def paint_per_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Screen, "_compositor_refresh", _defer_paint)
    monkeypatch.setattr(Pilot, "_wait_for_screen", _wait_then_paint)
    monkeypatch.setattr(Pilot, "pause", _pause_then_paint)
