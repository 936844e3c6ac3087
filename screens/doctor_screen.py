"""Check an existing integration (made by the wizard or by hand): doctor's ranked findings,
and from there "Compare all users" (reconcile)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import SecretStr
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from screens.base import WizardScreen
from screens.widgets.action_text import escape
from screens.widgets.findings_view import FindingsView
from screens.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from wizard.doctor.access import IntegrationAccess
    from wizard.doctor.model import DoctorReport
    from wizard.okta.domains import OrgUrl

SINCE = timedelta(days=7)


class DoctorScreen(WizardScreen):
    DEFAULT_CSS = """
    DoctorScreen #doctor-head { height: auto; padding: 0 1; text-style: bold; }
    DoctorScreen #doctor-status { height: auto; padding: 0 1; }
    DoctorScreen #doctor-token-row { height: auto; padding: 0 1; }
    DoctorScreen #doctor-token { width: 1fr; }
    """
    BINDINGS = [
        Binding("escape,b", "back", "Back", id="doctor-back"),
        Binding("c", "compare", "Compare all users", id="doctor-compare"),
        Binding("r", "recheck", "Recheck", id="doctor-recheck"),
        Binding("p", "prove", "Prove delivery", id="doctor-prove"),
    ]

    def __init__(self, org: OrgUrl | None = None, *, report: DoctorReport | None = None) -> None:
        super().__init__()
        self.org = org
        self.report = report
        self.access: IntegrationAccess | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        yield Static("Check an existing integration", id="doctor-head")
        yield Static("", id="doctor-status")
        with Horizontal(id="doctor-token-row"):
            yield Input(
                placeholder="Okta API token (kept for this run only)", password=True, id="doctor-token"
            )
            yield Button("Check", id="doctor-run", variant="primary", compact=True)
        yield FindingsView()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#doctor-token-row").display = False
        if self.report is not None:
            self._show(self.report)
            return
        self._start()

    # -- running -------------------------------------------------------------------------------
    def _start(self, app_id: str | None = None) -> None:
        from wizard.doctor.access import for_demo, for_org

        wizard = self.wizard
        if wizard.demo is not None:
            self.access = for_demo(wizard.demo)
        elif self.org is not None:
            self.access = for_org(self.org, wizard.secrets, wizard.store)
        if self.access is None:
            self._status("[red]Enter your Okta org URL on the start screen first.[/]")
            return
        if not self.access.has_credentials:
            self._status(
                f"No Okta API token is stored for {self.access.org.host}. Paste one (read-only use; "
                "kept in memory for this run only), then Enter."
            )
            self.query_one("#doctor-token-row").display = True
            self.query_one("#doctor-token", Input).focus()
            return
        self._status(f"Checking {escape(self.access.label)} — read-only…")
        self.refresh_bindings()
        self.run_doctor(app_id)

    @on(Input.Submitted, "#doctor-token")
    @on(Button.Pressed, "#doctor-run")
    def _token_given(self) -> None:
        from wizard.doctor.access import with_api_token

        field = self.query_one("#doctor-token", Input)
        token = field.value.strip()
        if not token or self.access is None:
            return
        field.value = ""
        self.access.open_okta = with_api_token(self.access.org, SecretStr(token))
        self.access.has_credentials = True
        self.query_one("#doctor-token-row").display = False
        self._status(f"Checking {escape(self.access.label)} — read-only…")
        self.run_doctor(None)

    @work(exclusive=True, group="doctor", exit_on_error=False, description="checking the integration")
    async def run_doctor(self, app_id: str | None) -> None:
        from wizard.doctor.locate import IntegrationAmbiguous, IntegrationNotFound
        from wizard.doctor.run import diagnose
        from wizard.engine.errors import EngineError
        from wizard.okta.errors import OktaError

        access = self.access
        assert access is not None
        try:
            okta = await access.open_okta()
        except (EngineError, LookupError) as exc:
            self._status(f"[red]{escape(str(exc))}[/]")
            return
        try:
            report = await diagnose(
                okta,
                access.org,
                since=datetime.now(UTC) - SINCE,
                kandji=access.kandji,
                app_id=app_id,
                saved_app_id=access.saved_app_id,
            )
        except IntegrationAmbiguous as exc:
            self.query_one("#doctor-status", Static).display = False
            view = self.query_one(FindingsView)
            view.show_candidates(exc.candidates)
            view.focus_list()
            return
        except (IntegrationNotFound, OktaError) as exc:
            self._status(f"[red]{escape(str(exc))}[/]")
            return
        finally:
            await okta.aclose()
        self._show(report)

    @on(FindingsView.Chosen)
    def _chosen(self, event: FindingsView.Chosen) -> None:
        self._status("Checking the chosen app — read-only…")
        self.run_doctor(event.app_id)

    # -- showing -------------------------------------------------------------------------------
    def _show(self, report: DoctorReport) -> None:
        self.report = report
        app = report.app
        count = len(report.findings)
        verdict = (
            "[green]healthy[/]"
            if report.healthy
            else f"[red]{count} finding{'s' * (count != 1)}[/], most severe first"
        )
        self.query_one("#doctor-head", Static).update(
            f"{escape(str(app.get('label')))} [dim]{escape(str(app.get('id')))}[/] — {verdict}"
        )
        self.query_one("#doctor-status", Static).display = False
        view = self.query_one(FindingsView)
        view.show(report)
        view.focus_list()

    def _status(self, text: str) -> None:
        status = self.query_one("#doctor-status", Static)
        status.display = True
        status.update(text)

    # -- actions -------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_recheck(self) -> None:
        if self.access is not None:
            self._start(str(self.report.app.get("id")) if self.report else None)

    def action_compare(self) -> None:
        from screens.reconcile_screen import ReconcileScreen

        if self.report is None or self.access is None:
            self.notify("Check the integration first: compare needs the app.", severity="warning")
            return
        if self.access.kandji.url is None or self.access.kandji.token is None:
            self.notify(
                "Comparing needs Kandji's SCIM URL and token; neither is stored for this org.",
                severity="warning",
            )
            return
        self.app.push_screen(
            ReconcileScreen(self.access, str(self.report.app["id"]), str(self.report.app["label"]))
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # "Prove delivery" only where there is a setup of this wizard's to prove (issue 14).
        if action == "prove":
            return self.access is not None and self.access.saved_app_id is not None
        return True

    def action_prove(self) -> None:
        """After doctor, the canary (issue 14) on the setup this wizard saved for the org."""
        if self.access is None or self.access.saved_app_id is None:
            self.notify(
                "The canary needs a setup saved by this wizard: it changes that setup's test person.",
                severity="warning",
            )
            return
        self.wizard.open_tenant(self.access.org, then="canary")
