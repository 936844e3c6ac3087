"""The first screen: resume a tenant in progress, or start a new setup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import WizardScreen
from screens.widgets.key_footer import KeyFooter
from wizard.okta.domains import CustomDomainNeedsConfirmation, OrgUrl, OrgUrlError, parse_org_url

if TYPE_CHECKING:
    from wizard.state import MovedAside, TenantSummary

INTRO = (
    "This wizard connects Okta to Kandji over SCIM so that Okta provisions your users into "
    "Kandji. It follows Kandji's 24-step article with the same step numbers and saves your "
    "progress after every step. Enter does what the highlighted button says; F1 is help."
)


class StartScreen(WizardScreen):
    def __init__(self) -> None:
        super().__init__()
        self.tenants: list[TenantSummary] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll(id="start"):
            yield Static(INTRO, id="intro")
            yield Label("Setups in progress", classes="section")
            yield Static("Looking for saved setups…", id="tenants-empty")
            yield OptionList(id="tenants")
            yield Static("", id="moved-aside", classes="warning")
            yield Button("Rotate the Kandji token of the highlighted setup", id="rotate-token", compact=True)
            yield Label("New setup", classes="section")
            with Vertical(id="new-setup"):
                yield Static("Your Okta org URL, like https://yourcompany.okta.com (not the -admin one):")
                with Horizontal(classes="input-row"):
                    yield Input(placeholder="type or paste it here", id="org-url", select_on_focus=False)
                    start = Button("Start ⏎", id="start-new", variant="primary", compact=True)
                    start.active_effect_duration = 0  # Enter is never swallowed by an animation
                    yield start
                yield Checkbox("This is my org's custom domain", id="confirm-custom")
                yield Static("", id="org-url-message", classes="message")
                yield Button("Check an existing integration", id="check-existing", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#tenants", OptionList).display = False
        self.query_one("#confirm-custom", Checkbox).display = False
        # Focus on the button, never in the field: a stray key must not edit the URL.
        self.query_one("#start-new", Button).focus()
        self.query_one("#rotate-token", Button).display = False
        if self.wizard.initial_org_url:
            self.query_one("#org-url", Input).value = self.wizard.initial_org_url
        self.call_after_refresh(self.load_tenants)  # first frame before the pydantic import

    @work(thread=True, group="state", exit_on_error=False, description="listing saved setups")
    def load_tenants(self) -> None:
        from wizard.state import StateError

        try:
            tenants, moved = self.wizard.store.list_tenants()
        except StateError as exc:  # e.g. a planted link in the progress folder: say which, stop there
            notices = [*self.wizard.store.notices, str(exc)]
            empty = "Saved setups could not be listed:"
            self.app.call_from_thread(self._show_tenants, [], [], notices, empty)
            return
        self.app.call_from_thread(self._show_tenants, tenants, moved, list(self.wizard.store.notices))

    def _show_tenants(
        self,
        tenants: list[TenantSummary],
        moved: list[MovedAside],
        notices: list[str] | None = None,
        empty_text: str = "None yet. Enter your Okta org URL below to begin.",
    ) -> None:
        self.tenants = tenants
        empty = self.query_one("#tenants-empty", Static)
        listing = self.query_one("#tenants", OptionList)
        listing.clear_options()
        if tenants:
            empty.display = False
            listing.display = True
            for summary in tenants:
                when = summary.updated_at.strftime("%Y-%m-%d %H:%M UTC")
                host = summary.org_host if len(summary.org_host) <= 26 else summary.org_host[:25] + "…"
                listing.add_option(
                    Option(
                        f"{host:<26} step {summary.current_step:<4} {summary.done_count:>2} done · {when}",
                        id=summary.org_host,
                    )
                )
            listing.highlighted = 0
            listing.focus()  # Enter resumes the newest; Tab reaches the new-setup field
            # Rotation is for a finished setup: offered when one is listed (issue 14).
            total = len(self.wizard.catalog.steps)
            self.query_one("#rotate-token", Button).display = any(t.done_count >= total for t in tenants)
        else:
            empty.update(empty_text)
        if moved or notices:
            lines = [f"• {item.reason}" for item in moved] + [f"• {text}" for text in notices or []]
            self.query_one("#moved-aside", Static).update("\n".join(lines))

    @on(OptionList.OptionSelected, "#tenants")
    def _resume(self, event: OptionList.OptionSelected) -> None:
        summary = next(t for t in self.tenants if t.org_host == event.option.id)
        try:
            org = self._parse(summary.org_url, allow_custom=True)
        except OrgUrlError as exc:
            self.query_one("#org-url-message", Static).update(f"[red]{exc}[/red]")
            return
        self.wizard.open_tenant(org)

    @on(Input.Submitted, "#org-url")
    @on(Button.Pressed, "#start-new")
    def _start_new(self) -> None:
        field = self.query_one("#org-url", Input)
        text = field.value
        if not text.strip():
            self.query_one("#org-url-message", Static).update(
                "[yellow]Type or paste your Okta org URL, then press Enter.[/yellow]"
            )
            field.focus()
            return
        confirm = self.query_one("#confirm-custom", Checkbox)
        message = self.query_one("#org-url-message", Static)
        try:
            org = self._parse(text, allow_custom=confirm.display and confirm.value)
        except CustomDomainNeedsConfirmation as exc:
            confirm.display = True
            message.update(f"[yellow]{exc}[/yellow]")
            return
        except OrgUrlError as exc:
            message.update(f"[red]{exc}[/red]")
            return
        message.update(f"Opening {org.host}…")
        self.wizard.open_tenant(org)

    @on(Button.Pressed, "#rotate-token")
    def _rotate(self) -> None:
        """Open the highlighted finished setup straight into "Rotate the Kandji token"."""
        listing = self.query_one("#tenants", OptionList)
        index = listing.highlighted
        summary = self.tenants[index] if index is not None and index < len(self.tenants) else None
        message = self.query_one("#org-url-message", Static)
        if summary is None or summary.done_count < len(self.wizard.catalog.steps):
            message.update("[yellow]Highlight a finished setup first: rotation needs step 24 done.[/yellow]")
            return
        try:
            org = self._parse(summary.org_url, allow_custom=True)
        except OrgUrlError as exc:
            message.update(f"[red]{exc}[/red]")
            return
        self.wizard.open_tenant(org, then="rotate-token")

    @on(Button.Pressed, "#check-existing")
    def _check_existing(self) -> None:
        """Doctor for an integration made earlier, by the wizard or by hand (issue 13)."""
        from screens.doctor_screen import DoctorScreen

        org = None
        if self.wizard.demo is None:
            confirm = self.query_one("#confirm-custom", Checkbox)
            try:
                org = self._parse(
                    self.query_one("#org-url", Input).value, allow_custom=confirm.display and confirm.value
                )
            except OrgUrlError as exc:
                self.query_one("#org-url-message", Static).update(f"[red]{exc}[/red] (then check it)")
                return
        self.app.push_screen(DoctorScreen(org))

    def _parse(self, text: str, *, allow_custom: bool) -> OrgUrl:
        return parse_org_url(
            text,
            allow_custom=allow_custom,
            allow_insecure_loopback=self.wizard.allow_insecure_loopback,
        )

    def show_open_error(self, text: str) -> None:
        self.query_one("#org-url-message", Static).update(f"[red]{text}[/red]")
