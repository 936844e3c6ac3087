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


def saved_setup(store: Any, org_host: str) -> tuple[Any, str | None] | None:
    """The saved setup's settings and app id for `org_host`, read without locking or writing;
    None when there is none or it cannot be read."""
    from wizard.engine.context import step_numbers
    from wizard.state import parse_document, read_private

    try:
        state = parse_document(read_private(store.path_for(org_host)))
    except (OSError, ValueError):
        return None
    app_id = None
    for number in step_numbers("create-app"):
        record = state.steps.get(number)
        if record is not None and record.evidence.get("app_id"):
            app_id = str(record.evidence["app_id"])
    return state.settings, app_id


def for_org(org: OrgUrl, secrets: Any, store: Any) -> IntegrationAccess:
    """The way in for `org`: its saved setup (settings, app, Kandji URL) when there is one, and
    the credentials in the keyring; `has_credentials` is False when the admin must give a token."""
    from wizard.engine.signin import open_okta
    from wizard.secrets import Purpose, SecretStoreError
    from wizard.state import SetupSettings

    saved = saved_setup(store, org.host)
    settings = saved[0] if saved else SetupSettings(auth_method="api_token")
    store_root = store.root
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
    app_id = saved[1] if saved else None
    if not stored:
        return IntegrationAccess(org, _missing, kandji, store_root, app_id, org.host, has_credentials=False)

    async def opener(**options: Any) -> OktaClient:
        return await open_okta(org, secrets, settings, **options)

    return IntegrationAccess(org, opener, kandji, store_root, app_id, org.host)


async def _missing(**options: Any) -> OktaClient:
    raise LookupError("no Okta credential is stored for this org")
