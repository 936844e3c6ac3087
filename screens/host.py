"""What screens and widgets may ask of the app, as a typed interface.

Screens reach the application only through `WizardHost`, never by importing `screens.app`,
so the app module depends on its screens and not the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from screens.engine_link import EngineLink
    from wizard.catalog import Catalog
    from wizard.demo.services import DemoServices
    from wizard.okta.domains import OrgUrl
    from wizard.secrets import KeyringProbe, SecretStore
    from wizard.state import StateStore, TenantSession


class WizardHost(Protocol):
    """The session the screens render: the open tenant, its secrets and the engine link."""

    demo: DemoServices | None
    allow_insecure_loopback: bool
    initial_org_url: str
    catalog: Catalog
    session: TenantSession
    org: OrgUrl | None
    keyring_probe: KeyringProbe | None
    engine: EngineLink

    @property
    def store(self) -> StateStore: ...

    @property
    def secrets(self) -> SecretStore: ...

    @property
    def keyring_warning(self) -> str: ...

    def open_tenant(self, org: OrgUrl, then: str | None = None) -> None: ...

    async def close_tenant(self) -> None: ...

    def read_kandji_token(self) -> str | None: ...

    def kandji_token_present(self) -> bool: ...

    def demo_prefill(self, key: str) -> str: ...

    async def action_quit(self) -> None: ...


def host_of(node: DOMNode) -> WizardHost:
    """The wizard app behind any screen or widget."""
    return cast("WizardHost", node.app)
