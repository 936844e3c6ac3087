"""`okta-kandji-setup rotate-token`: replace the Kandji token without a silent outage (issue 14)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from wizard.commands.canary import add_canary_options
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

CODES = (Exit.FAILED, Exit.NOT_FOUND, Exit.CREDENTIALS, Exit.LOCKED, Exit.CANCELLED, Exit.CONSOLE_STEP_10)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_parser(
        subparsers,
        "rotate-token",
        help="put a regenerated Kandji token in place: test it, keep it, hand off 10.5, prove it",
        description=(
            "After the Kandji token was regenerated (it leaked, someone left, a policy says so): "
            "the new token is tested against Kandji (the B.2 pre-flight) and kept in the keyring; "
            "you paste it into Okta (step 10.5: link, where, what to click); then the canary "
            "proves that Okta delivers to Kandji again. The token comes from KANDJI_SCIM_TOKEN, "
            "--secrets-stdin or a hidden prompt, never from the command line. Without a terminal, "
            "--yes says step 10.5 is already done in Okta; otherwise the run stops there (exit "
            "10) and `canary` proves it later. The rotation is recorded (when; proved or not), "
            "never the token. `--demo` shows the outage and its repair end to end."
        ),
        codes=CODES,
        example="printf 'KANDJI_SCIM_TOKEN=%s\\n' \"$NEW\" | okta-kandji-setup rotate-token --secrets-stdin",
    )
    add_tenant(parser)
    add_canary_options(parser)
    add_yes(parser, "going on: step 10.5 is done in Okta, and a real person may be the canary")
    parser.add_argument(
        "--delete-when-proved",
        action="store_true",
        help="once the canary proves delivery, delete the token from the keyring (Okta holds it)",
    )
    parser.add_argument(
        "--demo",
        dest="rotate_demo",
        action="store_true",
        help="show a rotation on the embedded demo services: outage, repair, proof",
    )
    add_secrets_stdin(parser)
    add_json(parser, "the outcome")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    out = Out("rotate-token", as_json=args.json)
    return run_guarded(out, lambda: asyncio.run(_rotate(args, out)))


def _explain(out: Out) -> None:
    from wizard.canary.rotation import REGENERATE

    out.say("Rotating the Kandji token:")
    for number, text in enumerate(REGENERATE, start=1):
        out.say(f"  {number}. {text}")


def _new_token(args: argparse.Namespace, out: Out) -> SecretStr | None:
    """KANDJI_SCIM_TOKEN from the environment or --secrets-stdin, else a hidden prompt."""
    import getpass
    import sys

    from pydantic import SecretStr

    from wizard import redact
    from wizard.commands.secret_input import KANDJI_TOKEN, gather

    given = gather(from_stdin=args.secrets_stdin).get(KANDJI_TOKEN)
    if given is not None:
        return given
    if args.secrets_stdin or not sys.stdin.isatty():
        return None
    text = getpass.getpass("New Kandji token (hidden; Enter when pasted): ", stream=sys.stderr).strip()
    if not text:
        return None
    redact.register_secret(text)
    return SecretStr(text)


def _show_handoff(out: Out, ctx: EngineContext, title: str = "Step 10.5 in the Okta Admin Console:") -> None:
    from wizard.canary.rotation import handoff

    step = handoff(ctx)
    out.say(title)
    if step.link:
        out.say(f"  open:  {step.link}")
    out.say(f"  where: {step.where}")
    for item in step.checklist:
        out.say(f"  [ ] {item}")


async def _stored_mask(ctx: EngineContext) -> str:
    from wizard.engine import kandji_token
    from wizard.kandji.tokens import mask_token

    token = await kandji_token(ctx)
    return mask_token(token) if token is not None else "(not stored)"


async def _rotate(args: argparse.Namespace, out: Out) -> int:
    if args.rotate_demo:
        return await _rotate_demo(args, out)
    import sys

    from wizard.canary import rotation
    from wizard.commands.canary import run_with_cli, show
    from wizard.commands.common import confirm, demo_gone, tenant_context
    from wizard.commands.secret_input import gather
    from wizard.commands.tenants import find_tenant

    ref = find_tenant(args.tenant)
    if ref.demo:
        out.error(demo_gone(ref) + " `rotate-token --demo` shows a rotation on a fresh demo.")
        return int(Exit.NOT_FOUND)
    _explain(out)
    token = _new_token(args, out)
    if token is None:
        out.error(
            "no new token given: set KANDJI_SCIM_TOKEN, pipe KANDJI_SCIM_TOKEN=… with --secrets-stdin, "
            "or run at a terminal to paste it (hidden)."
        )
        return int(Exit.USAGE)
    async with tenant_context(ref, gather(from_stdin=False), "rotate-token") as ctx:
        stored = await rotation.store_new_token(ctx, token)
        for message in stored.messages:
            out.say(f"  {'✓' if stored.ok else '✗'}  {message}")
        if not stored.ok:
            return _done(
                out, ctx, Exit.CREDENTIALS, "The new token was not stored; the old setup is unchanged."
            )
        out.say(f"  ✓  Kept in the keyring as the Kandji token ({await _stored_mask(ctx)}).")
        _show_handoff(out, ctx)
        interactive = sys.stdin.isatty() and not args.secrets_stdin
        if interactive:
            done = confirm(out, "Pasted, tested and saved in Okta?", assume_yes=False)
        else:
            done = bool(args.yes)
        if not done:
            return _done(
                out,
                ctx,
                Exit.CONSOLE_STEP_10,
                "Step 10.5 is still open: paste the new token in Okta, then run "
                "`okta-kandji-setup canary` to prove delivery. Until then Okta's pushes fail.",
            )
        rotation.okta_updated(ctx, "the admin confirmed")
        out.say("Proving delivery with the canary:")
        report = await run_with_cli(ctx, args, out)
        rotation.record_proof(ctx, report)
        show(out, report)
        if not report.ok:
            return _done(
                out,
                ctx,
                Exit.FAILED,
                "The rotation is not proved: fix what the canary names, then run `canary`.",
                report,
            )
        await _offer_delete(args, out, ctx, interactive)
        return _done(
            out, ctx, Exit.OK, "Rotation proved: Okta delivers to Kandji with the new token.", report
        )


async def _offer_delete(args: argparse.Namespace, out: Out, ctx: EngineContext, interactive: bool) -> None:
    from wizard.canary import rotation
    from wizard.commands.common import confirm

    question = (
        "Okta holds the new token now. Delete it from the keyring? (the canary and `verify --canary` "
        "then need KANDJI_SCIM_TOKEN to read Kandji)"
    )
    if args.delete_when_proved or (interactive and confirm(out, question, assume_yes=False)):
        if await rotation.delete_stored_token(ctx):
            out.say("  ✓  The Kandji token was deleted from the keyring.")
    else:
        out.say("  ·  The Kandji token stays in the keyring (`--delete-when-proved` removes it once proved).")


def _done(out: Out, ctx: EngineContext, code: Exit, message: str, report: CanaryReport | None = None) -> int:
    out.say(message)
    if out.as_json:
        payload: dict[str, Any] = {
            "ok": code == Exit.OK,
            "exit_code": int(code),
            "message": message,
            "tenant": ctx.org.host,
            "rotation": (ctx.session.state.day_two.rotations or [None])[-1],
            "canary": report.to_dict() if report is not None else None,
        }
        out.emit(payload)
    return int(code)


async def _rotate_demo(args: argparse.Namespace, out: Out) -> int:
    """The whole story on the demo services: delivery works, the token is regenerated, Okta's
    pushes fail, the new token goes into the keyring and into Okta, the canary proves it."""
    from wizard import redact
    from wizard.canary import rotation
    from wizard.commands.canary import run_with_cli, show
    from wizard.commands.demo_day_two import finished_demo
    from wizard.engine import recorded

    async with finished_demo(out, "rotate-token --demo") as (demo, ctx):
        app_id = str(recorded(ctx, "create-app", "app_id"))
        group_id = str(recorded(ctx, "group", "group_id"))
        _explain(out)

        out.say("1. Kandji: the token is regenerated.")
        old = demo.kandji_token
        new = demo.scim.rotate_token(demo.next_kandji_token)
        redact.register_secret(new)
        refused = await _old_token_refused(ctx, old)
        out.say(f"  ✓  Kandji now refuses the old token at once ({refused}).")

        out.say("2. Outage: a new person joins the group; Okta pushes them with the token it holds.")
        newcomer = demo.seeded_logins[0]
        user_id = (await ctx.okta.find_user(newcomer) or {})["id"]
        await ctx.okta.add_user_to_group(group_id, user_id)
        await _settle(demo)
        app_user = await ctx.okta.get_app_user(app_id, user_id) or {}
        out.say(f"  ✗  Okta: {newcomer} is {app_user.get('status')} / sync {app_user.get('syncState')}.")
        for event in (await ctx.okta.query_user_provisioning_failures(user_id))[-1:]:
            reason = (event.get("outcome") or {}).get("reason") or ""
            out.say(f"  ✗  System Log {event.get('eventType')} {event['outcome'].get('result')}: {reason}")

        out.say("3. The new token goes to the wizard first: tested against Kandji, kept in the keyring.")
        stored = await rotation.store_new_token(ctx, new)
        for message in stored.messages:
            out.say(f"  {'✓' if stored.ok else '✗'}  {message}")
        if not stored.ok:
            return _done(out, ctx, Exit.CREDENTIALS, "The new token was not stored.")
        out.say(f"  ✓  Kept in the keyring as the Kandji token ({await _stored_mask(ctx)}).")
        out.say("  The canary now, while Okta still holds the old token:")
        outage = await run_with_cli(ctx, args, out)
        for line in outage.lines():
            out.say(f"    {line}")

        _show_handoff(out, ctx, "4. Step 10.5 in the Okta Admin Console (the demo console does it):")
        ok, said = demo.console.replace_bearer_token(app_id, new)
        out.say(f"  demo console: pasted the new token, Test Connector Configuration → {said}; Save.")
        if not ok:
            return _done(out, ctx, Exit.FAILED, "Okta's connector test failed with the new token.")
        rotation.okta_updated(ctx, "demo console")

        out.say("5. Proof: the canary.")
        report = await run_with_cli(ctx, args, out)
        rotation.record_proof(ctx, report)
        show(out, report)
        if not report.ok:
            return _done(out, ctx, Exit.FAILED, "The rotation is not proved.", report)

        out.say("6. What failed during the outage.")
        out.say(f"  {rotation.RETRY_NOTE}")
        retried = demo.console.retry_failed_tasks(app_id)
        await _settle(demo)
        arrived = sorted(u["userName"] for u in demo.scim.users())
        out.say(f"  demo console: retried {len(retried)} task(s); now in Kandji: {', '.join(arrived)}")

        if await rotation.delete_stored_token(ctx):
            out.say("  ✓  Okta holds the new token: deleted it from the (demo) keyring.")
        return _done(
            out, ctx, Exit.OK, "Rotation proved: outage seen, token replaced, delivery proved.", report
        )


async def _settle(demo: Any) -> None:
    import asyncio

    from wizard.commands.runtime import RUNTIME

    # Let the demo's Okta push what became due (it waits its push delay first).
    await RUNTIME.sleep(demo.okta_simulator.provisioner.delay if demo.okta_simulator.provisioner else 0)
    await asyncio.to_thread(demo.okta_simulator.settle)


async def _old_token_refused(ctx: EngineContext, old: SecretStr) -> str:
    from wizard.canary.kandji_read import read_user_attribute

    assert ctx.kandji_url is not None
    seen = await read_user_attribute(ctx.kandji_url, old, "nobody@invalid.example", "userName")
    return "it answers 401 to the old token" if seen.token_refused else f"unexpected: {seen.status}"
