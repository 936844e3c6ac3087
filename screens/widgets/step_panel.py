"""The main panel for one step: what to achieve, where, what the wizard does, values to
copy, the checklist and a note. It renders a `StepView`; the screen owns the behaviour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Collapsible, Input, Label, Static

from screens.widgets.boxes import box_for
from screens.widgets.copy_field import CopyField
from screens.widgets.preflight_panel import PreflightPanel
from wizard.catalog import COPY_VALUES, Action, Step

MODE_LABELS = {
    "api": "BY API",
    "console": "ADMIN CONSOLE",
    "check": "CHECK",
    "n/a": "NOTHING TO DO",
}
MODE_HELP = {
    "api": "The wizard does this by Okta's API: check the calls below, then press Run.",
    "console": "Only the Okta Admin Console can do this: open the link, paste the values, and "
    "the wizard detects what Okta reports.",
    "check": "The wizard checks that the steps before worked.",
    "n/a": "Nothing to do: this screen only appears when the app is made in the Admin Console; "
    "the wizard creates it by API.",
}
# Steps the wizard always does itself, whatever the Okta automation can do.
WIZARD_OWN_HELP = {
    "kandji": "Only Kandji's web console can do this step. Then paste the SCIM base URL "
    "below: the wizard checks its shape now and tests it with the token at B.2.",
    "kandji-token": "The wizard does this step: paste the token below and it is tested, then "
    "stored in the OS keyring.",
}


@dataclass
class StepView:
    step: Step
    action: Action
    span: str
    status: str
    note: str = ""
    confirmed: frozenset[str] = frozenset()
    values: dict[str, str | None] = field(default_factory=dict)
    secret: Callable[[], str | None] | None = None
    link: str | None = None
    kandji_url: str = ""
    token_stored: bool = False
    keyring_warning: str = ""


class StepPanel(VerticalScroll):
    def __init__(self, view: StepView) -> None:
        super().__init__(id="panel")
        self.view = view

    def compose(self) -> ComposeResult:
        view, step = self.view, self.view.step
        yield Static(Content.assemble((step.number, "bold"), " · ", step.title), classes="step-title")
        yield Static(f"[reverse] {MODE_LABELS[step.mode]} [/reverse]  {step.where}", classes="step-meta")
        yield Static(step.goal, classes="goal")
        if view.span != step.number:
            yield Static(
                f"Part of steps {view.span} · [b]{view.action.title}[/b] — {view.action.summary}",
                classes="action-summary",
            )
        box = box_for(step.action)
        if box is None:
            yield from self._mode_box()
        else:
            yield Static(MODE_HELP[step.mode], classes="mode-help")
        if step.inputs:
            yield from self._inputs()
        if view.link:
            yield CopyField("Admin Console link", view.link, openable=True, id="link")
        if box is None:
            yield from self._copy_fields()
            yield from self._checklist()
        elif step.mode == "console":
            # Values to paste, then what the wizard sees, then the admin's own list.
            yield from self._copy_fields()
            yield box
            yield from self._checklist()
        else:
            yield box
            with Collapsible(title="Do it by hand in the Admin Console instead", collapsed=True):
                yield from self._copy_fields()
                yield from self._checklist()
        yield Input(
            value=view.note,
            placeholder="Note (optional): saved with this step",
            id="note",
            compact=True,
        )

    def _copy_fields(self) -> ComposeResult:
        view, step = self.view, self.view.step
        if step.action == "verify":
            yield from self._verification()
        for key in step.copy:
            label, is_secret = COPY_VALUES[key]
            if is_secret:
                yield CopyField(label, secret=view.secret, id=f"copy-{key}")
            else:
                yield CopyField(label, view.values.get(key), id=f"copy-{key}")

    def _checklist(self) -> ComposeResult:
        view, step = self.view, self.view.step
        with Vertical(id="checklist"):
            yield Label("Checklist", classes="section")
            for i, item in enumerate(step.checklist):
                yield Checkbox(item, value=item in view.confirmed, id=f"check-{i}", compact=True)

    def _mode_box(self) -> ComposeResult:
        step, action = self.view.step, self.view.action
        with Vertical(classes=f"mode-box mode-{step.mode.replace('/', '')}"):
            help_text = WIZARD_OWN_HELP.get(action.key, MODE_HELP[step.mode])
            yield Static(help_text, classes="mode-help")
            for line in action.automation:
                yield Static(f"• {line}", classes="call")
            if action.detection:
                yield Static(f"Detection: {action.detection}", classes="call")

    def _verification(self) -> ComposeResult:
        yield Label("Look users up in Kandji", classes="section")
        with Horizontal(classes="input-row"):
            yield Input(
                value=self.view.values.get("verify_logins") or "",
                placeholder="okta logins, comma separated",
                id="verify-logins",
            )
            yield Button("Check", id="verify-users", compact=True)
        yield Static("", id="verify-result", classes="message")

    def _inputs(self) -> ComposeResult:
        view = self.view
        if "kandji_base_url" in view.step.inputs:
            yield Label("Kandji SCIM base URL", classes="section")
            with Horizontal(classes="input-row"):
                yield Input(
                    value=view.kandji_url or self.app.demo_prefill("kandji_base_url"),  # type: ignore[attr-defined]
                    placeholder="https://<subdomain>.api.kandji.io/api/v1/scim",
                    id="kandji-url",
                )
                yield Button("Save URL", id="save-kandji-url", compact=True)
            yield Checkbox("This is my Kandji SCIM host (not a known Kandji domain)", id="confirm-host")
            yield Static("", id="kandji-url-message", classes="message")
        if "kandji_token" in view.step.inputs:
            yield Label("Kandji bearer token", classes="section")
            if view.token_stored:
                yield Static("A token is stored for this tenant. Paste a new one to replace it.")
            with Horizontal(classes="input-row"):
                yield Input(
                    value="" if view.token_stored else self.app.demo_prefill("kandji_token"),  # type: ignore[attr-defined]
                    password=True,
                    placeholder="paste the token (hidden)",
                    id="kandji-token",
                )
                yield Button("Test and save", id="save-kandji-token", compact=True)
            if view.keyring_warning:
                yield Static(view.keyring_warning, id="keyring-warning", classes="warning")
            yield Static("", id="kandji-token-message", classes="message")
            yield Button("Keep this token anyway", id="keep-token", variant="warning", compact=True)
            yield PreflightPanel()
