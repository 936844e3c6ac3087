"""Step 1: the Okta credentials, stored in the keyring, then checked with read calls."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from screens.widgets.action_box import ActionBox
from screens.widgets.action_text import format_outcome
from screens.widgets.messages import ActionDone


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
        self.say(format_outcome(outcome))
        self.post_message(ActionDone("okta-sign-in", outcome.ok))
