"""`okta-kandji-setup apply`: run the setup headless from a config file (or the demo)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.commands.common import (
    Out,
    add_json,
    add_loopback,
    add_parser,
    add_secrets_stdin,
    add_yes,
    run_guarded,
)
from wizard.commands.exit_codes import Exit

if TYPE_CHECKING:
    from wizard.commands.config import SetupConfig
    from wizard.commands.flow import FlowResult
    from wizard.commands.secret_input import HeadlessSecrets
    from wizard.engine import EngineContext

CODES = (
    Exit.FAILED,
    Exit.CREDENTIALS,
    Exit.LOCKED,
    Exit.BAD_ANSWER,
    Exit.CANCELLED,
    Exit.CONSOLE_STEP_9,
    Exit.CONSOLE_STEP_10,
    Exit.CONSOLE_STEP_11,
    Exit.CONSOLE_STEP_12,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_parser(
        subparsers,
        "apply",
        help="run every step headless: API steps done, console steps handed off and detected",
        description=(
            "Run the setup from a config file: every API step is done (idempotently: existing "
            "objects are found and reused), each Admin Console step is handed off (link, values to "
            "paste, checklist) and then polled until it is detected or --timeout passes. The run "
            "then stops with the exit code of the step still open; rerunning the same command "
            "continues where it stopped. `--demo` runs the whole flow against an embedded Okta "
            "simulator and SCIM server, doing console steps in the demo console. Secrets come "
            "from the keyring, the environment or --secrets-stdin, never from arguments. With "
            "--json, progress goes to standard error and the outcome to standard output."
        ),
        codes=CODES,
        example="OKTA_API_TOKEN=… KANDJI_SCIM_TOKEN=… okta-kandji-setup apply --config setup.toml --yes",
    )
    parser.add_argument("--config", type=Path, metavar="FILE", help="the setup's TOML file (see README)")
    parser.add_argument(
        "--demo",
        dest="apply_demo",
        action="store_true",
        help="use the embedded demo services instead of a config (no accounts; nothing real changes)",
    )
    add_yes(parser, "making changes; also confirms console items that no API can show once the rest is seen")
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="how long to poll each console step before stopping "
        "(default: the config's, else 300; 0 looks once)",
    )
    parser.add_argument(
        "--proof-timeout",
        type=float,
        metavar="SECONDS",
        help="how long step 24 waits for the users to reach Kandji (default: the config's, else 300)",
    )
    parser.add_argument(
        "--confirmed",
        action="append",
        default=[],
        metavar="STEP",
        help="you did this console step (9, 10, 11 or 12) and Okta does not report (all of) it: "
        "recorded as confirmed by you, then proved by delivery at step 24; repeatable",
    )
    add_secrets_stdin(parser)
    add_loopback(parser)
    add_json(parser, "the outcome")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    out = Out("apply", as_json=args.json)
    return run_guarded(out, lambda: asyncio.run(_apply(args, out)))


def _confirmed_actions(steps: list[str]) -> frozenset[str]:
    from wizard.catalog import load_catalog
    from wizard.commands.exit_codes import CONSOLE_EXIT
    from wizard.commands.secret_input import SecretInputError

    catalog = load_catalog()
    chosen = set()
    for text in steps:
        number = text.strip()
        match = next(
            (s for s in catalog.steps if s.number == number or s.number.startswith(number + ".")), None
        )
        if match is None or match.action not in CONSOLE_EXIT:
            raise SecretInputError(f"--confirmed {number}: name a console step: 9, 10, 11 or 12.")
        chosen.add(match.action)
    return frozenset(chosen)


async def _apply(args: argparse.Namespace, out: Out) -> int:
    demo = bool(args.apply_demo or getattr(args, "demo", False))
    if demo == (args.config is not None):
        out.error("give either --config FILE or --demo.")
        return int(Exit.USAGE)
    for name in ("timeout", "proof_timeout"):
        value = getattr(args, name)
        if value is not None and value < 0:
            out.error(f"--{name.replace('_', '-')} must be 0 or more seconds.")
            return int(Exit.USAGE)
    confirmed = _confirmed_actions(args.confirmed)
    if demo:
        return await _apply_demo(args, out, confirmed)
    return await _apply_config(args, out, confirmed)


def _settings(config: SetupConfig) -> dict[str, Any]:
    return {
        "app_label": config.app.label,
        "group_name": config.group.name,
        "group_description": config.group.description,
        "users_already_exist": config.users_already_exist,
        "test_user_login": config.test_user.login if config.test_user else None,
        "auth_method": config.okta.auth,
        "oauth_client_id": config.okta.client_id,
        "preferred_language": config.assignment.preferred_language,
        "locale": config.assignment.locale,
    }


def _inputs(config: SetupConfig, given: HeadlessSecrets) -> dict[str, dict[str, Any]]:
    from wizard.commands.secret_input import KANDJI_TOKEN, TEST_PASSWORD

    person = config.test_user
    return {
        "kandji": {
            "base_url": config.kandji.scim_base_url,
            "allow_unknown_host": config.kandji.allow_unknown_host,
        },
        "kandji-token": {"token": given.get(KANDJI_TOKEN)},
        "create-app": {"label": config.app.label},
        "group": {"name": config.group.name, "description": config.group.description},
        "test-user": {
            "login": person.login if person else None,
            "first_name": person.first_name if person else None,
            "last_name": person.last_name if person else None,
            "email": (person.email or person.login) if person else None,
            "password": given.get(TEST_PASSWORD),
            "existing_logins": list(config.existing_users.logins) if config.existing_users else [],
        },
        "assign": {
            "preferred_language": config.assignment.preferred_language,
            "locale": config.assignment.locale,
        },
    }


async def _ask_first(
    ctx: EngineContext, inputs: dict[str, dict[str, Any]], args: argparse.Namespace, out: Out
) -> bool:
    from wizard.commands import planning
    from wizard.commands.common import confirm

    if args.yes:
        return True
    out.say(f"Plan for {ctx.org.host} (nothing has been sent yet):")
    planning.show(out, await planning.collect(ctx, inputs))
    return confirm(out, f"Make these changes in {ctx.org.host}?", assume_yes=False)


async def _apply_config(args: argparse.Namespace, out: Out, confirmed: frozenset[str]) -> int:
    import sys

    from wizard.commands import calllog
    from wizard.commands.common import cancelled, say_kept_aside
    from wizard.commands.config import load_config
    from wizard.commands.flow import FlowOptions, run_flow
    from wizard.commands.runtime import RUNTIME
    from wizard.commands.secret_input import gather, open_client
    from wizard.commands.tenants import main_store
    from wizard.engine import EngineContext
    from wizard.okta.domains import parse_org_url
    from wizard.secrets import SecretStore

    loopback = bool(args.loopback or getattr(args, "allow_insecure_loopback", False))
    config = load_config(args.config, allow_insecure_loopback=loopback)
    given = gather(from_stdin=args.secrets_stdin)
    org = parse_org_url(
        config.okta.org_url, allow_custom=config.okta.custom_domain, allow_insecure_loopback=loopback
    )
    store = main_store()
    session = store.open(org.base_url, org.host)
    try:
        say_kept_aside(out, store, session)
        session.update_settings(**_settings(config))
        secrets = SecretStore()
        okta = await open_client(org, secrets, session.state.settings, given, sleep=RUNTIME.sleep)
        try:
            ctx = EngineContext(
                org=org,
                session=session,
                secrets=secrets,
                okta=okta,
                kandji_url=None,
                sleep=RUNTIME.sleep,
                clock=RUNTIME.clock,
            )
            inputs = _inputs(config, given)
            if not await _ask_first(ctx, inputs, args, out):
                return cancelled(out)
            opts = FlowOptions(
                assume_yes=args.yes,
                console_timeout=args.timeout if args.timeout is not None else config.apply.console_timeout,
                proof_timeout=(
                    args.proof_timeout if args.proof_timeout is not None else config.apply.proof_timeout
                ),
                confirmed=confirmed,
                interactive=sys.stdin.isatty() and not args.secrets_stdin,
            )
            out.say(f"Setting up {org.host} (progress: {session.path})")
            result = await run_flow(ctx, inputs, opts, out)
            return _finish(ctx, result, out, demo=False)
        finally:
            calllog.append(store, org.host, "apply", okta.call_log)
            await okta.aclose()
    finally:
        session.close()


async def _apply_demo(args: argparse.Namespace, out: Out, confirmed: frozenset[str]) -> int:
    from wizard.commands.common import cancelled, confirm
    from wizard.commands.demo_run import open_demo
    from wizard.commands.flow import FlowOptions, run_flow

    if not confirm(out, "Run the demo against embedded, simulated services?", assume_yes=args.yes):
        return cancelled(out)
    async with open_demo(out, "apply --demo") as run:
        demo, ctx = run.demo, run.ctx
        out.say(f"  Okta:   {demo.org_url}")
        out.say(f"  Kandji: {demo.kandji_base_url}")
        out.say(f"  Progress is kept in {run.store.root} (shown by `status`, labelled demo).")
        opts = FlowOptions(
            assume_yes=True,
            console_timeout=10.0,
            proof_timeout=args.proof_timeout if args.proof_timeout is not None else 30.0,
            confirmed=confirmed,
            demo=demo,
        )
        result = await run_flow(ctx, demo.inputs(), opts, out)
        if result.ok:
            arrived = sorted(u["userName"] for u in demo.scim.users())
            out.say(f"  Users now in the demo's Kandji: {', '.join(arrived)}")
            out.say(f"  Admin Console actions done for you in the demo console: {len(demo.console.actions)}")
        return _finish(ctx, result, out, demo=True)

def _finish(ctx: EngineContext, result: FlowResult, out: Out, *, demo: bool) -> int:
    from wizard.commands.exit_codes import MEANING
    from wizard.commands.flow import STEP_CAUSES, step_statuses

    statuses = step_statuses(ctx)
    finished = sum(1 for status in statuses.values() if status in ("done", "skipped"))
    if result.ok:
        message = f"Every step is verified ({finished} of {len(statuses)})."
    elif result.open_step:
        message = (
            f"Stopped at step {result.open_step}, which is still open in the Okta Admin Console "
            f"(exit {int(result.exit)}). Do it, then rerun the same command to continue."
        )
    else:
        failed = next((a for a in reversed(result.actions) if a.result == "failed"), None)
        where = f" at steps {failed.steps} ({ctx.catalog.actions[failed.action].title})" if failed else ""
        fix = f"; fix at step {failed.fix_step}" if failed and failed.fix_step else ""
        # The cause the Okta client saw (a redirect, a web page, refused credentials…), else the
        # failed step's own cause, else the exit code's general meaning.
        cause = result.cause or (
            STEP_CAUSES.get(failed.fix_step or "", MEANING[result.exit]) if failed else MEANING[result.exit]
        )
        message = (
            f"Stopped{where}: {cause}{fix} (exit {int(result.exit)}). What is done is saved: rerun "
            "the same command to continue from there."
        )
    out.say(message)
    if out.as_json:
        out.emit(
            {
                "ok": result.ok,
                "exit_code": int(result.exit),
                "message": message,
                "tenant": ctx.org.host,
                "org_url": ctx.org.base_url,
                "demo": demo,
                "open_step": result.open_step,
                "state_file": str(ctx.session.path),
                "steps": statuses,
                "actions": [a.to_dict() for a in result.actions],
                "findings": result.findings,
                "moved_aside": (
                    {"file": str(aside.moved_to), "reason": aside.reason}
                    if (aside := ctx.session.moved_aside) is not None
                    else None
                ),
            }
        )
    return int(result.exit)
