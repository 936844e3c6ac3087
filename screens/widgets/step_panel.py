"""The main panel for one step. What the admin acts on comes first (the values to paste,
the link, the action box with its result or detection), so it is on screen at 80×24; the
explanation folds away under "About this step". It renders a `StepView`; the screen owns
the behaviour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Collapsible, Input, Label, Static

from screens.widgets.action_box import ActionBox
from screens.widgets.boxes import API_ACTIONS, box_for
from screens.widgets.checklist_item import ChecklistItem
from screens.widgets.copy_field import CopyField
from wizard.catalog import COPY_VALUES, Action, Step

MODE_LABELS = {
    "api": "BY API",
    "console": "ADMIN CONSOLE",
    "check": "CHECK",
    "n/a": "NOTHING TO DO",
}
MODE_HELP = {
    "api": "The wizard does this by Okta's API: the calls it makes are listed; Enter runs them.",
    "console": "Only the Okta Admin Console can do this: open the link, paste the values, and "
    "the wizard detects what Okta reports.",
    "check": "The wizard checks that the steps before worked.",
    "n/a": "Nothing to do: this screen only appears when the app is made in the Admin Console; "
    "the wizard creates it by API.",
}
# Steps the wizard always does itself, whatever the Okta automation can do.
WIZARD_OWN_HELP = {
    "kandji": "Only Kandji's web console can do this step. Then paste the SCIM base URL "
    "here: the wizard checks its shape now and tests it with the token at B.2.",
    "kandji-token": "The wizard does this step: paste the token and it is tested against "
    "Kandji, then stored in the OS keyring.",
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


class StepPanel(VerticalScroll):
    def __init__(self, view: StepView) -> None:
        super().__init__(id="panel")
        self.view = view
        self.box: ActionBox | None = box_for(view.step.action)

    def compose(self) -> ComposeResult:
        view, step, box = self.view, self.view.step, self.box
        yield Static(Content.assemble((step.number, "bold"), " · ", step.title), classes="step-title")
        mode = (f" {MODE_LABELS[step.mode]} ", "reverse")
        yield Static(Content.assemble(mode, "  ", step.where), classes="step-meta")
        yield Static(step.goal, classes="goal")
        if view.link:
            yield CopyField("Admin Console link", view.link, openable=True, id="link")
        # Okta API steps can also be done by hand: that way folds away under the box.
        by_hand = step.action in API_ACTIONS and bool(step.copy or step.checklist)
        if not by_hand:
            yield from self._copy_fields()
        if box is not None:
            yield box
        if by_hand:
            with Collapsible(title="Do it by hand in the Admin Console instead", collapsed=True):
                yield from self._copy_fields()
                yield from self._checklist()
        else:
            yield from self._checklist()
        with Collapsible(title="About this step", collapsed=True, id="about"):
            yield from self._about()
        yield Input(
            value=view.note,
            placeholder="Note (optional): saved with this step",
            id="note",
            compact=True,
            select_on_focus=False,
        )

    def _copy_fields(self) -> ComposeResult:
        view, step = self.view, self.view.step
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
                yield ChecklistItem(item, value=item in view.confirmed, id=f"check-{i}", compact=True)

    def _about(self) -> ComposeResult:
        view, step, action = self.view, self.view.step, self.view.action
        if view.span != step.number:
            yield Static(f"Part of steps {view.span} · [b]{action.title}[/b] — {action.summary}")
        yield Static(WIZARD_OWN_HELP.get(action.key, MODE_HELP[step.mode]), classes="mode-help")
        for line in action.automation:
            yield Static(f"• {line}", classes="call")
        if action.detection:
            yield Static(f"Detection: {action.detection}", classes="call")
