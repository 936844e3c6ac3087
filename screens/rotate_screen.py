"""Rotate the Kandji token (issue 14): the new token tested and kept, step 10.5 handed off, the
canary's proof, then the offer to delete the token from the keyring. The steps are the core's
(wizard/canary/rotation.py); this screen only lays them out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr
from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from screens.base import WizardScreen
from screens.widgets.copy_field import CopyField
from screens.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from wizard.canary import CanaryReport


class RotateTokenScreen(WizardScreen):
    DEFAULT_CSS = """
    RotateTokenScreen #rotate { padding: 0 1; }
    RotateTokenScreen #rotate-token { width: 1fr; }
    RotateTokenScreen .message { height: auto; }
    RotateTokenScreen #rotate-handoff { height: auto; }
    RotateTokenScreen CopyField { margin: 0; }
    RotateTokenScreen CopyField > Label { width: 14; }
    """
    BINDINGS = [Binding("escape", "back", "Back", id="rotate-back")]

    def compose(self) -> ComposeResult:
        from wizard.canary.rotation import REGENERATE

        yield from self.compose_top()
        with VerticalScroll(id="rotate"):
            yield Static("[b]Rotate the Kandji token[/b]")
            yield Static(
                "\n".join(f"{n}. {escape(text)}" for n, text in enumerate(REGENERATE, 1)), id="rotate-intro"
            )
            with Horizontal(classes="input-row", id="rotate-input"):
                yield Input(placeholder="the new Kandji token", password=True, id="rotate-token")
                yield Button("Test and keep", id="rotate-store", variant="primary", compact=True)
            if self.wizard.demo is not None:
                yield Button("Regenerate it in the demo's Kandji", id="rotate-demo-regenerate", compact=True)
            yield Static("", id="rotate-stored", classes="message")
            with Vertical(id="rotate-handoff"):
                yield Static("", id="rotate-where")
                yield CopyField("Okta page", "", openable=True, id="rotate-link")
                yield CopyField("Bearer token", secret=self.wizard.read_kandji_token, id="rotate-copy")
                yield Static(
                    "[ ] Paste it into Bearer token  [ ] Test Connector Configuration (Okta must say "
                    "it is configured successfully)  [ ] Save"
                )
                with Horizontal(classes="input-row"):
                    yield Button("Done in Okta: prove it", id="rotate-prove", variant="primary", compact=True)
                    if self.wizard.demo is not None:
                        yield Button("Do this in the demo console", id="rotate-demo-console", compact=True)
            yield Static("", id="rotate-proof", classes="message")
            yield Button("Delete the Kandji token from the keyring", id="rotate-forget", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#rotate-handoff").display = False
        self.query_one("#rotate-forget").display = False
        self.query_one("#rotate-token", Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    # -- 1. the new token: pre-flight, keyring --------------------------------------------------
    @on(Button.Pressed, "#rotate-demo-regenerate")
    def _demo_regenerate(self) -> None:
        """The demo's Kandji regenerates its token (the old one is refused from now on) and the
        demo types the new one for the admin, as it does everywhere else."""
        demo = self.wizard.demo
        assert demo is not None
        new = demo.scim.rotate_token(demo.next_kandji_token)
        demo.kandji_token = new
        field = self.query_one("#rotate-token", Input)
        field.value = new.get_secret_value()
        self.query_one("#rotate-stored", Static).update(
            "The demo's Kandji made a new token and refuses the old one now: Okta's pushes fail until 10.5."
        )

    @on(Input.Submitted, "#rotate-token")
    @on(Button.Pressed, "#rotate-store")
    def _store(self) -> None:
        text = self.query_one("#rotate-token", Input).value.strip()
        if not text:
            self.query_one("#rotate-stored", Static).update("[red]Paste the new token first.[/red]")
            return
        self.query_one("#rotate-stored", Static).update("Testing the new token against Kandji…")
        self.store_token(SecretStr(text))

    @work(exclusive=True, group="rotate", exit_on_error=False, description="testing the new token")
    async def store_token(self, token: SecretStr) -> None:
        from wizard.canary import rotation
        from wizard.engine.errors import EngineError

        message = self.query_one("#rotate-stored", Static)
        try:
            ctx = await self.wizard.engine.context()
            outcome = await rotation.store_new_token(ctx, token)
        except EngineError as exc:
            message.update(f"[red]{escape(str(exc))}[/red]")
            return
        text = escape(" ".join(outcome.messages))
        if not outcome.ok:
            message.update(f"[red]{text}[/red]")
            return
        self.query_one("#rotate-token", Input).value = ""  # kept in the keyring, not in the field
        message.update(f"[green]✔ The new token: {text} Kept in the keyring.[/green]")
        # The explanation and the input are done with: keep what to do next on one screen.
        for done in ("#rotate-intro", "#rotate-input", "#rotate-demo-regenerate"):
            for widget in self.query(done):
                widget.display = False
        step = rotation.handoff(ctx)
        self.query_one("#rotate-where", Static).update(
            f"[b]Now in Okta (step 10.5):[/b] {escape(step.where)}"
        )
        link = self.query_one("#rotate-link", CopyField)
        link.value = step.link or ""
        link.query_one(".value", Static).update(escape(step.link or "(the app is not recorded)"))
        self.query_one("#rotate-handoff").display = True
        self.query_one("#rotate-prove", Button).focus()

    # -- 2. 10.5 in the demo console ------------------------------------------------------------
    @on(Button.Pressed, "#rotate-demo-console")
    @work(exclusive=True, group="rotate", exit_on_error=False, description="the demo console")
    async def demo_console(self) -> None:
        from wizard.engine import recorded

        demo = self.wizard.demo
        assert demo is not None
        ctx = await self.wizard.engine.context()
        app_id = recorded(ctx, "create-app", "app_id")
        token = self.wizard.read_kandji_token()
        if app_id is None or token is None:
            self.notify("Nothing to paste: store the new token first.", severity="warning")
            return
        ok, said = demo.console.replace_bearer_token(str(app_id), token)
        self.query_one("#rotate-proof", Static).update(
            f"Demo console: pasted the token, Test Connector Configuration → {escape(said)}; Save."
        )
        if ok:
            self.prove()

    # -- 3. the canary's proof, then the keyring --------------------------------------------------
    @on(Button.Pressed, "#rotate-prove")
    def prove(self) -> None:
        from screens.canary_screen import CanaryScreen

        self.app.push_screen(CanaryScreen(on_done=self._proved))

    def _proved(self, report: CanaryReport) -> None:
        self.record_proof(report)
        proof = self.query_one("#rotate-proof", Static)
        if report.ok:
            proof.update(f"[green]✔ Rotation proved. {escape(report.message)}[/green]")
            self.query_one("#rotate-forget").display = True
        else:
            proof.update(f"[red]Not proved yet: {escape(report.message)}[/red]")

    @work(exclusive=True, group="rotate-record", exit_on_error=False, description="recording the rotation")
    async def record_proof(self, report: CanaryReport) -> None:
        from wizard.canary import rotation

        ctx = await self.wizard.engine.context()
        if self.wizard.demo is not None and report.ok:
            rotation.okta_updated(ctx, "demo console")
        elif report.ok:
            rotation.okta_updated(ctx, "the admin")
        rotation.record_proof(ctx, report)

    @on(Button.Pressed, "#rotate-forget")
    @work(thread=True, group="keyring", exit_on_error=False, description="deleting the Kandji token")
    def forget_token(self) -> None:
        from screens.token_forget import forget_kandji_token

        self.app.call_from_thread(self._say, forget_kandji_token(self.wizard))

    def _say(self, text: str) -> None:
        self.query_one("#rotate-proof", Static).update(text)
