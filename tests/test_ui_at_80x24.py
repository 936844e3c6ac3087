"""The TUI where the admin looks: at 80×24, after every action, the main button and the
result (or the live detection) lie inside the visible region, not merely somewhere in the DOM;
and no letter key edits a field the admin did not enter on purpose."""

from __future__ import annotations

import string

from textual.css.query import NoMatches
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from screens.app import WizardApp
from screens.finish_screen import FinishScreen
from screens.step_screen import StepScreen
from screens.widgets.step_panel import StepPanel
from tests.ui_support import go_to, open_setup, press_and_settle, settle, settle_engine
from wizard.demo.services import DemoServices

SIZE = (80, 24)


def _in_view(app: WizardApp, widget: Widget) -> bool:
    """Wholly on screen, and (inside the step panel) wholly inside the panel's visible part."""
    region: Region = widget.region
    if not widget.display or region.area == 0:
        return False
    if not app.screen.region.contains_region(region):
        return False
    panels = [a for a in widget.ancestors if isinstance(a, StepPanel)]
    return not panels or panels[0].region.contains_region(region)


async def _assert_seen(pilot: Pilot, *selectors: str, patience: int = 10) -> None:
    """Each widget ends up in view. A result is scrolled into view after the refresh that
    mounts it, so a test that looked once, right after the worker finished, raced that refresh
    on a busy machine; it looks again after each of a few idle pauses (no real-time wait)."""
    app = pilot.app
    for _ in range(patience):
        try:
            if all(_in_view(app, app.screen.query_one(s)) for s in selectors):
                return
        except NoMatches:
            pass
        await pilot.pause()
    for selector in selectors:
        widget = app.screen.query_one(selector)
        assert _in_view(app, widget), f"{selector} at {widget.region} is off-screen on {app.screen}"


def _main(app: WizardApp) -> str:
    return str(app.screen.query_one("#main", Button).label)


async def test_walk_every_kind_of_step_at_80x24_with_results_in_view() -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await _assert_seen(pilot, "#start-new")
            await press_and_settle(pilot, "enter")
            screen = app.screen
            assert isinstance(screen, StepScreen) and screen.current == "B.1"
            await _assert_seen(pilot, "#main", ".step-title", "#kandji-url")
            # A bad Kandji URL: the reason shows where the admin looks.
            good = screen.query_one("#kandji-url", Input).value
            screen.query_one("#kandji-url", Input).value = "https://acme.kandji.io"
            await press_and_settle(pilot, "enter")
            assert screen.current == "B.1"
            await _assert_seen(pilot, "#main", "#kandji-url-message")
            screen.query_one("#kandji-url", Input).value = good
            await press_and_settle(pilot, "escape", "enter")
            assert screen.current == "B.2"
            await _assert_seen(pilot, "#main", ".step-title", "#kandji-token")
            await press_and_settle(pilot, "enter")  # pre-flight, then step 1
            assert screen.current == "1"
            await _assert_seen(pilot, "#main", "#okta-token")
            await press_and_settle(pilot, "enter")
            assert screen.current == "2"
            await _assert_seen(pilot, "#main", "#field-label")
            await press_and_settle(pilot, "enter")  # the app is created: 2–8 done
            assert screen.current == "9"
            await _assert_seen(pilot, "#main", "#link", "#detection")
            await press_and_settle(pilot, "enter")
            assert screen.current == "10.1"
            await pilot.pause(0.2)  # the first look at Okta
            await _assert_seen(pilot, "#main", "#link", "#copy-kandji_base_url", "#detection", "#confirm")
            for expected in ("10.1", "11", "12"):
                assert screen.current == expected and "demo console" in _main(app)
                await press_and_settle(pilot, "enter")
            assert screen.current == "15"
            await _assert_seen(pilot, "#main", "#field-name")
            await press_and_settle(pilot, "enter")
            assert screen.current == "17"
            await _assert_seen(pilot, "#main", "#skip-optional", "#field-login", "#field-password")
            # An API step's error is in view too: a new person needs a password.
            password = screen.query_one("#field-password", Input)
            kept = password.value
            password.value = ""
            await press_and_settle(pilot, "enter")
            assert screen.current == "17"
            await _assert_seen(pilot, "#main", "#action-box .result")
            assert "password" in str(screen.query_one("#action-box .result", Static).render())
            password.value = kept
            await press_and_settle(pilot, "enter")
            assert screen.current == "19"
            await press_and_settle(pilot, "enter")
            assert screen.current == "24"
            assert _main(app).startswith("Prove it")
            await _assert_seen(pilot, "#main", "#action-box .plan")
            await press_and_settle(pilot, "enter")
            assert isinstance(app.screen, FinishScreen)
            await _assert_seen(pilot, "#quit", "#forget-token", "#finish-summary")
            assert app.focused is app.screen.query_one("#quit")  # Enter quits
            app.screen.query_one("#forget-token").focus()  # as Tab would reach it
            await press_and_settle(pilot, "enter")
            assert "deleted" in str(app.screen.query_one("#token-message", Static).render())
            await _assert_seen(pilot, "#token-message", "#quit")


async def test_step_24_failure_and_its_fix_are_in_view() -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            for _ in range(5):  # start, B.1, B.2, 1, 2 → 9
                await press_and_settle(pilot, "enter")
            screen = app.screen
            assert isinstance(screen, StepScreen) and screen.current == "9"
            await press_and_settle(pilot, "enter")
            app_id = app.session.state.steps["8"].evidence["app_id"]
            demo.console.configure_scim_connection(app_id, demo.kandji_base_url, "not-the-kandji-token")
            await press_and_settle(pilot, "c")  # 10.x confirmed by the admin
            await press_and_settle(pilot, "c")  # 11
            for _ in range(4):  # 12–14, 15, 17, 19
                await press_and_settle(pilot, "enter")
            assert screen.current == "24"
            await press_and_settle(pilot, "enter")
            assert isinstance(app.screen, StepScreen)
            await _assert_seen(pilot, "#main", "#fixes Button")


async def test_page_keys_and_arrows_scroll_the_step_panel() -> None:
    app = WizardApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_setup(pilot)
        await go_to(pilot, "17")
        panel = screen.query_one(StepPanel)
        assert panel.max_scroll_y > 0 and panel.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert panel.scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert panel.scroll_y == 0
        await pilot.press("down")
        await pilot.pause()
        assert panel.scroll_y == 1
        await pilot.press("up")
        await pilot.pause()
        assert panel.scroll_y == 0


# Every letter, digit, ? and space, one at a time. Two tests, one per screen, so that the ~130
# settled keypresses run side by side under xdist rather than as the suite's longest test.
KEYS = [*string.ascii_letters, *string.digits, "question_mark", "space"]


async def test_no_letter_key_edits_the_prefilled_org_url_on_the_start_screen() -> None:
    app = WizardApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        start = app.screen
        start.query_one("#org-url", Input).value = "acme.okta.com"
        for key in KEYS:
            await pilot.press(key)
            await pilot.pause()
            if app.screen is not start:  # ? opened help
                await pilot.press("escape")
                await pilot.pause()
            assert start.query_one("#org-url", Input).value == "acme.okta.com", key
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StepScreen)
        assert app.session.state.org_host == "acme.okta.com"  # the value set before the keys


async def test_no_letter_key_edits_a_prefilled_field_on_an_api_step() -> None:
    app = WizardApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_setup(pilot)
        await go_to(pilot, "2")
        assert screen.query_one("#field-label", Input).value == "Kandji SCIM App"
        for key in KEYS:
            await pilot.press(key)
            await pilot.pause()
            if app.screen is not screen:  # help, or the finish screen
                app.pop_screen()
                await pilot.pause()
            if screen.current != "2":  # n, b, d moved on
                await go_to(pilot, "2")
            assert screen.query_one("#field-label", Input).value == "Kandji SCIM App", key
        assert app.session.state.settings.app_label == "Kandji SCIM App"
        # Entering the field on purpose: typing goes in, and nothing was selected to replace.
        field = screen.query_one("#field-label", Input)
        field.focus()
        await pilot.press("end", "space", "2")
        assert field.value == "Kandji SCIM App 2"
        await settle_engine(pilot)
