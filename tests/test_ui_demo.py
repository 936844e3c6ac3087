"""The whole setup in the TUI against the demo services (Okta simulator + SCIM server), and
what the screens do when Okta or Kandji answer badly."""

from __future__ import annotations

import keyring
from keyring.backends import null
from textual.widgets import Input, Static

from screens.app import WizardApp
from screens.finish_screen import FinishScreen
from screens.start_screen import StartScreen
from screens.step_screen import StepScreen
from tests.ui_support import demo_console, press_and_settle, settle, settle_engine
from wizard.catalog import EXPECTED_NUMBERS
from wizard.demo.scim_server import ScimServer
from wizard.demo.services import DemoServices
from wizard.state import StepStatus


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _to_step_9(pilot, app: WizardApp) -> StepScreen:
    """Start screen → B.1 → B.2 → 1 → 2–8, each with the demo's pre-filled values."""
    await settle(pilot)
    await press_and_settle(pilot, "enter")  # org URL
    screen = app.screen
    assert isinstance(screen, StepScreen) and screen.current == "B.1"
    await press_and_settle(pilot, "enter")  # Kandji URL → B.2
    assert screen.current == "B.2"
    await press_and_settle(pilot, "enter")  # token: pre-flight, keyring → 1
    assert screen.current == "1", _text(screen, "#kandji-token-message")
    await press_and_settle(pilot, "enter")  # Okta API token → 2
    assert screen.current == "2", _text(screen, "#action-box .result")
    await press_and_settle(pilot, "enter")  # app label: run the plan → 9
    assert screen.current == "9", _text(screen, "#action-box .result")
    return screen


async def _to_step_b2(pilot, app: WizardApp, kandji_url: str) -> StepScreen:
    """A new setup for acme.okta.com with the given Kandji URL saved at B.1."""
    await settle(pilot)
    app.screen.query_one("#org-url", Input).value = "acme.okta.com"
    await press_and_settle(pilot, "enter")
    screen = app.screen
    assert isinstance(screen, StepScreen)
    screen.query_one("#kandji-url", Input).value = kandji_url
    await press_and_settle(pilot, "enter")
    return screen


# Where each Enter of the demo lands: the start screen's, then one per step shown.
DEMO_WALK = ("B.1", "B.2", "1", "2", "9", "10.1", "11", "12", "15", "17", "19", "24")


async def test_demo_from_start_screen_to_finish_with_every_step_proved() -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            presses = 0
            await press_and_settle(pilot, "enter")  # the org URL
            presses += 1
            screen = app.screen
            assert isinstance(screen, StepScreen)
            for number in DEMO_WALK:
                assert screen.current == number, _text(screen, "#action-box .result")
                await press_and_settle(pilot, "enter")
                presses += 1
            assert isinstance(app.screen, FinishScreen)
            assert presses == 13  # the budget: at most 13 keypresses
            summary = _text(app.screen, "#finish-summary")
            assert "1 of 1 users provisioned" in summary and "one-way and push-based" in summary
            steps = app.session.state.steps
            assert [n for n in EXPECTED_NUMBERS if steps[n].status != StepStatus.DONE] == []
            assert all(steps[n].evidence for n in EXPECTED_NUMBERS)
            report = app.session.path.with_name(app.session.path.stem + ".report.md").read_text()
            assert "Users in Kandji: 1 of 1" in report
            # Okta now holds the token: the finish screen offers to delete the wizard's copy.
            assert app.read_kandji_token() is not None
            app.screen.query_one("#forget-token").press()
            await settle_engine(pilot)
            assert "token is deleted from this run's memory" in _text(app.screen, "#token-message")
            assert app.read_kandji_token() is None
            state_bytes = app.session.path.read_text()
        kandji_users = [user["userName"] for user in demo.scim.users()]
        assert kandji_users == [demo.test_person.login]
        for secret in (demo.api_token, demo.kandji_token, demo.test_person.password):
            assert secret.get_secret_value() not in state_bytes
            assert secret.get_secret_value() not in report


async def test_console_step_moves_on_by_itself_when_okta_shows_it(ui_time) -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _to_step_9(pilot, app)
            for _ in range(100):  # the first look
                if ui_time.sleeping():
                    break
                await pilot.pause(0.01)
            assert ui_time.sleeping() == [ui_time.now + 2.0]  # the next look is 2 s away
            assert "…" in _text(screen, "#detection")  # polling, not seen yet
            step_9 = app.session.state.steps.get("9")
            assert step_9 is None or step_9.status != StepStatus.DONE
            # The admin ticks "Enable SCIM provisioning" in the (simulated) Admin Console.
            demo.console.enable_scim(app.session.state.steps["8"].evidence["app_id"])
            ui_time.advance(1.9)
            await pilot.pause()
            assert screen.current == "9"  # not looked again yet
            ui_time.advance(0.1)  # the re-poll
            for _ in range(100):
                await pilot.pause(0.01)
                if screen.current != "9":
                    break
            await settle_engine(pilot)
            assert screen.current == "10.1"
            assert app.session.state.steps["9"].status == StepStatus.DONE


async def test_what_cannot_be_detected_is_confirmed_by_the_admin() -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _to_step_9(pilot, app)
            await demo_console(pilot)
            assert screen.current == "10.1"
            await pilot.pause(0.5)
            detection = _text(screen, "#detection")
            assert "The Bearer token is the Kandji token (you confirm)" in detection
            assert "may not show" in detection  # push actions: Okta may not report them
            await press_and_settle(pilot, "escape", "c")
            assert screen.current == "11"
            evidence = app.session.state.steps["10.4"].evidence
            assert "Authentication Mode is HTTP Header" in evidence["confirmed_by_admin"]


async def test_step_24_names_the_fix_when_kandji_rejects_oktas_token() -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _to_step_9(pilot, app)
            await demo_console(pilot)  # 9
            app_id = app.session.state.steps["8"].evidence["app_id"]
            # The admin pastes a wrong token into Okta's SCIM connection (step 10.5).
            demo.console.configure_scim_connection(app_id, demo.kandji_base_url, "not-the-kandji-token")
            await press_and_settle(pilot, "escape", "c")  # 10.x confirmed → 11
            await press_and_settle(pilot, "escape", "c")  # 11 confirmed → 12
            await demo_console(pilot)  # 12–14
            await press_and_settle(pilot, "enter")  # 15
            await press_and_settle(pilot, "enter")  # 17
            await press_and_settle(pilot, "enter")  # 19 → 24
            assert screen.current == "24"
            await press_and_settle(pilot, "enter")  # prove it
            assert isinstance(app.screen, StepScreen)
            fixes = " ".join(str(w.render()) for w in screen.query("#fixes Static"))
            assert "10.5" in fixes or "token" in fixes.lower()
            button = screen.query_one("#fixes Button")
            assert "10.5" in str(button.label)
            button.press()
            await pilot.pause()
            assert screen.current == "10.5"
            assert app.session.state.steps["24"].status == StepStatus.FAILED


async def test_resume_rechecks_okta_and_recreates_a_deleted_app() -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await _to_step_9(pilot, app)
            app_id = app.session.state.steps["8"].evidence["app_id"]
            await pilot.press("ctrl+q")
        # Someone deletes the app in the Admin Console while the wizard is closed.
        demo.okta_simulator.tenant.apps.pop(app_id)
        again = WizardApp(demo=demo)
        async with again.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            start = again.screen
            assert isinstance(start, StartScreen)
            await press_and_settle(pilot, "enter")
            screen = again.screen
            assert isinstance(screen, StepScreen)
            await settle_engine(pilot)
            assert again.session.state.steps["8"].status == StepStatus.PENDING
            assert screen.current == "2"
            await press_and_settle(pilot, "enter")  # run the plan again: one new app
            labels = [a["label"] for a in demo.okta_simulator.tenant.apps.values()]
            assert labels.count("Kandji SCIM App") == 1
            assert again.session.state.steps["8"].evidence["app_id"] != app_id


async def test_keyring_unavailable_keeps_the_token_in_memory_with_a_warning(tmp_path) -> None:
    keyring.set_keyring(null.Keyring())  # accepts and loses everything
    token = "kandji-test-token-" + "x" * 24
    with ScimServer(token) as scim:
        app = WizardApp(allow_insecure_loopback=True)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _to_step_b2(pilot, app, scim.base_url)
            assert screen.current == "B.2"
            warning = _text(screen, "#keyring-warning")
            assert "no usable keyring" in warning.lower()
            screen.query_one("#kandji-token", Input).value = token
            await press_and_settle(pilot, "enter")
            assert screen.current == "B.2"  # stays, so the warning is read
            assert "memory for this run only" in _text(screen, "#kandji-token-message")
            assert app.read_kandji_token() == token
            record = app.session.state.steps["B.2"]
            assert record.status == StepStatus.DONE and record.evidence["stored_in"].startswith("memory")
            assert app.session.state.settings.secrets_memory_only
            assert token not in app.session.path.read_text()


async def test_a_token_failing_the_preflight_is_not_stored_unless_the_admin_insists() -> None:
    with ScimServer("the-right-token-" + "y" * 20) as scim:
        app = WizardApp(allow_insecure_loopback=True)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _to_step_b2(pilot, app, scim.base_url)
            screen.query_one("#kandji-token", Input).value = "a-wrong-token-" + "z" * 20
            await press_and_settle(pilot, "enter")
            assert screen.current == "B.2"
            assert "not stored" in _text(screen, "#kandji-token-message")
            assert app.read_kandji_token() is None
            keep = screen.query_one("#keep-token")
            assert keep.display
            keep.press()
            await settle_engine(pilot)
            assert app.read_kandji_token() == "a-wrong-token-" + "z" * 20
            assert app.session.state.settings.token_kept_despite_failed_preflight


def test_forget_removes_the_report_written_beside_the_state(tmp_path) -> None:
    from wizard.report import write_report
    from wizard.state import StateStore

    store = StateStore(tmp_path)
    with store.open("https://acme.okta.com", "acme.okta.com") as session:
        report = write_report(session.state, session.path)
        assert report.read_text().startswith("# Okta → Kandji SCIM setup: acme.okta.com")
        assert oct(report.stat().st_mode & 0o777) == "0o600"
    assert store.delete("acme.okta.com")
    assert not report.exists() and not session.path.exists()
