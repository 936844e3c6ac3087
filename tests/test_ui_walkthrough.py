"""Pilot tests: the whole procedure walked by hand, quitting and resuming, skipping 17–18."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from textual.widgets import Input, OptionList, Static

from screens.app import WizardApp
from screens.start_screen import StartScreen
from screens.step_screen import StepScreen
from tests.ui_support import go_to, open_setup, settle
from wizard.catalog import EXPECTED_NUMBERS
from wizard.paths import state_dir


def _saved(host: str = "acme.okta.com") -> dict:
    return json.loads((state_dir() / f"{host}.json").read_text())


async def test_walk_every_step_by_hand_to_the_end() -> None:
    app = WizardApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_setup(pilot)
        seen = []
        for _ in EXPECTED_NUMBERS:
            seen.append(screen.current)
            await pilot.press("escape", "d")  # escape leaves the step's input field, if any
            await pilot.pause()
        assert tuple(seen) == EXPECTED_NUMBERS
        assert screen.current == "24"
        progress = str(screen.query_one("#progress", Static).render())
        assert "32 of 32 · 32 complete" in progress
    saved = _saved()
    assert {n: r["status"] for n, r in saved["steps"].items()} == dict.fromkeys(EXPECTED_NUMBERS, "done")


async def test_quit_midway_and_resume_at_the_same_step() -> None:
    app = WizardApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup(pilot)
        for _ in range(14):  # B.1 … 10.3 done; now on 10.4
            await pilot.press("escape", "d")
        await pilot.pause()
        assert screen.current == "10.4"
        screen.query_one("#check-0").value = True  # a ticked checklist item survives too
        await pilot.pause()
        await pilot.press("ctrl+q")
    assert not app.is_running
    before = _saved()
    assert before["current_step"] == "10.4"

    again = WizardApp()
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        start = again.screen
        assert isinstance(start, StartScreen)
        listing = start.query_one("#tenants", OptionList)
        assert listing.option_count == 1
        assert "acme.okta.com" in str(listing.get_option_at_index(0).prompt)
        assert "10.4" in str(listing.get_option_at_index(0).prompt)
        listing.focus()
        await pilot.press("enter")
        await settle(pilot)
        screen = again.screen
        assert isinstance(screen, StepScreen)
        assert screen.current == "10.4"
        assert screen.query_one("#check-0").value is True
        statuses = {n: r.status.value for n, r in again.session.state.steps.items()}
        assert statuses == {n: r["status"] for n, r in before["steps"].items()}
        assert "Step 10.4 · 15 of 32 · 14 complete" in str(screen.query_one("#progress", Static).render())


async def test_skip_17_and_18_when_users_already_exist() -> None:
    app = WizardApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_setup(pilot)
        screen = await go_to(pilot, "17")
        assert screen.query_one("#skip-optional").display
        await pilot.press("escape", "k")  # the form has the cursor first
        await pilot.pause()
        assert screen.current == "19"
        assert not screen.query_one("#skip-optional").display
    saved = _saved()
    for number in ("17", "18.1", "18.2", "18.3"):
        assert saved["steps"][number]["status"] == "skipped"
    assert saved["settings"]["users_already_exist"] is True


async def test_marking_done_keeps_the_note() -> None:
    app = WizardApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_setup(pilot)
        await go_to(pilot, "15")
        screen.query_one("#note", Input).value = "used the existing group 'Mac users'"
        await pilot.press("escape", "d")
        await pilot.pause()
        assert screen.current == "16"
    assert _saved()["steps"]["15"]["note"] == "used the existing group 'Mac users'"


async def test_a_second_run_on_the_same_tenant_is_refused(tmp_path: Path) -> None:
    holder = textwrap.dedent(
        """
        import sys, time
        from wizard.state import StateStore
        session = StateStore().open("https://acme.okta.com", "acme.okta.com")
        print("locked", flush=True)
        sys.stdin.read()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        app = WizardApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.screen.query_one("#org-url", Input).value = "acme.okta.com"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, StartScreen)
            message = str(app.screen.query_one("#org-url-message", Static).render())
            assert f"pid {proc.pid}" in message
    finally:
        proc.communicate("", timeout=10)


async def test_corrupt_state_is_moved_aside_and_reported() -> None:
    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "acme.okta.com.json").write_text('{"schema_version": 1, "org_ho')
    app = WizardApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        report = str(app.screen.query_one("#moved-aside", Static).render())
        assert "acme.okta.com" in report and "corrupt" in report
    kept = list(folder.glob("acme.okta.com.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"schema_version": 1, "org_ho'


async def test_bad_org_url_is_refused_inline_with_the_reason() -> None:
    app = WizardApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        start = app.screen
        start.query_one("#org-url", Input).focus()  # the admin types in the field, Enter submits it
        start.query_one("#org-url", Input).value = "https://acme-admin.okta.com"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        assert "without '-admin'" in str(start.query_one("#org-url-message", Static).render())
        start.query_one("#org-url", Input).value = "login.acme.com"
        await pilot.press("enter")
        await pilot.pause()
        assert start.query_one("#confirm-custom").display
        start.query_one("#confirm-custom").value = True
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StepScreen)
        assert app.session.state.org_host == "login.acme.com"


async def test_jump_to_any_step_from_the_sidebar_and_palette() -> None:
    app = WizardApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_setup(pilot)
        sidebar = screen.query_one("#sidebar", OptionList)
        sidebar.focus()
        sidebar.highlighted = 20  # step 15
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current == "15"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"step 10.4")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current == "10.4"


async def test_sidebar_collapses_at_80_columns_and_toggles() -> None:
    app = WizardApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup(pilot)
        sidebar = screen.query_one("#sidebar")
        assert not sidebar.display or sidebar.region.width == 0
        await pilot.press("escape", "s")  # B.1 starts in its URL field
        await pilot.pause()
        assert sidebar.region.width > 0
        await pilot.press("s")
        await pilot.pause()
        assert sidebar.region.width == 0
    wide = WizardApp()
    async with wide.run_test(size=(200, 50)) as pilot:
        screen = await open_setup(pilot)
        assert screen.query_one("#sidebar").region.width >= 40
        assert screen.query_one("#panel").region.width >= 140


async def test_help_opens_with_f1_and_question_mark() -> None:
    app = WizardApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_setup(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")  # closes help; focus is back in B.1's URL field
        await pilot.pause()
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
