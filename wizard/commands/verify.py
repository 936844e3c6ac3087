"""`okta-kandji-setup verify`: re-check every recorded step live against Okta and Kandji."""

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
    from wizard.canary import CanaryReport
    from wizard.commands.secret_input import HeadlessSecrets
    from wizard.engine import EngineContext


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_parser(
        subparsers,
        "verify",
        help="re-check every recorded step live; exit 0 only if all hold",
        description=(
            "Re-check each finished step against Okta (and Kandji, when its token is in the "
            "keyring or KANDJI_SCIM_TOKEN): the app, SCIM provisioning, the push actions, the "
            "group, the test person, the assignment, and that the group's members are in "
            "Kandji. Nothing is changed, not even the saved progress (except with --canary, "
            "whose temporary change is recorded so it can be put back); `apply` redoes what no "
            "longer holds. Exit 0 only when every step is finished and holds."
        ),
        codes=(Exit.FAILED, Exit.NOT_FOUND, Exit.CREDENTIALS, Exit.LOCKED, Exit.BAD_ANSWER),
        example="OKTA_API_TOKEN=… okta-kandji-setup verify --tenant acme.okta.com --json",
    )
    add_tenant(parser)
    parser.add_argument(
        "--canary",
        action="store_true",
        help="then prove delivery now with the canary (see `canary --help`); for scheduled checks. "
        "Its temporary change is the one thing verify then writes to the progress, so a cut-short "
        "run can put it back",
    )
    from wizard.commands.canary import add_canary_options

    add_canary_options(parser, prefix="canary-")
    add_yes(parser, "making a real person (--canary-user) the canary")
    add_secrets_stdin(parser)
    add_json(parser, "each check (and the canary's delivery times)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    out = Out("verify", as_json=args.json)
    return run_guarded(out, lambda: asyncio.run(_verify(args, out)))


async def _verify(args: argparse.Namespace, out: Out) -> int:
    from wizard.commands.causes import cause_of, unusable
    from wizard.commands.common import demo_gone, tenant_context
    from wizard.commands.planning import action_order, action_status
    from wizard.commands.secret_input import gather
    from wizard.commands.tenants import find_tenant
    from wizard.engine import ENGINES

    ref = find_tenant(args.tenant)
    if ref.demo:
        out.error(demo_gone(ref))
        if out.as_json:
            out.emit({"ok": False, "exit_code": int(Exit.NOT_FOUND), "tenant": ref.host, "demo": True})
        return int(Exit.NOT_FOUND)
    given = gather(from_stdin=args.secrets_stdin)
    checks: list[dict[str, Any]] = []
    async with tenant_context(ref, given, "verify") as ctx:
        out.say(f"Verifying {ref.label} live:")
        for action in action_order():
            span = ctx.catalog.span(action)
            title = ctx.catalog.actions[action].title
            status = action_status(ctx, action)
            if status != "done":
                checks.append(
                    {"action": action, "steps": span, "recorded": status, "holds": None, "messages": []}
                )
                out.say(f"  ·  {span:<9} {title}: not finished ({status})")
                continue
            outcome = await ENGINES[action].verify(ctx)
            checks.append(
                {
                    "action": action,
                    "steps": span,
                    "recorded": status,
                    "holds": outcome.ok,
                    "messages": outcome.messages,
                    "warnings": outcome.warnings,
                    "fix_step": outcome.fix_step,
                    "evidence": outcome.evidence,
                }
            )
            glyph = "✓" if outcome.ok else "✗"
            out.say(f"  {glyph}  {span:<9} {title}: {' '.join(outcome.messages)}".rstrip(": "))
            if not outcome.ok and outcome.fix_step:
                out.say(f"       → fix at step {outcome.fix_step} (`apply` redoes it)")
        ok = all(check["holds"] is True for check in checks)
        canary = await _canary(ctx, args, out, holds=ok, given=given) if args.canary else None
        bad_answer = unusable(getattr(ctx.okta, "errors", ()))
    failing = [c["steps"] for c in checks if c["holds"] is False]
    pending = [c["steps"] for c in checks if c["holds"] is None]
    if ok:
        message = "Every step holds."
    else:
        parts = []
        if failing:
            parts.append("no longer holds: " + ", ".join(failing))
        if pending:
            parts.append("not finished: " + ", ".join(pending))
        message = "Not verified — " + "; ".join(parts) + "."
    code = Exit.OK if ok else Exit.FAILED
    if not ok and bad_answer is not None:
        # Checks that failed because something other than Okta answered say so, not "no longer holds".
        code = Exit.BAD_ANSWER
        message = f"{message.rstrip('.')}, because {cause_of(bad_answer, ref.host)} (exit 8)."
    if canary is not None:
        message += " " + canary.message
        if not canary.ok and code == Exit.OK:
            from wizard.commands.canary import exit_code

            code = Exit.CREDENTIALS if exit_code(canary) == Exit.CREDENTIALS else Exit.FAILED
    out.say(message)
    if out.as_json:
        out.emit(
            {
                "ok": code == Exit.OK,
                "exit_code": int(code),
                "message": message,
                "tenant": ref.host,
                "demo": False,
                "checks": checks,
                **({"canary": canary.to_dict()} if canary is not None else {}),
            }
        )
    return int(code)


async def _canary(
    ctx: EngineContext, args: argparse.Namespace, out: Out, *, holds: bool, given: HeadlessSecrets
) -> CanaryReport:
    from wizard.canary import CanaryReport
    from wizard.commands.canary import run_with_cli, show

    if not holds:
        report = CanaryReport(False, "Canary not run: fix what no longer holds first.")
        out.say(report.message)
        return report
    from wizard.commands.secret_input import KANDJI_TOKEN

    out.say("Canary:")
    report = await run_with_cli(ctx, args, out, given.get(KANDJI_TOKEN))
    show(out, report)
    return report
