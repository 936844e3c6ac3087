"""`okta-kandji-setup plan`: the calls `apply` would make for a config, none of them made."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

from wizard.commands.common import Out, add_json, add_loopback, add_parser, run_guarded
from wizard.commands.exit_codes import Exit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_parser(
        subparsers,
        "plan",
        help="show the API calls `apply` would make (nothing is sent)",
        description=(
            "Show, for each step of the article, what `apply --config FILE` would do: the exact "
            "Okta calls (method, path, body with secrets masked), the console hand-offs and what "
            "is detected afterwards. Steps already finished for this org are marked. No request "
            "is sent and no secret is needed."
        ),
        codes=(Exit.FAILED,),
        example="okta-kandji-setup plan --config setup.toml --json",
    )
    parser.add_argument("--config", type=Path, metavar="FILE", required=True, help="the setup's TOML file")
    add_loopback(parser)
    add_json(parser, "the plan")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    out = Out("plan", as_json=args.json)
    return run_guarded(out, lambda: asyncio.run(_plan(args, out)))


class _NoCalls:
    """Stands in for the Okta client: planning must never send anything."""

    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"planning tried to call Okta ({name}); plans must make no calls")


class _ReadOnlySession:
    """The saved progress (or a fresh one) for planning; refuses every write."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"planning tried to change the saved progress ({name})")


async def _plan(args: argparse.Namespace, out: Out) -> int:
    from datetime import UTC, datetime

    from wizard.commands import planning
    from wizard.commands.apply import _inputs, _settings
    from wizard.commands.config import load_config
    from wizard.commands.secret_input import HeadlessSecrets
    from wizard.commands.tenants import TenantRef, main_store
    from wizard.engine import EngineContext
    from wizard.kandji.urls import parse_kandji_url
    from wizard.okta.domains import parse_org_url
    from wizard.secrets import SecretStore
    from wizard.state import SetupSettings, TenantState

    loopback = bool(args.loopback or getattr(args, "allow_insecure_loopback", False))
    config = load_config(args.config, allow_insecure_loopback=loopback)
    org = parse_org_url(
        config.okta.org_url, allow_custom=config.okta.custom_domain, allow_insecure_loopback=loopback
    )
    ref = TenantRef(main_store(), org.host, demo=False)
    if ref.path.exists():
        state = ref.read()
        fresh = False
    else:
        now = datetime.now(UTC)
        state = TenantState(org_url=org.base_url, org_host=org.host, created_at=now, updated_at=now)
        fresh = True
    state.settings = SetupSettings.model_validate({**state.settings.model_dump(), **_settings(config)})
    kandji_url = parse_kandji_url(
        config.kandji.scim_base_url,
        allow_insecure_loopback=loopback,
        allow_unknown_host=config.kandji.allow_unknown_host,
    )
    ctx = EngineContext(
        org=org,
        session=_ReadOnlySession(state),  # type: ignore[arg-type]
        secrets=SecretStore(),
        okta=_NoCalls(),  # type: ignore[arg-type]
        kandji_url=kandji_url,
    )
    entries = await planning.collect(ctx, _inputs(config, HeadlessSecrets()))
    if out.as_json:
        out.emit(
            {
                "tenant": org.host,
                "org_url": org.base_url,
                "saved_progress": not fresh,
                "actions": [entry.to_dict() for entry in entries],
            }
        )
        return int(Exit.OK)
    saved = "continuing the saved progress" if not fresh else "nothing saved yet for this org"
    out.say(f"Plan for {org.host} ({saved}); nothing is sent:")
    planning.show(out, entries)
    return int(Exit.OK)
