"""The footer (screens/widgets/key_footer.py) shows the keys of the moment, and keeps its
widgets while those keys do not change."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from screens.widgets.key_footer import KeyFooter


class TwoFields(App[None]):
    BINDINGS = [Binding("f2", "confirm", "Confirm"), Binding("f3", "save", "Save")]
    can_confirm = False

    def compose(self) -> ComposeResult:
        yield Input(id="one")
        yield Input(id="two")
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return True if self.can_confirm else None  # None: shown disabled
        return True

    def action_confirm(self) -> None: ...

    def action_save(self) -> None: ...


def _keys(app: App[None]) -> dict[str, FooterKey]:
    return {key.key: key for key in app.screen.query(FooterKey)}


async def test_keys_follow_what_the_screen_allows() -> None:
    app = TwoFields()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert _keys(app)["f2"].has_class("-disabled")
        app.can_confirm = True
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert not _keys(app)["f2"].has_class("-disabled")
        assert {"f2", "f3"} <= set(_keys(app))


async def test_moving_focus_keeps_the_same_key_widgets() -> None:
    app = TwoFields()
    async with app.run_test() as pilot:
        await pilot.pause()
        before = _keys(app)
        assert before
        app.query_one("#two", Input).focus()
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        after = _keys(app)
        assert after.keys() == before.keys()
        assert all(after[key] is before[key] for key in before)
