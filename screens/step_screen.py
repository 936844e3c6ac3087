"""The step screen: sidebar, the current step's panel, a progress line and navigation.

One screen serves all 32 steps; only the panel is rebuilt when the step changes, so the
sidebar keeps its scroll position and focus stays predictable for keyboard users.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Collapsible, Footer, Input, OptionList, Static

from screens.finish_screen import FinishScreen
from screens.kandji_steps import KandjiStepsMixin
from screens.widgets.messages import ActionDone, GoToStep
from screens.widgets.step_list import StepList
from screens.widgets.step_panel import StepPanel, StepView
from wizard.catalog import Step
from wizard.okta.links import app_link

if TYPE_CHECKING:
    pass

USERS_EXIST_NOTE = "Users already exist in Okta; they are added to the group instead."


class StepScreen(KandjiStepsMixin):
    BINDINGS = [
        Binding("n", "next", "Next", id="next"),
        Binding("b", "back", "Back", id="back"),
        Binding("d", "toggle_done", "Done", id="done"),
        Binding("s", "toggle_sidebar", "Steps", id="sidebar"),
        Binding("k", "skip_optional", "Skip 17–18", id="skip-optional"),
        Binding("escape", "leave_field", "Leave field", show=False, id="leave-field"),
        Binding("r", "run_step", "Run", id="run-step"),
        Binding("c", "confirm_step", "Confirm", id="confirm-step"),
        Binding("x", "demo_console", "Demo console", id="demo-console"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that only mean something on some steps appear in the footer only there."""
        from screens.widgets.boxes import CONSOLE_ACTIONS, box_for

        action_key = self.wizard.catalog.get(self.current).action
        if action == "run_step":
            return box_for(action_key) is not None and action_key not in CONSOLE_ACTIONS
        if action == "confirm_step":
            return action_key in CONSOLE_ACTIONS
        if action == "demo_console":
            return self.wizard.demo is not None and action_key in CONSOLE_ACTIONS
        if action == "skip_optional":
            return self.wizard.catalog.get(self.current).optional
        return True

    def action_demo_console(self) -> None:
        from screens.widgets.console_box import ConsoleActionBox

        for box in self.query(ConsoleActionBox):
            box.do_in_demo_console()

    def __init__(self) -> None:
        super().__init__()
        self.current: str = self.wizard.session.state.current_step

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
            yield Button("Mark done", id="done", variant="success", compact=True)
            yield Button("Users already exist: skip 17–18", id="skip-optional", compact=True)
            yield Button("Next ▶", id="next", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.wizard.session.state.org_host
        self._refresh_chrome()
        self._focus_first_input()
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
            kandji_url=settings.kandji_base_url or "",
            token_stored="kandji_token" in step.inputs and app.kandji_token_present(),
            keyring_warning=app.keyring_warning,
        )

    def _refresh_chrome(self) -> None:
        app = self.wizard
        step = app.catalog.get(self.current)
        state = app.session.state
        done = sum(1 for r in state.steps.values() if r.status.value in ("done", "skipped"))
        self.query_one("#progress", Static).update(
            f"Step {step.number} · {app.catalog.position(step.number)} of {len(app.catalog)}"
            f" · {done} complete · {app.catalog.action_of(step.number).title}"
        )
        self.query_one(StepList).show_current(self.current)
        record = state.steps.get(self.current)
        is_done = record is not None and record.status.value in ("done", "skipped")
        self.query_one("#done", Button).label = "Mark not done" if is_done else "Mark done"
        self.query_one("#skip-optional", Button).display = step.optional
        self.query_one("#back", Button).disabled = app.catalog.previous(self.current) is None
        self.query_one("#next", Button).label = "Next ▶" if app.catalog.next(self.current) else "Finish ▶"

    # --- navigation ---------------------------------------------------------------------
    async def go_to(self, number: str) -> None:
        self._save_note()
        self.current = number
        self.wizard.session.set_current(number)
        await self.query_one(StepPanel).remove()
        await self.query_one("#body", Horizontal).mount(StepPanel(self._view(number)))
        self._refresh_chrome()
        self.refresh_bindings()
        self._focus_first_input()

    def _focus_first_input(self) -> None:
        """Steps that ask for a value get the cursor; others leave the letter keys free."""
        fields = [
            field
            for field in self.query_one(StepPanel).query(Input)
            if field.id != "note" and not any(isinstance(a, Collapsible) for a in field.ancestors)
        ]
        if fields:
            fields[0].focus()
        else:
            self.set_focus(None)

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

    def action_leave_field(self) -> None:
        """Escape gives the letter keys back to navigation after typing in a field."""
        self.set_focus(None)

    def action_toggle_sidebar(self) -> None:
        # Narrow terminals hide the list until asked; wide ones show it until asked not to.
        self.toggle_class("-show-sidebar" if self.has_class("-narrow") else "-hide-sidebar")

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
    def action_run_step(self) -> None:
        from screens.widgets.console_box import ConsoleActionBox

        for box in self.query("#action-box"):
            if isinstance(box, ConsoleActionBox):
                box.watch_okta()
            else:
                box.run_action()  # type: ignore[attr-defined]

    def action_confirm_step(self) -> None:
        from screens.widgets.console_box import ConsoleActionBox

        for box in self.query(ConsoleActionBox):
            box.confirm()

    def refresh_statuses(self) -> None:
        sidebar = self.query_one(StepList)
        for number, record in self.wizard.session.state.steps.items():
            sidebar.set_status(number, record.status.value)
        self._refresh_chrome()

    @on(ActionDone)
    async def _action_done(self, event: ActionDone) -> None:
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
        record = self.wizard.session.state.steps.get(self.current)
        note = self.query_one("#note", Input).value.strip()
        if record is not None and record.status.value in ("done", "skipped"):
            self._set_status(self.current, "pending", note=note)
            self._refresh_chrome()
            return
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
    def _note_submitted(self) -> None:
        self._save_note()
        self.notify("Note saved.", timeout=2)

    @on(Button.Pressed, "#open-link")
    def _open_link(self) -> None:
        from screens.widgets.copy_field import CopyField

        url = self.query_one("#link", CopyField).value
        if url:
            self.app.open_url(url)
            self.notify(
                "Opened in the browser of the machine running the wizard. Over SSH, copy the link instead.",
                timeout=5,
            )

    # --- B.1: the Kandji URL --------------------------------------------------
    @on(Input.Submitted, "#kandji-url")
    @on(Button.Pressed, "#save-kandji-url")
    async def _save_kandji_url(self) -> None:
        from wizard.kandji.urls import KandjiUrlError, UnknownKandjiHost, parse_kandji_url

        text = self.query_one("#kandji-url", Input).value
        message = self.query_one("#kandji-url-message", Static)
        confirm = self.query_one("#confirm-host", Checkbox)
        try:
            url = parse_kandji_url(
                text,
                allow_insecure_loopback=self.wizard.allow_insecure_loopback,
                allow_unknown_host=confirm.value,
            )
        except UnknownKandjiHost as exc:
            confirm.add_class("-visible")
            message.update(f"[yellow]{exc}[/yellow]")
            return
        except KandjiUrlError as exc:
            suggestion = getattr(exc, "suggestion", None)
            hint = f"\nDid you mean: {suggestion}" if suggestion else ""
            message.update(f"[red]{exc}[/red]{hint}")
            return
        self.wizard.session.update_settings(kandji_base_url=url.base_url)
        self.query_one("#kandji-url", Input).value = url.base_url
        # The same evidence the engine's B.1 records, so headless and TUI runs read alike.
        evidence = {"kandji_base_url": url.base_url, "host": url.host, "known_host": url.is_known_host}
        self._set_status("B.1", "done", evidence=evidence)
        notes = "; ".join(url.notes)
        self.notify(f"Saved {url.base_url}" + (f" ({notes})" if notes else ""), timeout=6)
        await self.go_to("B.2")
