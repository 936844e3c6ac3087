"""The app's connection to the step engine: one Okta client per tenant, opened from the
keyring when first needed and reopened when the credentials change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from wizard.commands.runtime import Runtime

if TYPE_CHECKING:
    from wizard.demo.services import DemoServices
    from wizard.engine import EngineContext
    from wizard.okta.client import OktaClient
    from wizard.okta.domains import OrgUrl
    from wizard.secrets import SecretStore
    from wizard.state import TenantSession


class LinkOwner(Protocol):
    """What the link reads from the app: the open tenant and where its secrets are."""

    demo: DemoServices | None
    allow_insecure_loopback: bool
    org: OrgUrl | None
    session: TenantSession | None

    @property
    def secrets(self) -> SecretStore: ...


# The UI's sleep and clock (polls, retries, waits), like RUNTIME for the headless commands:
# tests put virtual time here so no UI test waits in real time.
UI_TIME = Runtime()


class EngineLink:
    def __init__(self, app: LinkOwner) -> None:
        self.app = app
        self._okta: OktaClient | None = None

    async def context(self) -> EngineContext:
        """An engine context for the open tenant. Raises EngineError (with `fix_step`) when the
        Okta credentials are missing."""
        from wizard.engine import EngineContext, open_okta
        from wizard.kandji.urls import KandjiUrlError, parse_kandji_url

        app = self.app
        assert app.org is not None and app.session is not None
        if self._okta is None:
            self._okta = await open_okta(
                app.org, app.secrets, app.session.state.settings, sleep=UI_TIME.sleep
            )
        kandji_url = None
        saved = app.session.state.settings.kandji_base_url
        if saved:
            try:
                kandji_url = parse_kandji_url(
                    saved, allow_insecure_loopback=app.allow_insecure_loopback, allow_unknown_host=True
                )
            except KandjiUrlError:
                kandji_url = None
        return EngineContext(
            org=app.org,
            session=app.session,
            secrets=app.secrets,
            okta=self._okta,
            kandji_url=kandji_url,
            demo_console=app.demo.console if app.demo is not None else None,
            sleep=UI_TIME.sleep,
            clock=UI_TIME.clock,
        )

    async def reset(self) -> None:
        """Forget the client (the credentials changed); the next context opens a new one."""
        if self._okta is not None:
            client, self._okta = self._okta, None
            await client.aclose()

    @property
    def connected(self) -> bool:
        return self._okta is not None
