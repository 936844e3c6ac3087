"""`okta-kandji-setup canary`: prove that Okta delivers to Kandji right now (issue 14)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from wizard.commands.common import (
    Out,
    add_json,
    add_parser,
    add_secrets_stdin,
    add_tenant,
    add_yes,
    run_guarded,
)
from wizard.commands.exit_codes import Exit

if TYPE_CHECKING:
    from pydantic import SecretStr

    from wizard.canary import CanaryReport
    from wizard.engine import EngineContext

CODES = (Exit.FAILED, Exit.NOT_FOUND, Exit.CREDENTIALS, Exit.LOCKED, Exit.CANCELLED)


def add_canary_options(parser: argparse.ArgumentParser, *, prefix: str = "") -> None:
    """--user/--timeout for `canary`; `verify --canary` names them --canary-user/--canary-timeout."""
    parser.add_argument(
        f"--{prefix}user",
        dest="canary_user",
        metavar="LOGIN",
        help="change this Okta user instead of the setup's test person (asks first; --yes to not ask)",
    )
    parser.add_argument(
        f"--{prefix}timeout",
        dest="canary_timeout",
        type=float,
        metavar="SECONDS",
        default=None,
        help="how long to wait for each change to reach Kandji (default 120)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_parser(
        subparsers,
        "canary",
        help="prove delivery now: change one harmless attribute, see it reach Kandji, put it back",
        description=(
            "Okta has no 'push now', so the canary makes a change Okta must push: it changes one "
            "harmless attribute that the app's profile mapping pushes to Kandji (the title, read "
            "from Okta's Profile Mappings API where the credentials allow) on the test person, "
            "waits until Kandji's SCIM Users show it, puts the old value back and waits for that "
            "too, and reports both delivery times. When the change does not arrive it reads the "
            "System Log for that person and says why, as step 24 does. A real person is changed "
            "only after you confirm. The change is saved in the progress first, so a run cut "
            "short is put right on the next run. Needs the Kandji token (keyring or "
            "KANDJI_SCIM_TOKEN) to read Kandji."
        ),
        codes=CODES,
        example="okta-kandji-setup canary --tenant acme.okta.com --json",
    )
    add_tenant(parser)
    add_canary_options(parser)
    add_yes(parser, "changing a real person (not the test person)")
    parser.add_argument(
        "--demo",
        dest="canary_demo",
        action="store_true",
        help="set up the embedded demo services, then run the canary against them",
    )
    add_secrets_stdin(parser)
    add_json(parser, "the canary's report")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    out = Out("canary", as_json=args.json)
    return run_guarded(out, lambda: asyncio.run(_canary(args, out)))


def timeout_of(args: argparse.Namespace) -> float:
    from wizard.canary.run import DEFAULT_TIMEOUT

    value = getattr(args, "canary_timeout", None)
    return DEFAULT_TIMEOUT if value is None else float(value)


async def run_with_cli(
    ctx: EngineContext, args: argparse.Namespace, out: Out, token: SecretStr | None = None
) -> CanaryReport:
    """The canary with the CLI's confirmation and progress lines (shared with verify, rotate-token)."""
    from wizard.canary import run_canary
    from wizard.commands.common import confirm

    async def ask(question: str) -> bool:
        return confirm(out, question, assume_yes=bool(getattr(args, "yes", False)))

    return await run_canary(
        ctx,
        login=getattr(args, "canary_user", None),
        timeout=timeout_of(args),
        confirm=ask,
        on_progress=lambda text: out.say(f"  …  {text}"),
        token=token,
    )


def show(out: Out, report: CanaryReport) -> None:
    out.say("Canary report:")
    for line in report.lines():
        out.say(f"  {line}")


def exit_code(report: CanaryReport) -> Exit:
    if report.ok:
        return Exit.OK
    if report.cancelled:
        return Exit.CANCELLED
    if report.fix_step == "B.2" and report.new_value is None:
        return Exit.CREDENTIALS  # Kandji could not be read at all: a token problem
    return Exit.FAILED


async def _canary(args: argparse.Namespace, out: Out) -> int:
    if timeout_of(args) < 0:
        out.error("--timeout must be 0 or more seconds.")
        return int(Exit.USAGE)
    if args.canary_demo:
        return await _canary_demo(args, out)
    from wizard.commands.common import demo_gone, tenant_context
    from wizard.commands.secret_input import gather
    from wizard.commands.tenants import find_tenant

    ref = find_tenant(args.tenant)
    if ref.demo:
        out.error(demo_gone(ref) + " `canary --demo` sets up a fresh demo and runs the canary on it.")
        if out.as_json:
            out.emit({"ok": False, "exit_code": int(Exit.NOT_FOUND), "tenant": ref.host, "demo": True})
        return int(Exit.NOT_FOUND)
    given = gather(from_stdin=args.secrets_stdin)
    async with tenant_context(ref, given, "canary") as ctx:
        out.say(f"Canary for {ref.label}:")
        from wizard.commands.secret_input import KANDJI_TOKEN

        report = await run_with_cli(ctx, args, out, given.get(KANDJI_TOKEN))
        return _finish(out, report, ref.host, demo=False)


async def _canary_demo(args: argparse.Namespace, out: Out) -> int:
    from wizard.commands.demo_day_two import finished_demo

    async with finished_demo(out, "canary --demo") as (_demo, ctx):
        out.say("Canary: change the test person's title in Okta, watch it reach Kandji, put it back.")
        report = await run_with_cli(ctx, args, out)
        return _finish(out, report, ctx.org.host, demo=True)


def _finish(out: Out, report: CanaryReport, host: str, *, demo: bool) -> int:
    show(out, report)
    code = exit_code(report)
    if out.as_json:
        payload: dict[str, Any] = {
            "ok": report.ok,
            "exit_code": int(code),
            "tenant": host,
            "demo": demo,
            "canary": report.to_dict(),
        }
        out.emit(payload)
    return int(code)
