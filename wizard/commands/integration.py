"""What `doctor` and `reconcile` share: the options that say which org and app to look at, and
opening them: a saved setup, an org given by URL (an integration made by hand, nothing saved),
or the demo's seeded integration. Read-only: nothing here writes to Okta, Kandji or the saved
progress; reports and checkpoints go to their own folders in the state dir."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.commands.common import add_loopback, add_secrets_stdin, add_tenant

if TYPE_CHECKING:
    from wizard.commands.secret_input import HeadlessSecrets
    from wizard.demo.seeding import SeededIntegration
    from wizard.doctor.checks import KandjiSide
    from wizard.okta.client import OktaClient
    from wizard.okta.domains import OrgUrl


class BadInput(Exception):
    """The options cannot be used; `str()` says what to give instead (exit 2)."""


def add_target_options(parser: argparse.ArgumentParser, *, demo_help: str) -> None:
    add_tenant(parser)
    parser.add_argument(
        "--org",
        metavar="URL",
        help="the Okta org URL (https://acme.okta.com) when no setup is saved for it, e.g. an "
        "integration made by hand; the API token comes from OKTA_API_TOKEN, --secrets-stdin or the keyring",
    )
    parser.add_argument("--client-id", metavar="ID", help="with --org: an OAuth service app's client id")
    parser.add_argument("--custom-domain", action="store_true", help="with --org: the URL is a custom domain")
    parser.add_argument("--app-id", metavar="ID", help="the app integration to check (0oa…)")
    parser.add_argument("--app-label", metavar="LABEL", help="the app integration's exact label")
    parser.add_argument(
        "--scim-url",
        metavar="URL",
        help="Kandji's SCIM base URL, when no saved setup records it",
    )
    parser.add_argument(
        "--since",
        default="7d",
        metavar="WHEN",
        help="how far back to read the System Log: 7d, 36h, or a date (2026-11-24); default 7d",
    )
    parser.add_argument("--demo", dest="target_demo", action="store_true", help=demo_help)
    add_loopback(parser)
    add_secrets_stdin(parser)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    raw = text.strip().lower()
    moment: datetime | None
    if raw[-1:] in ("d", "h") and raw[:-1].isdigit():
        amount = int(raw[:-1])
        moment = now - (timedelta(days=amount) if raw.endswith("d") else timedelta(hours=amount))
    else:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise BadInput(f"--since {text!r} is not 7d, 36h or a date like 2026-11-24.")
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment > now:
        raise BadInput(f"--since {text!r} is in the future.")
    if now - moment > timedelta(days=90):
        raise BadInput(f"--since {text!r} is more than 90 days ago; Okta keeps the System Log for 90 days.")
    return moment


@dataclass
class Target:
    org: OrgUrl
    okta: OktaClient
    store_root: Path
    kandji: KandjiSide
    saved_app_id: str | None
    label: str
    seeded: SeededIntegration | None = None


@asynccontextmanager
async def open_target(
    args: argparse.Namespace, given: HeadlessSecrets, command: str, **client_options: Any
) -> AsyncIterator[Target]:
    if getattr(args, "target_demo", False):
        async with _demo_target(args, **client_options) as target:
            yield target
        return
    async with _real_target(args, given, command, **client_options) as target:
        yield target


@asynccontextmanager
async def _demo_target(args: argparse.Namespace, **client_options: Any) -> AsyncIterator[Target]:
    import asyncio

    from wizard.demo.services import DemoServices
    from wizard.doctor.checks import KandjiSide

    demo = DemoServices()
    await asyncio.to_thread(demo.start)
    try:
        users = int(getattr(args, "users", None) or 200)
        seeded = await asyncio.to_thread(demo.seed_existing_integration, users)
        okta = await demo.open_okta(**client_options)
        try:
            kandji = KandjiSide(demo.kandji_url, demo.kandji_token, "demo keyring", "demo")
            yield Target(demo.org, okta, demo.state_dir, kandji, None, f"{demo.org.host} (demo)", seeded)
        finally:
            await okta.aclose()
    finally:
        await asyncio.to_thread(demo.stop)


@asynccontextmanager
async def _real_target(
    args: argparse.Namespace, given: HeadlessSecrets, command: str, **client_options: Any
) -> AsyncIterator[Target]:
    from wizard.commands import calllog
    from wizard.commands.secret_input import KANDJI_TOKEN, open_client
    from wizard.commands.tenants import TenantNotFound, find_tenant, main_store
    from wizard.doctor.checks import KandjiSide
    from wizard.okta.domains import OrgUrlError, parse_org_url
    from wizard.secrets import Purpose, SecretStore, SecretStoreError
    from wizard.state import SetupSettings

    store = main_store()
    saved = None
    if args.org:
        try:
            org = parse_org_url(
                args.org, allow_custom=args.custom_domain, allow_insecure_loopback=args.loopback
            )
        except OrgUrlError as exc:
            raise BadInput(str(exc)) from None
        try:
            saved = find_tenant(org.host).read()
        except TenantNotFound:
            saved = None
        if saved is not None and not args.client_id:
            settings = saved.settings  # how this org signs in was recorded by the setup
        else:
            settings = SetupSettings(
                auth_method="oauth" if args.client_id else "api_token", oauth_client_id=args.client_id
            )
    else:
        try:
            ref = find_tenant(args.tenant)
        except TenantNotFound as exc:
            raise BadInput(
                f"{exc} To check an integration made by hand, name its org with --org URL."
            ) from None
        if ref.demo:
            raise BadInput("The demo's services are gone; `--demo` checks a fresh demo integration.")
        saved = ref.read()
        org = parse_org_url(saved.org_url, allow_custom=True, allow_insecure_loopback=True)
        settings = saved.settings
    secrets = SecretStore()
    saved_app_id = None
    kandji_url_text, url_source = args.scim_url, "--scim-url"
    if saved is not None:
        from wizard.engine.context import step_numbers

        for number in step_numbers("create-app"):
            record = saved.steps.get(number)
            if record is not None and record.evidence.get("app_id"):
                saved_app_id = str(record.evidence["app_id"])
        if not kandji_url_text and saved.settings.kandji_base_url:
            kandji_url_text, url_source = saved.settings.kandji_base_url, "saved setup"
    kandji = KandjiSide()
    if kandji_url_text:
        from wizard.kandji.urls import KandjiUrlError, parse_kandji_url

        try:
            kandji.url = parse_kandji_url(
                kandji_url_text,
                allow_insecure_loopback=args.loopback or url_source == "saved setup",
                allow_unknown_host=url_source == "saved setup",
            )
            kandji.url_source = url_source
        except KandjiUrlError as exc:
            raise BadInput(f"--scim-url: {exc}") from None
    token = given.get(KANDJI_TOKEN)
    if token is not None:
        kandji.token, kandji.token_source = token, given.sources.get(KANDJI_TOKEN, "input")
    else:
        try:
            kandji.token = secrets.get(org.host, Purpose.KANDJI_SCIM_TOKEN)
            kandji.token_source = "keyring" if kandji.token is not None else ""
        except SecretStoreError:
            kandji.token = None
    okta = await open_client(org, secrets, settings, given, **client_options)
    try:
        yield Target(org, okta, store.root, kandji, saved_app_id, org.host)
    finally:
        calllog.append(store, org.host, command, okta.call_log)
        await okta.aclose()
