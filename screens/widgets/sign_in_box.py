"""Step 1: the Okta credentials, stored in the keyring, then checked with read calls."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, RadioButton, RadioSet, Static

from screens.widgets.action_box import ActionBox
from screens.widgets.action_text import format_outcome
from screens.widgets.messages import ActionDone


class SignInBox(ActionBox):
    """Enter saves what was typed (if anything) and checks it with read-only calls. A token
    that is already stored is kept, so a check that failed because the network was down is
    simply tried again."""

    main_label = "Save and check"

    def compose(self) -> ComposeResult:
        settings = self.wizard.session.state.settings
        with RadioSet(id="auth-method", compact=True):
            yield RadioButton("API token", value=settings.auth_method != "oauth", id="auth-token")
            yield RadioButton("OAuth service app", value=settings.auth_method == "oauth", id="auth-oauth")
        with Vertical(id="token-fields", classes="field"):
            yield Input(
                password=True,
                placeholder=self._token_placeholder(),
                id="okta-token",
                value=self.wizard.demo_prefill("okta_token"),
                compact=True,
                select_on_focus=False,
            )
        with Vertical(id="oauth-fields", classes="field"):
            yield Input(
                value=settings.oauth_client_id or "",
                placeholder="client ID",
                id="client-id",
                compact=True,
                select_on_focus=False,
            )
            yield Input(placeholder="path to the private key (PEM)", id="key-path", compact=True)
        yield Static("", classes="result")

    def _token_placeholder(self) -> str:
        where = "kept in memory for this run only" if self._memory_only() else "goes to the OS keyring"
        return f"API token (Security › API › Tokens): hidden, {where}"

    def _memory_only(self) -> bool:
        probe = self.wizard.keyring_probe
        return self.wizard.demo is not None or (probe is not None and probe.state == "unavailable")

    def on_mount(self) -> None:
        self._show_fields()

    def main(self) -> None:
        self.run_action()

    def _oauth(self) -> bool:
        return self.query_one("#auth-oauth", RadioButton).value

    @on(RadioSet.Changed)
    def _show_fields(self) -> None:
        oauth = self._oauth()
        self.query_one("#token-fields").display = not oauth
        self.query_one("#oauth-fields").display = oauth

    @on(Input.Submitted)
    def _go(self, event: Input.Submitted) -> None:
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
                    self.ask_for(self.query_one("#client-id", Input), "Enter the service app's client ID.")
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
                else:
                    stored = await asyncio.to_thread(app.secrets.get, app.org.host, Purpose.OKTA_API_TOKEN)
                    if stored is None:
                        self.ask_for(field, "Paste an Okta API token into the field, then press Enter.")
                        return
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
        text = format_outcome(outcome, ["1"])
        if not outcome.ok and not self._oauth():
            self.query_one(
                "#okta-token", Input
            ).placeholder = "the token is kept: press Enter to check it again, or paste a new one"
            text += (
                "\nThe token you gave is kept: if the network was the problem, press Enter to "
                "check again. If Okta refused it, paste a new one."
            )
        self.say(text)
        self.post_message(ActionDone("okta-sign-in", outcome.ok))
