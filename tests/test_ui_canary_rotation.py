"""Day two in the TUI (issue 14): "Prove delivery now" on the finish screen runs the canary, and
"Rotate the Kandji token" on the start screen walks a finished setup from a regenerated token
to the canary's proof, on the demo services."""

from __future__ import annotations

from textual.widgets import Button, Static

from screens.app import WizardApp
from screens.canary_screen import CanaryScreen
from screens.finish_screen import FinishScreen
from screens.rotate_screen import RotateTokenScreen
from screens.start_screen import StartScreen
from tests.test_ui_demo import _to_step_9
from tests.ui_support import demo_console, press_and_settle, settle
from wizard.demo.services import DemoServices


async def click(pilot, button: Button) -> None:
    """Press, let the handler start its worker, then wait for the workers."""
    button.press()
    await pilot.pause()
    await settle(pilot)


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _finish(pilot, app: WizardApp) -> None:
    screen = await _to_step_9(pilot, app)
    for _ in ("9", "10.1", "11", "12"):
        await demo_console(pilot)
    for _ in ("15", "17", "19"):
        await press_and_settle(pilot, "enter")
    await press_and_settle(pilot, "enter")  # step 24: prove it
    assert isinstance(app.screen, FinishScreen), screen.current


async def test_finish_screen_proves_delivery_now_and_rotation_goes_from_outage_to_proof(ui_time) -> None:
    with DemoServices() as demo:
        demo.next_kandji_token = "kandji-rotated-in-the-tui-test-5Tg8"
        app = WizardApp(demo=demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await _finish(pilot, app)
            await press_and_settle(pilot, "p")
            assert isinstance(app.screen, CanaryScreen)
            report = _text(app.screen, "#canary-report")
            assert "Delivered: Okta → Kandji in" in report and "change:  arrived after" in report
            await press_and_settle(pilot, "escape")
            assert isinstance(app.screen, FinishScreen)

            # Back to the list of setups: the finished one may have its token rotated.
            await press_and_settle(pilot, "escape")  # the steps
            await app.close_tenant()
            await settle(pilot)
            assert isinstance(app.screen, StartScreen)
            rotate = app.screen.query_one("#rotate-token", Button)
            assert rotate.display
            await click(pilot, rotate)
            screen = app.screen
            assert isinstance(screen, RotateTokenScreen)
            await click(pilot, screen.query_one("#rotate-demo-regenerate", Button))
            assert "refuses the old one now" in _text(screen, "#rotate-stored")
            await click(pilot, screen.query_one("#rotate-store", Button))
            assert "Kept in the keyring" in _text(screen, "#rotate-stored")
            assert app.read_kandji_token() == "kandji-rotated-in-the-tui-test-5Tg8"
            assert screen.query_one("#rotate-handoff").display
            assert "#tab-provisioning" in str(screen.query_one("#rotate-link .value", Static).render())

            # Before 10.5 the canary fails and names it; the demo console then does 10.5.
            await click(pilot, screen.query_one("#rotate-prove", Button))
            assert isinstance(app.screen, CanaryScreen)
            assert "step 10.5" in _text(app.screen, "#canary-report")
            await press_and_settle(pilot, "escape")
            assert "Not proved yet" in _text(screen, "#rotate-proof")
            await click(pilot, screen.query_one("#rotate-demo-console", Button))
            await pilot.pause()
            await settle(pilot)  # the console's worker opens the canary, whose worker runs next
            assert isinstance(app.screen, CanaryScreen)
            assert "Delivered" in _text(app.screen, "#canary-report")
            await press_and_settle(pilot, "escape")
            assert "Rotation proved" in _text(screen, "#rotate-proof")
            rotations = app.session.state.day_two.rotations
            assert len(rotations) == 1 and rotations[0]["proved"] is True
            await click(pilot, screen.query_one("#rotate-forget", Button))
            assert app.read_kandji_token() is None
            # The demo keeps secrets in memory: the message says so, not "the keyring".
            assert "token is deleted from this run's memory" in _text(screen, "#rotate-proof")
            saved = app.session.path.read_text()
        assert "kandji-rotated-in-the-tui-test-5Tg8" not in saved


async def test_after_doctor_prove_delivery_opens_the_saved_setup_and_runs_the_canary(ui_time) -> None:
    from screens.doctor_screen import DoctorScreen
    from wizard.doctor.access import IntegrationAccess, KandjiSide

    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await _finish(pilot, app)
            app_id = app.session.state.steps["8"].evidence["app_id"]
            await press_and_settle(pilot, "escape")  # the steps
            await app.close_tenant()
            await settle(pilot)
            doctor = DoctorScreen(demo.org)
            app.push_screen(doctor)
            await settle(pilot)
            # Doctor found the integration of a setup this wizard saved for the org.
            doctor.access = IntegrationAccess(
                org=demo.org,
                open_okta=demo.open_okta,
                kandji=KandjiSide(demo.kandji_url, demo.kandji_token, "demo keyring", "demo"),
                saved_app_id=app_id,
            )
            doctor.refresh_bindings()
            await press_and_settle(pilot, "p")
            await settle(pilot)
            assert isinstance(app.screen, CanaryScreen)
            assert "Delivered: Okta → Kandji in" in _text(app.screen, "#canary-report")
