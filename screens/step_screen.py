"""The step screen: sidebar, the current step's panel, a progress line and the action bar.

One screen serves all 32 steps; only the panel is rebuilt when the step changes, so the
sidebar keeps its scroll position and focus stays predictable for keyboard users.

The key model is the same on every step: Enter does the step's main thing, drawn as the one
highlighted button at the bottom right (run, check Okta, prove; Next once the step is done),
and focus starts on that button, so a letter key is a command, never text in a field. The
admin enters a field on purpose (Tab, a click); Escape leaves it.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, OptionList, Static

from screens.base import WizardScreen
from screens.finish_screen import FinishScreen
from screens.widgets.boxes import API_ACTIONS, CONSOLE_ACTIONS
from screens.widgets.console_box import ConsoleActionBox
from screens.widgets.key_footer import KeyFooter
from screens.widgets.messages import ActionDone, GoToStep
from screens.widgets.step_list import StepList
from screens.widgets.step_panel import StepPanel, StepView
from wizard.catalog import Step
from wizard.okta.links import app_link

USERS_EXIST_NOTE = "Users already exist in Okta; they are added to the group instead."
FINISHED = ("done", "skipped")


class StepScreen(WizardScreen):
    BINDINGS = [
        Binding("enter", "main", "Do it", show=False, id="main"),
        Binding("n", "next", "Next", id="next"),
        Binding("b", "back", "Back", id="back"),
        Binding("d", "toggle_done", "Done", id="done"),
        Binding("c", "confirm_step", "Confirm", id="confirm-step"),
        Binding("k", "skip_optional", "Skip", id="skip-optional"),
        Binding("s", "toggle_sidebar", "Steps", id="sidebar"),
        Binding("escape", "leave_field", "Leave field", show=False, id="leave-field"),
        Binding("pagedown", "scroll_panel('page_down')", show=False, id="page-down"),
        Binding("pageup", "scroll_panel('page_up')", show=False, id="page-up"),
        Binding("down", "scroll_panel('down')", show=False, id="scroll-down"),
        Binding("up", "scroll_panel('up')", show=False, id="scroll-up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.current: str = self.wizard.session.state.current_step

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that only mean something on some steps appear in the footer only there."""
        step = self.wizard.catalog.get(self.current)
        if action == "confirm_step":
            return step.action in CONSOLE_ACTIONS
        if action == "skip_optional":
            return step.optional
        return True

    # --- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        app = self.wizard
        yield from self.compose_top()
        yield Static("", id="progress")
        with Horizontal(id="body"):
            statuses = {n: r.status.value for n, r in app.session.state.steps.items()}
            yield StepList(app.catalog, statuses, id="sidebar")
            yield StepPanel(self._view(self.current))
        with Horizontal(id="nav"):
            yield Button("◀ Back", id="back", compact=True)
            yield Button("Mark done", id="done", compact=True)
            yield Button("Skip 17–18", id="skip-optional", compact=True)
            yield Button("Next ▶", id="next", compact=True)
            yield Static("", classes="spacer")
            main = Button("", id="main", variant="primary", compact=True)
            # No time-based debounce: a second Enter while the step runs is refused below instead.
            main.active_effect_duration = 0
            yield main
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = self.wizard.session.state.org_host
        self._refresh_chrome()
        self._focus_main()
        if self._recorded_anything():
            self.recheck_okta()

    def _recorded_anything(self) -> bool:
        steps = self.wizard.session.state.steps
        return any(n in steps and steps[n].evidence for n in ("8", "16", "17", "23"))

    @work(exclusive=True, group="resume", exit_on_error=False, description="re-checking Okta")
    async def recheck_okta(self) -> None:
        """On resume, what the state records is checked against Okta before going on."""
        from wizard.engine import EngineError, reverify

        try:
            ctx = await self.wizard.engine.context()
        except EngineError as exc:
            self.notify(f"Could not re-check Okta: {exc}", severity="warning", timeout=8)
            return
        findings = await reverify(ctx)
        self.wizard.engine.flush_call_log()
        self.refresh_statuses()
        problems = [f for f in findings if f.kind != "ok"]
        for finding in problems:
            severity = "error" if finding.kind == "missing" else "warning"
            self.notify(finding.message, severity=severity, timeout=12)
        if not problems:
            self.notify("Re-checked with Okta: everything recorded is still there.", timeout=4)
        elif any(f.reset_steps for f in problems):
            first = min((n for f in problems for n in f.reset_steps), key=self.wizard.catalog.position)
            await self.go_to(first)

    # --- view model ---------------------------------------------------------------------
    def _view(self, number: str) -> StepView:
        app = self.wizard
        state = app.session.state
        step = app.catalog.get(number)
        action = app.catalog.action_of(number)
        record = state.steps.get(number)
        settings = state.settings
        evidence = record.evidence if record else {}
        app_ev = state.steps["8"].evidence if "8" in state.steps else {}
        link = None
        if action.link and action.link.startswith("app-"):
            link = app_link(app.org, action.link, app_ev.get("app_name"), app_ev.get("app_id"))
        return StepView(
            step=step,
            action=action,
            span=app.catalog.span(step.action),
            status=record.status.value if record else "pending",
            note=record.note if record else "",
            confirmed=frozenset(evidence.get("admin_confirmed", [])),
            values={
                "kandji_base_url": settings.kandji_base_url,
                "scim_unique_id": "userName",
                "app_label": settings.app_label,
                "placeholder_sso_url": "https://example.invalid/sso/saml",
                "placeholder_audience": "https://example.invalid/kandji-scim",
                "group_name": settings.group_name,
                "group_description": settings.group_description,
                "preferred_language": settings.preferred_language,
                "locale": settings.locale,
                "verify_logins": settings.test_user_login,
            },
            secret=app.read_kandji_token,
            link=link,
        )

    def _status(self, number: str) -> str:
        record = self.wizard.session.state.steps.get(number)
        return record.status.value if record is not None else "pending"

    def blocked_by_sign_in(self) -> str:
        """Why an API step cannot run yet ("" when it can): it needs step 1 to have passed."""
        if self.wizard.catalog.get(self.current).action not in API_ACTIONS:
            return ""
        status = self._status("1")
        if status == "done":
            return ""
        return "Step 1 failed: fix it first" if status == "failed" else "Sign in at step 1 first"

    def main_label(self) -> str:
        """What Enter does here, as the highlighted button says it."""
        if self._status(self.current) in FINISHED:
            return "Next ▶" if self.wizard.catalog.next(self.current) else "Finish ▶"
        blocked = self.blocked_by_sign_in()
        if blocked:
            return blocked
        box = self.query_one(StepPanel).box
        return box.main_label if box is not None else "Next ▶"

    def _refresh_chrome(self) -> None:
        app = self.wizard
        step = app.catalog.get(self.current)
        state = app.session.state
        done = sum(1 for r in state.steps.values() if r.status.value in FINISHED)
        self.query_one("#progress", Static).update(
            f"Step {step.number} · {app.catalog.position(step.number)} of {len(app.catalog)}"
            f" · {done} complete · {app.catalog.action_of(step.number).title}"
        )
        self.query_one(StepList).show_current(self.current)
        finished = self._status(self.current) in FINISHED
        done_button = self.query_one("#done", Button)
        done_button.label = "Mark not done" if finished else "Mark done"
        done_button.refresh(layout=True)
        self.query_one("#skip-optional", Button).display = step.optional
        first = app.catalog.previous(self.current) is None
        self.query_one("#back", Button).label = "◀ Setups" if first else "◀ Back"
        label = self.main_label()
        main = self.query_one("#main", Button)
        main.label = f"{label} ⏎"
        main.refresh(layout=True)  # Button.label does not resize the button by itself
        # Next has its own button only while Enter does something else.
        self.query_one("#next", Button).display = not label.startswith(("Next", "Finish"))

    # --- navigation ---------------------------------------------------------------------
    async def go_to(self, number: str) -> None:
        self._save_note()
        self.current = number
        self.wizard.session.set_current(number)
        await self.query_one(StepPanel).remove()
        await self.query_one("#body", Horizontal).mount(StepPanel(self._view(number)))
        self._refresh_chrome()
        self.refresh_bindings()
        self._focus_main()

    def _focus_main(self) -> None:
        self.query_one("#main", Button).focus(scroll_visible=False)

    def _busy(self) -> bool:
        return any(w.group == "apply" and not w.is_finished for w in self.app.workers)

    async def action_main(self) -> None:
        if self._busy():
            self.notify("Still working on the last Enter…", timeout=2)
            return
        if self._status(self.current) in FINISHED:
            await self.action_next()
            return
        if self.blocked_by_sign_in():
            await self.go_to("1")
            return
        box = self.query_one(StepPanel).box
        if box is None:
            await self.action_next()
        else:
            box.main()

    async def action_next(self) -> None:
        following = self.wizard.catalog.next(self.current)
        if following is None:
            self.app.push_screen(FinishScreen())
            return
        await self.go_to(following.number)

    async def action_back(self) -> None:
        previous = self.wizard.catalog.previous(self.current)
        if previous is not None:
            await self.go_to(previous.number)
        else:
            self._save_note()
            await self.wizard.close_tenant()  # back to the list of setups

    def action_leave_field(self) -> None:
        """Escape gives the letter keys back to the screen after typing in a field."""
        self._focus_main()

    def action_scroll_panel(self, how: str) -> None:
        panel = self.query_one(StepPanel)
        {
            "page_down": panel.scroll_page_down,
            "page_up": panel.scroll_page_up,
            "down": panel.scroll_down,
            "up": panel.scroll_up,
        }[how](animate=False)

    def action_toggle_sidebar(self) -> None:
        # Narrow terminals hide the list until asked; wide ones show it until asked not to.
        self.toggle_class("-show-sidebar" if self.has_class("-narrow") else "-hide-sidebar")

    @on(Button.Pressed, "#main")
    async def _main_pressed(self) -> None:
        await self.action_main()

    @on(Button.Pressed, "#next")
    async def _next_pressed(self) -> None:
        await self.action_next()

    @on(Button.Pressed, "#back")
    async def _back_pressed(self) -> None:
        await self.action_back()

    @on(Button.Pressed, "#done")
    async def _done_pressed(self) -> None:
        await self.action_toggle_done()

    @on(Button.Pressed, "#skip-optional")
    async def _skip_pressed(self) -> None:
        await self.action_skip_optional()

    @on(OptionList.OptionSelected, "#sidebar")
    async def _jump(self, event: OptionList.OptionSelected) -> None:
        await self.go_to(StepList.number_of(event.option))
        if self.has_class("-narrow") and self.has_class("-show-sidebar"):
            self.action_toggle_sidebar()

    # --- the engine's results ------------------------------------------------------------
    def action_confirm_step(self) -> None:
        for box in self.query(ConsoleActionBox):
            box.confirm()

    def refresh_statuses(self) -> None:
        sidebar = self.query_one(StepList)
        for number, record in self.wizard.session.state.steps.items():
            sidebar.set_status(number, record.status.value)
        self._refresh_chrome()

    @on(ActionDone)
    async def _action_done(self, event: ActionDone) -> None:
        self.wizard.engine.flush_call_log()
        self.refresh_statuses()
        if not (event.ok and event.advance):
            return
        if event.action == "verify":
            self.app.push_screen(FinishScreen())
            return
        last = self.wizard.catalog.steps_of(event.action)[-1].number
        following = self.wizard.catalog.next(last)
        if following is not None and self.wizard.catalog.get(self.current).action == event.action:
            await self.go_to(following.number)

    @on(GoToStep)
    async def _go_to_step(self, event: GoToStep) -> None:
        if event.number in self.wizard.catalog:
            await self.go_to(event.number)

    # --- recording progress -------------------------------------------------------------
    def _set_status(self, number: str, status: str, **kwargs: object) -> None:
        from wizard.state import StepStatus

        self.wizard.session.set_status(number, StepStatus(status), **kwargs)  # type: ignore[arg-type]
        self.query_one(StepList).set_status(number, status)

    def _save_note(self) -> None:
        try:
            note = self.query_one("#note", Input).value.strip()
        except Exception:  # the panel is being rebuilt
            return
        record = self.wizard.session.state.step(self.current)
        if note != record.note:
            record.note = note
            self.wizard.session.save()

    async def action_toggle_done(self) -> None:
        note = self.query_one("#note", Input).value.strip()
        if self._status(self.current) in FINISHED:
            self._set_status(self.current, "pending", note=note)
            self._refresh_chrome()
            return
        record = self.wizard.session.state.steps.get(self.current)
        step = self.wizard.catalog.get(self.current)
        evidence = dict(record.evidence) if record else {}
        evidence["admin_confirmed"] = self._checked_items(step)
        evidence.setdefault("how", "marked done by the admin")
        self._set_status(self.current, "done", note=note, evidence=evidence)
        if self.wizard.catalog.next(self.current) is not None:
            await self.action_next()
        else:
            self._refresh_chrome()

    async def action_skip_optional(self) -> None:
        if not self.wizard.catalog.get(self.current).optional:
            return
        self.wizard.session.update_settings(users_already_exist=True)
        for number in self.wizard.catalog.optional_numbers():
            self._set_status(number, "skipped", note=USERS_EXIST_NOTE)
        after = self.wizard.catalog.next(self.wizard.catalog.optional_numbers()[-1])
        assert after is not None
        await self.go_to(after.number)
        self.notify("Skipped 17–18. Make sure your users are members of the group.", timeout=5)

    def _checked_items(self, step: Step) -> list[str]:
        return [
            item for i, item in enumerate(step.checklist) if self.query_one(f"#check-{i}", Checkbox).value
        ]

    @on(Checkbox.Changed, "#checklist Checkbox")
    def _checklist_changed(self) -> None:
        step = self.wizard.catalog.get(self.current)
        record = self.wizard.session.state.step(self.current)
        record.evidence["admin_confirmed"] = self._checked_items(step)
        self.wizard.session.save()

    @on(Input.Submitted, "#note")
    def _note_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save_note()
        self.notify("Note saved.", timeout=2)
