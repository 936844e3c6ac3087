"""Support and resume from the TUI: its Okta calls in the call log, what quitting says, Back to
the list of setups, the palette's order, a failed step 1 blocking the API steps, a token kept
through a network failure, and messages that are true (browser, demo secrets)."""

from __future__ import annotations

import json

from textual.command import CommandList, CommandPalette
from textual.widgets import Button, Input, OptionList, Static

from screens.app import WizardApp
from screens.start_screen import StartScreen
from screens.step_screen import StepScreen
from tests.ui_support import go_to, open_setup, press_and_settle, settle
from wizard.commands import calllog
from wizard.demo.services import DemoServices
from wizard.secrets import Purpose


def _main(app: WizardApp) -> str:
    return str(app.screen.query_one("#main", Button).label)


async def _to_step_1(pilot, app: WizardApp) -> StepScreen:
    await settle(pilot)
    for _ in range(3):  # start, B.1, B.2
        await press_and_settle(pilot, "enter")
    screen = app.screen
    assert isinstance(screen, StepScreen) and screen.current == "1"
    return screen


async def test_the_tuis_okta_calls_are_in_the_call_log_and_quitting_says_where_progress_is() -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await _to_step_1(pilot, app)
            await press_and_settle(pilot, "enter")  # sign in: read calls
            await press_and_settle(pilot, "enter")  # step 2: the app is created
            host = app.org.host
            await pilot.press("ctrl+q")
        lines = calllog.read_lines(calllog.log_path(demo.state, host))
        calls = [json.loads(line) for line in lines]
        assert {c["command"] for c in calls} == {"wizard"}
        assert any(c["method"] == "POST" and c["path"] == "/api/v1/apps" for c in calls)
        assert "does not resume" in app.farewell and "make demo" in app.farewell


async def test_quitting_a_real_setup_says_where_it_is_saved_and_how_to_resume() -> None:
    app = WizardApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_setup(pilot)
        await go_to(pilot, "10.4")
        path = app.session.path
        await pilot.press("ctrl+q")
    assert "acme.okta.com" in app.farewell and "step 10.4" in app.farewell
    assert path.name in app.farewell and "To resume" in app.farewell


async def test_back_from_b1_returns_to_the_list_of_setups() -> None:
    app = WizardApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup(pilot)
        assert screen.current == "B.1"
        assert str(screen.query_one("#back", Button).label) == "◀ Setups"
        await pilot.press("b")
        await settle(pilot)
        start = app.screen
        assert isinstance(start, StartScreen) and app.session is None
        listing = start.query_one("#tenants", OptionList)
        assert listing.option_count == 1 and app.focused is listing
        await pilot.press("enter")  # resume it again: the lock was released
        await settle(pilot)
        assert isinstance(app.screen, StepScreen)


async def test_the_palette_lists_the_steps_first(monkeypatch) -> None:
    import asyncio

    from screens.step_commands import StepCommands

    original = StepCommands.discover

    async def late(self):  # the steps answer after Textual's own commands
        for _ in range(50):  # a few turns of the event loop, no real time
            await asyncio.sleep(0)
        async for hit in original(self):
            yield hit

    monkeypatch.setattr(StepCommands, "discover", late)
    app = WizardApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_setup(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.5)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        commands = palette.query_one(CommandList)
        first = [str(commands.get_option_at_index(i).prompt) for i in range(3)]
        assert first[0].startswith("Go to step B.1") and first[1].startswith("Go to step B.2"), first


async def test_a_failed_step_1_blocks_the_api_steps_and_a_kept_token_is_retried() -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _to_step_1(pilot, app)
            # The network is down: every read of step 1 has its connection dropped.
            for path in ("/api/v1/users/me", "/api/v1/org"):
                demo.okta_simulator.inject(path, drop=True, times=50)
            await press_and_settle(pilot, "enter")
            assert screen.current == "1"
            result = str(screen.query_one("#action-box .result", Static).render())
            assert "The token you gave is kept" in result
            assert "Go back to step 1" not in result  # it is step 1
            assert app.secrets.get(app.org.host, Purpose.OKTA_API_TOKEN) is not None
            assert screen.query_one("#okta-token", Input).value == ""
            await press_and_settle(pilot, "n")
            assert screen.current == "2"
            assert _main(app).startswith("Step 1 failed: fix it first")
            await press_and_settle(pilot, "enter")
            assert screen.current == "1"
            # The network is back: Enter checks the kept token; nothing is pasted again.
            demo.okta_simulator.clear_faults()
            await press_and_settle(pilot, "enter")
            assert screen.current == "2", str(screen.query_one("#action-box .result", Static).render())
            assert _main(app).startswith("Run")


async def test_a_browser_that_cannot_open_is_said_and_copy_is_offered(monkeypatch) -> None:
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await _to_step_1(pilot, app)
            for _ in range(2):  # sign in, create the app → 9
                await press_and_settle(pilot, "enter")
            app.screen.query_one("#link #open-link", Button).press()
            await settle(pilot)
            messages = [n.message for n in app._notifications]
            assert any("No browser could be opened here" in m and "Copy" in m for m in messages)
            assert not any("Opened in the browser" in m for m in messages)


async def test_the_demo_says_its_token_stays_in_memory() -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await _to_step_1(pilot, app)
            assert app.session.state.settings.secrets_memory_only
            assert app.session.state.steps["B.2"].evidence["stored_in"].startswith("memory")
            messages = " ".join(n.message for n in app._notifications)
            assert "keyring" not in messages and "in memory until you quit" in messages


async def test_documentation_placeholders_are_refused_as_the_org_url() -> None:
    app = WizardApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        start = app.screen
        field = start.query_one("#org-url", Input)
        assert field.value == "" and "okta.com" not in field.placeholder  # the hint looks like no value
        field.focus()
        for url in ("https://<your-org>.okta.com", "https://your-org.okta.com"):
            field.value = url
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, StartScreen), url
            assert "placeholder" in str(start.query_one("#org-url-message", Static).render())
