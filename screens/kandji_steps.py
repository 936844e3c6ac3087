"""What the step screen does at B.2 (test then store the token), 11 (test again) and 24
(look the users up in Kandji). Kept apart so the step screen stays about navigation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.widgets import Button, Input, Static

from screens.base import WizardScreen

if TYPE_CHECKING:
    from pydantic import SecretStr

    from wizard.kandji.urls import KandjiUrl


class KandjiStepsMixin(WizardScreen):
    """Mixed into StepScreen; relies on its `wizard`, `current` and `_set_status`."""

    pending_token: SecretStr | None = None

    def _set_status(self, number: str, status: str, **kwargs: Any) -> None:
        raise NotImplementedError

    def _kandji_url(self) -> KandjiUrl | None:
        from wizard.kandji.urls import KandjiUrlError, parse_kandji_url

        saved = self.wizard.session.state.settings.kandji_base_url
        if not saved:
            return None
        try:
            # The host was confirmed (or known) when it was saved at B.1.
            return parse_kandji_url(
                saved,
                allow_insecure_loopback=self.wizard.allow_insecure_loopback,
                allow_unknown_host=True,
            )
        except KandjiUrlError:
            return None

    def _say(self, widget_id: str, text: str) -> None:
        self.query_one(widget_id, Static).update(text)

    # --- B.2 ----------------------------------------------------------------------------
    @on(Input.Submitted, "#kandji-token")
    @on(Button.Pressed, "#save-kandji-token")
    def _token_entered(self) -> None:
        from wizard.kandji.tokens import TokenInputError, clean_bearer_token

        url = self._kandji_url()
        if url is None:
            self._say("#kandji-token-message", "[red]Save the SCIM base URL at step B.1 first.[/red]")
            return
        field = self.query_one("#kandji-token", Input)
        try:
            token, notes = clean_bearer_token(field.value)
        except TokenInputError as exc:
            self._say("#kandji-token-message", f"[red]{exc}[/red]")
            return
        field.value = ""  # from here on the token is only in memory, then the keyring
        self.pending_token = token
        self.query_one("#keep-token", Button).display = False
        note = " ".join(notes)
        self._say("#kandji-token-message", f"Testing the token against {url.host}… {note}".strip())
        self.run_preflight(url, token)

    @on(Button.Pressed, "#keep-token")
    def _keep_anyway(self) -> None:
        if self.pending_token is None:
            return
        self.wizard.session.update_settings(token_kept_despite_failed_preflight=True)
        self.store_token(self.pending_token, {"preflight": "failed; kept by the admin"})

    @work(exclusive=True, group="preflight", exit_on_error=False, description="Kandji pre-flight")
    async def run_preflight(self, url: KandjiUrl, token: SecretStr) -> None:
        from screens.widgets.preflight_panel import PreflightPanel
        from wizard.kandji.preflight import run_preflight

        panel = self.query_one(PreflightPanel)
        panel.reset()
        panel.display = True
        report = await run_preflight(url, token, on_result=panel.add_result)
        panel.finish(report)
        if report.ok:
            self.store_token(token, {"preflight": "passed"})
        else:
            self._say(
                "#kandji-token-message",
                "[red]The token was not stored:[/red] see the failed checks above. Paste a "
                "corrected token, or keep this one anyway if you know why the check fails.",
            )
            self.query_one("#keep-token", Button).display = True

    @work(thread=True, group="keyring", exit_on_error=False, description="saving the Kandji token")
    def store_token(self, token: SecretStr, evidence: dict[str, Any]) -> None:
        from wizard.secrets import Purpose, SecretStoreError

        app = self.wizard
        assert app.org is not None
        try:
            app.secrets.put(app.org.host, Purpose.KANDJI_SCIM_TOKEN, token)
        except SecretStoreError as exc:
            self.app.call_from_thread(self._say, "#kandji-token-message", f"[red]{exc}[/red]")
            return
        memory = app.secrets.memory_only
        self.app.call_from_thread(self._token_stored, memory, evidence)

    async def _token_stored(self, memory: bool, evidence: dict[str, Any]) -> None:
        self.pending_token = None
        self.wizard.session.update_settings(secrets_memory_only=memory)
        where = "memory (this run only)" if memory else "keyring"
        self._set_status("B.2", "done", evidence={**evidence, "stored_in": where})
        self.query_one("#keep-token", Button).display = False
        self._refresh_chrome()  # type: ignore[attr-defined]
        if memory:
            # Stay: the admin must see that the token lives only as long as this run.
            self._say(
                "#kandji-token-message",
                "[yellow]Token kept in memory for this run only[/yellow] (see the warning above). "
                "Press n to go on.",
            )
            return
        self.notify("The Kandji token passed the checks and is in the OS keyring.", timeout=5)
        await self.go_to("1")  # type: ignore[attr-defined]

    # --- 24 -----------------------------------------------------------------------------
    @on(Input.Submitted, "#verify-logins")
    @on(Button.Pressed, "#verify-users")
    def _verify(self) -> None:
        logins = [x.strip() for x in self.query_one("#verify-logins", Input).value.split(",") if x.strip()]
        url, token = self._kandji_url(), self.wizard.read_kandji_token()
        if not logins:
            self._say("#verify-result", "[yellow]Type one or more Okta logins, separated by commas.[/yellow]")
            return
        if url is None or token is None:
            self._say(
                "#verify-result", "[red]The Kandji URL or token is missing: see steps B.1 and B.2.[/red]"
            )
            return
        self._say("#verify-result", "Looking the users up in Kandji…")
        self.verify_users(url, logins)

    @work(exclusive=True, group="verify", exit_on_error=False, description="looking users up in Kandji")
    async def verify_users(self, url: KandjiUrl, logins: list[str]) -> None:
        from pydantic import SecretStr

        from wizard.kandji.verify import verify_users

        token = self.wizard.read_kandji_token() or ""
        results = await verify_users(url, SecretStr(token), logins)
        marks = {"found": "[green]✔ found[/green]", "inactive": "[yellow]! inactive[/yellow]"}
        lines = [
            f"{marks.get(r.status, '[red]✘ ' + r.status + '[/red]')}  {r.login}  {r.detail}" for r in results
        ]
        self._say("#verify-result", "\n".join(lines))
        record = self.wizard.session.state.step("24")
        record.evidence["kandji_users"] = {r.login: r.status for r in results}
        self.wizard.session.save()
