"""Step B.2: the one-time Kandji token, tested against Kandji by the step engine
(KandjiTokenEngine) with each check shown as it completes, then kept in the keyring."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Button, Input, Static

from screens.widgets.action_box import ActionBox
from screens.widgets.action_text import format_outcome
from screens.widgets.messages import ActionDone
from screens.widgets.preflight_panel import PreflightPanel

if TYPE_CHECKING:
    from pydantic import SecretStr


class KandjiTokenBox(ActionBox):
    main_label = "Test and save"

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.pending_token: SecretStr | None = None

    def compose(self) -> ComposeResult:
        stored = self.wizard.kandji_token_present()
        yield Static("Kandji bearer token", classes="box-title")
        if stored:
            yield Static(
                "A token is stored for this org: Enter tests it again; paste a new one to replace it."
            )
        yield Input(
            value="" if stored else self.wizard.demo_prefill("kandji_token"),
            password=True,
            placeholder="paste the token Kandji showed (hidden)",
            id="kandji-token",
            compact=True,
            select_on_focus=False,
        )
        warning = self._memory_warning()
        if warning:
            yield Static(warning, id="keyring-warning", classes="warning")
        yield Static("", id="kandji-token-message", classes="result")
        yield Button("Keep this token anyway", id="keep-token", variant="warning", compact=True)
        yield PreflightPanel()

    def _memory_warning(self) -> str:
        if self.wizard.demo is not None:
            return "Demo: the token stays in memory and is gone when you quit."
        return self.wizard.keyring_warning

    def main(self) -> None:
        from pydantic import SecretStr

        field = self.query_one("#kandji-token", Input)
        if field.value.strip():
            token: SecretStr | None = SecretStr(field.value)
            field.value = ""  # from here on the token is only in memory, then the keyring
        elif self.wizard.kandji_token_present():
            token = None  # the engine tests the stored one
        else:
            self.ask_for(field, "Paste the Kandji token, then press Enter.")
            return
        self.pending_token = token
        self.query_one("#keep-token", Button).display = False
        self.test_and_store(token, keep=False)

    @on(Input.Submitted, "#kandji-token")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.main()

    @on(Button.Pressed, "#keep-token")
    def _keep_anyway(self, event: Button.Pressed) -> None:
        event.stop()
        self.test_and_store(self.pending_token, keep=True)

    @work(exclusive=True, group="apply", exit_on_error=False, description="testing the Kandji token")
    async def test_and_store(self, token: SecretStr | None, *, keep: bool) -> None:
        from wizard.engine import engine_for
        from wizard.engine.kandji_steps import KandjiTokenEngine

        ctx = self.wizard.engine.kandji_context()
        if ctx.kandji_url is None:
            self.say("[red]Save the SCIM base URL at step B.1 first.[/red]")
            return
        panel = self.query_one(PreflightPanel)
        cleared = panel.reset()
        if cleared is not None:
            await cleared
        panel.display = True
        self.say(f"Testing the token against {ctx.kandji_url.host}…")
        inputs: dict[str, Any] = {"keep_despite_failure": keep}
        if token is not None:
            inputs["token"] = token
        engine = engine_for("kandji-token")
        assert isinstance(engine, KandjiTokenEngine)
        outcome = await engine.apply(ctx, inputs, on_check=panel.add_result)
        panel.finish()
        if not outcome.ok:
            failed = outcome.evidence.get("kandji_preflight") == "failed"
            if failed:
                self.query_one("#keep-token", Button).display = token is not None
                self.say(
                    "[red]The token was not stored:[/red] see the failed checks below. Paste a "
                    "corrected token, or keep this one anyway if you know why the check fails."
                )
                self.reveal(panel)
            else:
                self.say(format_outcome(outcome, ["B.2"]))
            self.post_message(ActionDone("kandji-token", False))
            return
        self.pending_token = None
        memory = str(outcome.evidence.get("stored_in", "")).startswith("memory")
        if memory and self.wizard.demo is None:
            # Stay: the admin must see that the token lives only as long as this run.
            self.say(
                "[yellow]Token kept in memory for this run only[/yellow] (see the warning above). "
                "Press n to go on."
            )
            self.post_message(ActionDone("kandji-token", True, advance=False))
            return
        where = "kept in memory until you quit (demo)" if memory else "saved in the OS keyring"
        self.notify(f"The Kandji token passed the checks and is {where}.", timeout=5)
        self.post_message(ActionDone("kandji-token", True))
