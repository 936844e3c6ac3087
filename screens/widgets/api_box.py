"""API steps: the fields, the exact calls the step will make, then what was read back."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from screens.widgets.action_box import ActionBox
from screens.widgets.action_text import format_outcome, format_plan
from screens.widgets.forms import EXISTING_USERS, FORMS
from screens.widgets.messages import ActionDone


class ApiActionBox(ActionBox):
    """Enter runs the calls shown; nothing runs before."""

    main_label = "Run"

    def compose(self) -> ComposeResult:
        settings = self.wizard.session.state.settings
        fields = FORMS.get(self.action, ())
        if self.action == "test-user" and settings.users_already_exist:
            fields = (EXISTING_USERS,)
        demo = self.wizard.demo
        for spec in fields:
            value = str(getattr(settings, spec.setting) or "") if spec.setting else ""
            if demo is not None and not value and self.action == "test-user":
                value = self.wizard.demo_prefill(spec.key)
            with Horizontal(classes="field"):
                yield Label(spec.label)
                yield Input(
                    value=value,
                    placeholder=spec.placeholder,
                    password=spec.secret,
                    id=f"field-{spec.key}",
                    compact=True,
                    select_on_focus=False,
                )
        yield Static("", classes="result")
        yield Static("[b]The calls, when you press Enter[/b]", classes="box-title")
        yield Static("Preparing the plan…", classes="plan")

    def on_mount(self) -> None:
        self.refresh_plan()

    def main(self) -> None:
        self.run_action()

    def inputs(self) -> dict[str, Any]:
        from pydantic import SecretStr

        values: dict[str, Any] = {}
        for field in self.query(Input):
            key = (field.id or "").removeprefix("field-")
            if key == "password":
                values[key] = SecretStr(field.value)
            elif key == "existing_logins":
                values[key] = [x.strip() for x in field.value.split(",") if x.strip()]
            else:
                values[key] = field.value.strip()
        return values

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refresh_plan()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_action()

    @work(exclusive=True, group="plan", exit_on_error=False, description="planning")
    async def refresh_plan(self) -> None:
        from wizard.engine import engine_for

        ctx = await self.engine_context()
        if ctx is None:
            self.query_one(".plan", Static).update("")
            return
        plan = await engine_for(self.action).plan(ctx, self.inputs())
        self.query_one(".plan", Static).update(format_plan(plan))

    def _save_choices(self, inputs: dict[str, Any]) -> None:
        changes = {
            spec.setting: inputs[spec.key]
            for spec in FORMS.get(self.action, ())
            if spec.setting and inputs.get(spec.key)
        }
        if changes:
            self.wizard.session.update_settings(**changes)

    @work(exclusive=True, group="apply", exit_on_error=False, description="running the step")
    async def run_action(self) -> None:
        from wizard.engine import engine_for
        from wizard.state import InvalidSettings

        ctx = await self.engine_context()
        if ctx is None:
            return
        inputs = self.inputs()
        try:
            self._save_choices(inputs)
        except InvalidSettings as exc:
            self.say(f"[red]{exc}[/red]")
            return
        self.say("Running…")
        try:
            outcome = await engine_for(self.action).apply(ctx, inputs)
        finally:
            if "password" in inputs:
                self.query_one("#field-password", Input).value = ""  # used once, never kept
        here = [step.number for step in self.wizard.catalog.steps_of(self.action)]
        self.say(format_outcome(outcome, here))
        self.post_message(ActionDone(self.action, outcome.ok))
