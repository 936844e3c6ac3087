"""How the TUI reaches an existing integration: the org, a way to open an Okta client, and
Kandji's URL and token when they are at hand (DESIGN §6: each secret goes only to its host)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from wizard.doctor.checks import KandjiSide
from wizard.okta.client import OktaClient
from wizard.okta.domains import OrgUrl

Opener = Callable[..., Awaitable[OktaClient]]


@dataclass
class IntegrationAccess:
    org: OrgUrl
    open_okta: Opener  # (**client options) -> an open OktaClient the caller closes
    kandji: KandjiSide = field(default_factory=KandjiSide)
    store_root: Path | None = None  # where reconcile keeps its checkpoint
    saved_app_id: str | None = None
    label: str = ""
    has_credentials: bool = True  # False: no Okta credential stored; ask the admin for a token


def with_api_token(org: OrgUrl, token: SecretStr) -> Opener:
    """An opener for a token the admin typed (kept in memory for this run only)."""
    from wizard.okta.auth import ApiTokenAuth

    async def opener(**options: Any) -> OktaClient:
        return OktaClient(org, ApiTokenAuth(token), **options)

    return opener


def for_demo(demo: Any) -> IntegrationAccess:
    """The demo's seeded hand-made integration (seeded on first use)."""
    demo.seed_existing_integration()
    return IntegrationAccess(
        org=demo.org,
        open_okta=demo.open_okta,
        kandji=KandjiSide(demo.kandji_url, demo.kandji_token, "demo keyring", "demo"),
        store_root=demo.state_dir,
        label=f"{demo.org.host} (demo)",
    )


def for_org(org: OrgUrl, secrets: Any, store_root: Path, settings: Any | None) -> IntegrationAccess | None:
    """A saved setup's or a keyring's way in; None when no Okta credential is stored for `org`
    (the caller asks the admin for a token)."""
    from wizard.engine.signin import open_okta
    from wizard.secrets import Purpose, SecretStoreError
    from wizard.state import SetupSettings

    settings = settings or SetupSettings(auth_method="api_token")
    try:
        stored = secrets.get(org.host, Purpose.OKTA_API_TOKEN) if settings.auth_method != "oauth" else True
        kandji_token = secrets.get(org.host, Purpose.KANDJI_SCIM_TOKEN)
    except SecretStoreError:
        stored, kandji_token = None, None
    kandji = KandjiSide(token=kandji_token, token_source="keyring" if kandji_token else "")
    if settings.kandji_base_url:
        from wizard.kandji.urls import KandjiUrlError, parse_kandji_url

        try:
            kandji.url = parse_kandji_url(
                settings.kandji_base_url, allow_insecure_loopback=True, allow_unknown_host=True
            )
            kandji.url_source = "saved setup"
        except KandjiUrlError:
            pass
    if not stored:
        return IntegrationAccess(org, _missing, kandji, store_root, label=org.host, has_credentials=False)

    async def opener(**options: Any) -> OktaClient:
        return await open_okta(org, secrets, settings, **options)

    return IntegrationAccess(org, opener, kandji, store_root, label=org.host)


async def _missing(**options: Any) -> OktaClient:
    raise LookupError("no Okta credential is stored for this org")
