"""The app's connection to the step engine: one Okta client per tenant, opened from the
keyring when first needed and reopened when the credentials change. The Okta calls it makes
go to the tenant's call log, as the headless commands' do, so a support bundle holds them."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Protocol, cast

from wizard.commands.runtime import Runtime

if TYPE_CHECKING:
    from wizard.demo.services import DemoServices
    from wizard.engine import EngineContext
    from wizard.okta.client import OktaClient
    from wizard.okta.domains import OrgUrl
    from wizard.secrets import SecretStore
    from wizard.state import StateStore, TenantSession

CALL_LOG_COMMAND = "wizard"


class LinkOwner(Protocol):
    """What the link reads from the app: the open tenant and where its secrets are."""

    demo: DemoServices | None
    allow_insecure_loopback: bool
    org: OrgUrl | None
    session: TenantSession | None

    @property
    def secrets(self) -> SecretStore: ...

    @property
    def store(self) -> StateStore: ...


class _NotSignedIn:
    """Stands in for the Okta client at B.1–B.2, whose engines only talk to Kandji: any use
    says what to do rather than failing somewhere deep."""

    def __getattr__(self, name: str) -> Any:
        from wizard.engine import EngineError

        raise EngineError("Sign in to Okta at step 1 first.", fix_step="1")


# The UI's sleep and clock (polls, retries, waits), like RUNTIME for the headless commands:
# tests put virtual time here so no UI test waits in real time.
UI_TIME = Runtime()


class EngineLink:
    def __init__(self, app: LinkOwner) -> None:
        self.app = app
        self._okta: OktaClient | None = None
        self._logged = 0  # how many of the client's calls are already in the call log

    async def context(self) -> EngineContext:
        """An engine context for the open tenant. Raises EngineError (with `fix_step`) when the
        Okta credentials are missing."""
        from wizard.engine import open_okta

        app = self.app
        assert app.org is not None and app.session is not None
        if self._okta is None:
            self._okta = await open_okta(
                app.org, app.secrets, app.session.state.settings, sleep=UI_TIME.sleep
            )
            self._logged = 0
        return self._context(self._okta)

    def kandji_context(self) -> EngineContext:
        """A context for steps B.1–B.2, which come before any Okta credentials exist."""
        return self._context(self._okta or cast("OktaClient", _NotSignedIn()))

    def _context(self, okta: OktaClient) -> EngineContext:
        from wizard.engine import EngineContext
        from wizard.kandji.urls import KandjiUrlError, parse_kandji_url

        app = self.app
        assert app.org is not None and app.session is not None
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
            okta=okta,
            kandji_url=kandji_url,
            demo_console=app.demo.console if app.demo is not None else None,
            sleep=UI_TIME.sleep,
            clock=UI_TIME.clock,
        )

    def flush_call_log(self) -> None:
        """Append the Okta calls made since the last flush to the tenant's call log."""
        from wizard.commands import calllog

        okta, org = self._okta, self.app.org
        if okta is None or org is None:
            return
        fresh = okta.call_log[self._logged :]
        self._logged = len(okta.call_log)
        if fresh:
            with contextlib.suppress(OSError):  # a support log must never stop the setup itself
                calllog.append(self.app.store, org.host, CALL_LOG_COMMAND, fresh)

    async def reset(self) -> None:
        """Forget the client (the credentials changed); the next context opens a new one."""
        self.flush_call_log()
        if self._okta is not None:
            client, self._okta = self._okta, None
            await client.aclose()

    @property
    def connected(self) -> bool:
        return self._okta is not None
