"""The TUI's day-two screens: "Check an existing integration" from the start screen against the
demo's seeded hand-made integration, "Compare all users" from there, and snapshots of the
findings screen and the progress bar at 80×24 (fixed data: no clocks, no ports)."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from screens.app import WizardApp
from screens.doctor_screen import DoctorScreen
from screens.reconcile_screen import ReconcileScreen
from tests.ui_support import no_blink, settle
from wizard.demo.services import DemoServices
from wizard.doctor.model import Check, DoctorReport, Finding
from wizard.reconcile.model import Progress

LINK = "https://acme-admin.okta.com/admin/app/acme_kandjiscimapp_1/instance/0oa1kandji0000000001/#tab-provisioning"
REPORT = DoctorReport(
    org="acme.okta.com",
    app={"id": "0oa1kandji0000000001", "label": "Kandji SCIM App", "name": "acme_kandjiscimapp_1"},
    located_by="the only candidate",
    since="2026-11-24T00:00:00+00:00",
    checks=[
        Check("app", "The app", "2–8", "ok"),
        Check("scim", "SCIM provisioning enabled", "9", "ok"),
        Check("connection", "SCIM connection", "10.1–10.5", "ok"),
        Check("push", "To App push settings", "12–14", "warn"),
        Check("groups", "Assigned groups", "15–21", "fail"),
        Check("profile", "Assignment profile", "22", "ok"),
        Check("app-users", "App users", "24", "fail"),
        Check("system-log", "System Log", "24", "fail"),
        Check("kandji", "Kandji", "B.2, 24", "ok"),
    ],
    findings=[
        Finding(
            "low",
            "37 users assigned directly, not via the group",
            "37 app users have scope USER [E0000011]",
            "Put them in the group (step 18.1) and remove their direct assignment.",
            "19",
            LINK.replace("provisioning", "assignments"),
        ),
        Finding(
            "critical",
            "Kandji refuses Okta's token (812 failures in the last 7 days)",
            "2026-11-30T09:12:44.000Z application.provision.user.push e.g. ada@acme.com: "
            "Authentication failed: the SCIM server answered 401 to POST /Users",
            "Copy the Kandji token again into the Bearer field on the app's Provisioning › "
            "Integration page (step 10.5), Save, and retry.",
            "10.5",
            LINK,
        ),
        Finding(
            "high",
            "group 'Kandji Users' has 0 members",
            "group 00g1kandjiusers00001 is assigned to the app but has no members",
            "Add the people who need Kandji to the group (step 18.1).",
            "18.1",
            "https://acme-admin.okta.com/admin/group/00g1kandjiusers00001",
        ),
        Finding(
            "critical",
            "To App Create Users is off",
            "USER_PROVISIONING create.lifecycleCreate DISABLED",
            "On Provisioning › To App click Edit, enable Create Users and Save (step 12).",
            "12",
            LINK,
        ),
    ],
)
PROGRESS = Progress(
    "kandji", okta_read=50_000, kandji_read=21_000, kandji_total=49_250, okta_total=50_000, elapsed=84.0
)


def _push(screen_factory):
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.app.push_screen(screen_factory())
        await settle(pilot)
        no_blink(pilot.app)  # type: ignore[arg-type]

    return run_before


def test_findings_screen_80x24(snap_compare) -> None:
    run_before = _push(lambda: DoctorScreen(report=REPORT))
    assert snap_compare(WizardApp(), terminal_size=(80, 24), run_before=run_before)


def test_reconcile_progress_80x24(snap_compare) -> None:
    def screen() -> ReconcileScreen:
        return ReconcileScreen(None, REPORT.app["id"], "Kandji SCIM App", progress=PROGRESS)

    assert snap_compare(WizardApp(), terminal_size=(80, 24), run_before=_push(screen))


async def test_findings_are_ranked_and_the_highlighted_one_is_explained() -> None:
    app = WizardApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(DoctorScreen(report=REPORT))
        await settle(pilot)
        listing = app.screen.query_one("#findings", OptionList)
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        badges = [next(b for b in ("CRIT", "HIGH", "MED", "LOW") if b in p) for p in prompts]
        assert badges == ["CRIT", "CRIT", "HIGH", "LOW"]
        assert "10.5" in prompts[0] and "Create Users" in prompts[1]  # critical ones in the article's order
        detail = app.screen.query_one("#finding-detail", Static)
        assert "Kandji refuses Okta's token" in str(detail.render())
        await pilot.press("down", "down")
        assert "0 members" in str(detail.render())
        await pilot.press("down")
        assert "[E0000011]" in str(detail.render())  # Okta's words shown as text, brackets too
        # Everything the admin acts on is on the 80×24 screen without scrolling.
        screen_region = app.screen.region
        assert screen_region.contains_region(detail.region) and screen_region.contains_region(listing.region)


async def test_check_an_existing_integration_then_compare_all_users(tmp_path: Path) -> None:
    with DemoServices() as demo:
        app = WizardApp(demo=demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.click("#check-existing")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DoctorScreen) and screen.report is not None
            first = screen.report.ranked()[0]
            assert (first.severity, first.step) == ("critical", "10.5")
            assert any(f.title == "group 'Kandji Pilot' has 0 members" for f in screen.report.findings)
            await pilot.press("c")
            await settle(pilot)
            compare = app.screen
            assert isinstance(compare, ReconcileScreen) and compare.summary is not None
            seeded = demo.existing_integration.expected
            assert compare.summary.missing == seeded["missing"]
            assert compare.summary.orphans == seeded["orphans"]
            written = demo.state_dir / "okta-kandji-reconcile-127.0.0.1.csv"
            assert written.is_file() and written.read_text().count("\nmissing,") == seeded["missing"]
            result = str(app.screen.query_one("#reconcile-result", Static).render())
            assert "missing in Kandji" in result
            await pilot.press("escape")
            assert isinstance(app.screen, DoctorScreen)
