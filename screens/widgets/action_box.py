"""What the wizard does for a step: the plan and its run for API steps, the hand-off with live
detection for console steps, the sign-in form for step 1 and the proof for step 24.

Each box drives the step engine (wizard/engine) in workers and reports back to the step
screen with messages; none of them talks HTTP itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

if TYPE_CHECKING:
    from screens.app import WizardApp
    from wizard.engine import Detection, EngineContext, Outcome, Plan, ProofResult, UserProof


class ActionDone(Message):
    """An action finished; the screen refreshes statuses and moves on when `ok`."""

    def __init__(self, action: str, ok: bool, advance: bool = True) -> None:
        super().__init__()
        self.action = action
        self.ok = ok
        self.advance = advance


class GoToStep(Message):
    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    setting: str | None = None  # SetupSettings attribute holding the default and the choice
    secret: bool = False
    placeholder: str = ""


FORMS: dict[str, tuple[FormField, ...]] = {
    "create-app": (FormField("label", "App name", "app_label"),),
    "group": (
        FormField("name", "Group name", "group_name"),
        FormField("description", "Description", "group_description"),
    ),
    "test-user": (
        FormField("login", "Username (email)", "test_user_login", placeholder="taylor@example.com"),
        FormField("first_name", "First name", placeholder="Taylor"),
        FormField("last_name", "Last name", placeholder="Test"),
        FormField("password", "Password", secret=True, placeholder="used once, never saved"),
    ),
    "assign": (
        FormField("preferred_language", "Preferred Language", "preferred_language"),
        FormField("locale", "Locale", "locale"),
    ),
}
EXISTING_USERS = FormField("existing_logins", "Existing users to add", placeholder="logins, comma separated")


def _format_outcome(outcome: Outcome) -> str:
    mark = "[green]✔[/green]" if outcome.ok else "[red]✘[/red]"
    lines = [f"{mark} {message}" for message in outcome.messages if message]
    lines += [f"[yellow]![/yellow] {warning}" for warning in outcome.warnings]
    shown = {k: v for k, v in outcome.evidence.items() if isinstance(v, str | int | bool) and v != ""}
    lines += [f"  [dim]{key}:[/dim] {value}" for key, value in shown.items()]
    if not outcome.ok and outcome.fix_step:
        lines.append(f"Go back to step {outcome.fix_step} to fix it.")
    return "\n".join(lines)


def _format_plan(plan: Plan) -> str:
    lines = []
    for call in plan.calls:
        lines.append(f"[b]{call.method}[/b] {call.path}  [dim]— {call.purpose}[/dim]")
        if call.body:
            lines.append(f"  [dim]{json.dumps(call.body, separators=(', ', ': '))}[/dim]")
    lines += [f"[dim]• {note}[/dim]" for note in plan.notes]
    return "\n".join(lines)


class ActionBox(Vertical):
    DEFAULT_CSS = """
    ActionBox { height: auto; margin: 1 0; padding: 0 1; border: round $primary 50%; }
    ActionBox .box-title { text-style: bold; }
    ActionBox .result, ActionBox .plan { height: auto; }
    ActionBox Horizontal { height: auto; }
    ActionBox Horizontal Button { margin-right: 2; }
    ActionBox .field { height: auto; margin-bottom: 1; }
    ActionBox .field Label { width: 22; }
    ActionBox .field Input { width: 1fr; }
    """

    def __init__(self, action: str) -> None:
        super().__init__(id="action-box")
        self.action = action

    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    def say(self, text: str) -> None:
        self.query_one(".result", Static).update(text)

    async def engine_context(self) -> EngineContext | None:
        from wizard.engine import EngineError

        try:
            return await self.wizard.engine.context()
        except EngineError as exc:
            self.say(f"[yellow]{exc}[/yellow]")
            return None


class ApiActionBox(ActionBox):
    """Inputs, the exact calls the step will make, and a Run button; then what was read back."""

    def compose(self) -> ComposeResult:
        yield Static("What the wizard will do — nothing runs until you press Enter or r", classes="box-title")
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
                )
        yield Static("Preparing the plan…", classes="plan")
        with Horizontal():
            yield Button("Run (r)", id="run-action", variant="primary", compact=True)
        yield Static("", classes="result")

    def on_mount(self) -> None:
        self.refresh_plan()

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

    @on(Button.Pressed, "#run-action")
    def _run_pressed(self, event: Button.Pressed) -> None:
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
        self.query_one(".plan", Static).update(_format_plan(plan))

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
        self.query_one("#run-action", Button).disabled = True
        self.say("Running…")
        try:
            outcome = await engine_for(self.action).apply(ctx, inputs)
        finally:
            self.query_one("#run-action", Button).disabled = False
            if "password" in inputs:
                self.query_one("#field-password", Input).value = ""  # used once, never kept
        self.say(_format_outcome(outcome))
        self.post_message(ActionDone(self.action, outcome.ok))


class SignInBox(ActionBox):
    """Step 1: the credentials, stored in the keyring, then checked with read calls."""

    def compose(self) -> ComposeResult:
        settings = self.wizard.session.state.settings
        yield Static("Give the wizard API access to this Okta org", classes="box-title")
        with RadioSet(id="auth-method", compact=True):
            yield RadioButton("API token", value=settings.auth_method != "oauth", id="auth-token")
            yield RadioButton("OAuth service app", value=settings.auth_method == "oauth", id="auth-oauth")
        with Vertical(id="token-fields", classes="field"):
            yield Input(
                password=True,
                placeholder="API token (Security › API › Tokens) — hidden, goes to the keyring",
                id="okta-token",
                value=self.wizard.demo_prefill("okta_token"),
                compact=True,
            )
        with Vertical(id="oauth-fields", classes="field"):
            yield Input(
                value=settings.oauth_client_id or "", placeholder="client ID", id="client-id", compact=True
            )
            yield Input(placeholder="path to the private key (PEM)", id="key-path", compact=True)
        with Horizontal():
            yield Button("Save and check (r)", id="run-action", variant="primary", compact=True)
        yield Static("", classes="result")

    def on_mount(self) -> None:
        self._show_fields()

    def _oauth(self) -> bool:
        return self.query_one("#auth-oauth", RadioButton).value

    @on(RadioSet.Changed)
    def _show_fields(self) -> None:
        oauth = self._oauth()
        self.query_one("#token-fields").display = not oauth
        self.query_one("#oauth-fields").display = oauth

    @on(Input.Submitted)
    @on(Button.Pressed, "#run-action")
    def _go(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        self.run_action()

    @work(exclusive=True, group="apply", exit_on_error=False, description="checking Okta credentials")
    async def run_action(self) -> None:
        import asyncio
        from pathlib import Path

        from pydantic import SecretStr

        from wizard.engine import engine_for
        from wizard.secrets import Purpose, SecretStoreError

        app = self.wizard
        assert app.org is not None
        try:
            if self._oauth():
                client_id = self.query_one("#client-id", Input).value.strip()
                key_path = self.query_one("#key-path", Input).value.strip()
                if not client_id:
                    self.say("[red]Enter the service app's client ID.[/red]")
                    return
                if key_path:
                    try:
                        pem = Path(key_path).expanduser().read_text()
                    except OSError as exc:
                        self.say(f"[red]Could not read {key_path}: {exc.strerror}.[/red]")
                        return
                    await asyncio.to_thread(
                        app.secrets.put, app.org.host, Purpose.OKTA_PRIVATE_KEY, SecretStr(pem)
                    )
                app.session.update_settings(auth_method="oauth", oauth_client_id=client_id)
            else:
                field = self.query_one("#okta-token", Input)
                token = field.value.strip().removeprefix("SSWS ").strip()
                if token:
                    await asyncio.to_thread(
                        app.secrets.put, app.org.host, Purpose.OKTA_API_TOKEN, SecretStr(token)
                    )
                    field.value = ""
                app.session.update_settings(auth_method="api_token")
        except SecretStoreError as exc:
            self.say(f"[red]{exc}[/red]")
            return
        await app.engine.reset()
        ctx = await self.engine_context()
        if ctx is None:
            return
        self.say("Checking the credentials with read-only calls…")
        outcome = await engine_for("okta-sign-in").apply(ctx, {})
        self.say(_format_outcome(outcome))
        self.post_message(ActionDone("okta-sign-in", outcome.ok))


class ConsoleActionBox(ActionBox):
    """A hand-off: what to do in the Admin Console, then live detection of what Okta reports."""

    POLL_TIMEOUT = 15 * 60.0

    def compose(self) -> ComposeResult:
        yield Static("Detection", classes="box-title")
        yield Static("Looking at Okta…", id="detection")
        with Horizontal():
            yield Button("I did it: confirm (c)", id="confirm", variant="primary", compact=True)
            yield Button("Check now", id="check-now", compact=True)
            if self.wizard.demo is not None:
                yield Button("Do this in the demo console (x)", id="demo-do", variant="warning", compact=True)
        yield Static("", classes="result")

    def on_mount(self) -> None:
        self.watch_okta()

    def show(self, detection: Detection) -> None:
        lines = []
        for name, seen in detection.items.items():
            if seen is True:
                lines.append(f"[green]✔[/green] {name}")
            elif seen is None:
                lines.append(f"[dim]?[/dim] {name} [dim](you confirm)[/dim]")
            elif name in detection.soft:
                lines.append(f"[yellow]…[/yellow] {name} [dim](not detected; Okta may not report it)[/dim]")
            else:
                lines.append(f"[yellow]…[/yellow] {name}")
        hard_missing = any(v is False and n not in detection.soft for n, v in detection.items.items())
        if detection.error or not detection.items or hard_missing:
            # Say what happened: an error, or why a required item is missing (e.g. the
            # Kandji pre-flight's cause and fix at step 11).
            lines.append(detection.message)
        else:
            seen = sum(1 for value in detection.items.values() if value)
            detectable = sum(1 for value in detection.items.values() if value is not None)
            summary = f"Seen {seen} of {detectable} that Okta reports"
            if detection.undetectable:
                summary += f"; {len(detection.undetectable)} for you to confirm (c)"
            lines.append(f"[dim]{summary}.[/dim]" + (" Polling…" if not detection.complete else ""))
        self.query_one("#detection", Static).update("\n".join(lines))

    @work(exclusive=True, group="detect", exit_on_error=False, description="watching Okta")
    async def watch_okta(self) -> None:
        from wizard.engine import engine_for

        ctx = await self.engine_context()
        if ctx is None:
            self.query_one("#detection", Static).update("")
            return
        engine = engine_for(self.action)
        detection = await engine.wait(ctx, timeout=self.POLL_TIMEOUT, on_update=self.show)  # type: ignore[attr-defined]
        if detection.complete and not detection.undetectable:
            await self._record(ctx, confirmed=False)  # everything was seen: move on by itself
        elif detection.complete:
            self.say("Okta reports everything it can. Confirm the rest when it is done.")

    async def _record(self, ctx: EngineContext, *, confirmed: bool) -> None:
        from wizard.engine import engine_for

        outcome = await engine_for(self.action).apply(ctx, {"confirmed": confirmed})
        self.say(_format_outcome(outcome))
        self.post_message(ActionDone(self.action, outcome.ok))

    @on(Button.Pressed, "#check-now")
    def _check_now(self, event: Button.Pressed) -> None:
        event.stop()
        self.watch_okta()

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.confirm()

    @work(exclusive=True, group="apply", exit_on_error=False, description="recording the step")
    async def confirm(self) -> None:
        ctx = await self.engine_context()
        if ctx is not None:
            await self._record(ctx, confirmed=True)

    @on(Button.Pressed, "#demo-do")
    def _demo_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.do_in_demo_console()

    @work(exclusive=True, group="apply", exit_on_error=False, description="demo console")
    async def do_in_demo_console(self) -> None:
        from wizard.engine import EngineError, engine_for

        ctx = await self.engine_context()
        if ctx is None:
            return
        try:
            await engine_for(self.action).demo_complete(ctx)  # type: ignore[attr-defined]
        except EngineError as exc:
            self.say(f"[red]{exc}[/red]")
            return
        self.say("Done in the demo console, as an admin would in Okta.")
        # The admin did every item, the undetectable ones included.
        self.workers.cancel_group(self, "detect")
        detection = await engine_for(self.action).detect(ctx)  # type: ignore[attr-defined]
        self.show(detection)
        await self._record(ctx, confirmed=True)


class ProofBox(ActionBox):
    """Step 24: every group member provisioned in Okta and found in Kandji."""

    TIMEOUT = 180.0

    def compose(self) -> ComposeResult:
        yield Static("Proof from both sides", classes="box-title")
        yield Static(
            "Polls Okta until every member of the group is PROVISIONED and SYNCHRONIZED, then "
            "looks each one up in Kandji by userName.",
            classes="plan",
        )
        with Horizontal():
            yield Button("Prove it (r)", id="run-action", variant="primary", compact=True)
        yield Static("", id="proof-users")
        yield Static("", classes="result")
        yield Vertical(id="fixes")

    @on(Button.Pressed, "#run-action")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.run_action()

    def show_users(self, users: list[UserProof]) -> None:
        lines = []
        for user in users:
            mark = "[green]✔[/green]" if user.done else "[yellow]…[/yellow]"
            okta = f"{user.okta_status or 'not yet'}/{user.sync_state or '—'}"
            lines.append(f"{mark} {user.login}  [dim]Okta[/dim] {okta}  [dim]Kandji[/dim] {user.kandji}")
        done = sum(1 for user in users if user.done)
        lines.append(f"{done} of {len(users)} in Kandji")
        self.query_one("#proof-users", Static).update("\n".join(lines))

    @work(exclusive=True, group="apply", exit_on_error=False, description="proving step 24")
    async def run_action(self) -> None:
        from wizard.engine import prove
        from wizard.engine.prove import VerifyEngine

        ctx = await self.engine_context()
        if ctx is None:
            return
        self.say("Waiting for Okta to push the users…")
        result: ProofResult = await prove(ctx, timeout=self.TIMEOUT, on_progress=self.show_users)
        self.show_users(result.users)
        outcome = VerifyEngine()._record(ctx, result)
        self.say(_format_outcome(outcome))
        fixes = self.query_one("#fixes", Vertical)
        await fixes.remove_children()
        offered: set[str] = set()
        for diagnosis in result.diagnoses:
            text = f"[b]{diagnosis.title}[/b] ({diagnosis.source}): {diagnosis.detail}\n→ {diagnosis.fix}"
            await fixes.mount(Static(text))
            if diagnosis.fix_step and diagnosis.fix_step not in offered:
                offered.add(diagnosis.fix_step)
                label = f"Go to step {diagnosis.fix_step}"
                await fixes.mount(Button(label, name=diagnosis.fix_step, compact=True))
        self.post_message(ActionDone("verify", result.ok))

    @on(Button.Pressed, "#fixes Button")
    def _go_fix(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(GoToStep(event.button.name or ""))


API_ACTIONS = {"create-app", "group", "test-user", "assign"}
CONSOLE_ACTIONS = {"enable-scim", "scim-connection", "test-connector", "to-app"}


def box_for(action: str) -> ActionBox | None:
    if action in API_ACTIONS:
        return ApiActionBox(action)
    if action in CONSOLE_ACTIONS:
        return ConsoleActionBox(action)
    if action == "okta-sign-in":
        return SignInBox(action)
    if action == "verify":
        return ProofBox(action)
    return None
