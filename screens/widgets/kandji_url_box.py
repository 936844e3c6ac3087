"""Step B.1: the SCIM base URL Kandji shows, checked by the step engine (KandjiEngine)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Static

from screens.widgets.action_box import ActionBox
from screens.widgets.action_text import escape, format_outcome
from screens.widgets.messages import ActionDone


class KandjiUrlBox(ActionBox):
    main_label = "Save URL"

    def compose(self) -> ComposeResult:
        settings = self.wizard.session.state.settings
        yield Static("Kandji SCIM base URL", classes="box-title")
        yield Input(
            value=settings.kandji_base_url or self.wizard.demo_prefill("kandji_base_url"),
            placeholder="paste it from Kandji › Integrations › SCIM",
            id="kandji-url",
            compact=True,
            select_on_focus=False,
        )
        yield Checkbox("This is my Kandji SCIM host (not a known Kandji domain)", id="confirm-host")
        yield Static("", id="kandji-url-message", classes="result")

    def main(self) -> None:
        field = self.query_one("#kandji-url", Input)
        if not field.value.strip():
            self.ask_for(field, "Paste the SCIM base URL Kandji shows, then press Enter.")
            return
        self.save_url()

    @on(Input.Submitted, "#kandji-url")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.main()

    @work(exclusive=True, group="apply", exit_on_error=False, description="checking the Kandji URL")
    async def save_url(self) -> None:
        from wizard.engine import engine_for

        field = self.query_one("#kandji-url", Input)
        confirm = self.query_one("#confirm-host", Checkbox)
        ctx = self.wizard.engine.kandji_context()
        confirmed = confirm.has_class("-visible") and confirm.value
        inputs = {
            "base_url": field.value,
            "allow_unknown_host": confirmed,
            "allow_insecure_loopback": self.wizard.allow_insecure_loopback,
        }
        outcome = await engine_for("kandji").apply(ctx, inputs)
        if outcome.evidence.get("unknown_host"):
            confirm.add_class("-visible")
            text = escape(outcome.messages[0])
            self.say(f"[yellow]{text}[/yellow]\nTick the box if it is yours, then press Enter.")
            return
        if outcome.ok:
            field.value = self.wizard.session.state.settings.kandji_base_url or field.value
            if outcome.warnings:  # said where the admin looks next, since B.2 replaces this panel
                self.notify("; ".join(outcome.warnings), severity="warning", timeout=8)
        self.say(format_outcome(outcome, ["B.1"]))
        self.post_message(ActionDone("kandji", outcome.ok))
