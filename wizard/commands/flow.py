"""`apply`'s run through the steps: every action in the article's order through the engine,
finished ones skipped, console steps handed off and polled, step 24 proved.

Resume is the same run again: finished actions are skipped after the engine's `reverify()`
has checked that what they recorded still exists (a deleted app sends its steps back to
pending, and this run redoes them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from wizard import redact
from wizard.commands.causes import closing_cause
from wizard.commands.common import Out, confirm
from wizard.commands.exit_codes import CONSOLE_EXIT, Exit
from wizard.commands.planning import ALWAYS_RUN, action_order, action_status
from wizard.engine import ENGINES, EngineContext, Outcome, is_console, resolve_secret, reverify
from wizard.state import FINISHED_STATUSES, StepStatus

if TYPE_CHECKING:
    from wizard.demo.services import DemoServices
    from wizard.engine import ConsoleEngine, Detection

CREDENTIAL_STEPS = frozenset({"1", "B.2", "18.2"})
# The closing line's cause for a failure fixed at these steps: more precise than the exit
# code's general meaning (exit 4 covers the Okta credentials, the Kandji token and a password).
STEP_CAUSES: dict[str, str] = {
    "B.1": "the Kandji SCIM base URL does not lead to Kandji's SCIM endpoint",
    "B.2": "the Kandji token is missing or Kandji refused it",
    "1": "the Okta credentials are missing, refused, or lack the admin role or scope this needs",
    "18.2": "the test person's password is missing or Okta's password policy refused it",
}


@dataclass
class FlowOptions:
    assume_yes: bool = False
    console_timeout: float = 300.0
    proof_timeout: float = 300.0
    confirmed: frozenset[str] = frozenset()  # console actions the admin says are done
    demo: DemoServices | None = None
    interactive: bool = False  # may ask the admin at a terminal


@dataclass
class ActionResult:
    action: str
    steps: str
    result: str  # done | already-done | open | failed
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fix_step: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    handoff: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FlowResult:
    exit: Exit
    actions: list[ActionResult]
    findings: list[dict[str, Any]] = field(default_factory=list)
    open_step: str | None = None
    cause: str | None = None  # for a failure: what actually happened, for the closing line

    @property
    def ok(self) -> bool:
        return self.exit == Exit.OK


class _Stop(Exception):
    def __init__(self, code: Exit, open_step: str | None = None, cause: str | None = None) -> None:
        self.code = code
        self.open_step = open_step
        self.cause = cause


async def run_flow(
    ctx: EngineContext, inputs: Mapping[str, Mapping[str, Any]], opts: FlowOptions, out: Out
) -> FlowResult:
    with ctx.okta.one_run():  # each lookup once per run; a write drops what was read
        return await _run_flow(ctx, inputs, opts, out)


async def _run_flow(
    ctx: EngineContext, inputs: Mapping[str, Mapping[str, Any]], opts: FlowOptions, out: Out
) -> FlowResult:
    results: list[ActionResult] = []
    findings: list[dict[str, Any]] = []
    resuming = any(record.status in FINISHED_STATUSES for record in ctx.session.state.steps.values())
    try:
        for action in action_order():
            if (
                action_status(ctx, action) == "done"
                and action not in ALWAYS_RUN
                and action != "verify"  # a rerun proves step 24 live again, never from saved results
                and not (action == "kandji-token" and inputs.get(action, {}).get("token") is not None)
            ):
                results.append(_already_done(ctx, action))
                out.say(f"  ·  {_label(ctx, action)}: already done")
                continue
            seen = list(getattr(ctx.okta, "errors", ()))
            result = await _run_action(ctx, action, inputs.get(action, {}), opts, out)
            results.append(result)
            if result.result == "open":
                raise _Stop(_exit_for(action, result), result.steps)
            if result.result != "done":
                raised = [e for e in getattr(ctx.okta, "errors", ()) if not any(e is old for old in seen)]
                code, cause = closing_cause(_exit_for(action, result), raised, ctx.org.host, result.evidence)
                raise _Stop(code, None, cause)
            if action == "okta-sign-in" and ctx.session.state.day_two.pending_canary is not None:
                from wizard.canary import restore_pending  # a canary cut short: put it back first

                out.say(f"  !  Earlier canary: {await restore_pending(ctx)}")
            if action == "okta-sign-in" and resuming:
                findings = [f.to_dict() for f in await reverify(ctx)]
                for finding in findings:
                    if finding["kind"] != "ok":
                        out.say(f"  !  {finding['message']}")
    except _Stop as stop:
        _set_current(ctx)
        return FlowResult(stop.code, results, findings, stop.open_step, stop.cause)
    _set_current(ctx)
    return FlowResult(Exit.OK, results, findings)


def _label(ctx: EngineContext, action: str) -> str:
    return f"{ctx.catalog.span(action):<9} {ctx.catalog.actions[action].title}"


def _already_done(ctx: EngineContext, action: str) -> ActionResult:
    numbers = [step.number for step in ctx.catalog.steps_of(action)]
    evidence = next(
        (ctx.session.state.steps[n].evidence for n in numbers if n in ctx.session.state.steps), {}
    )
    return ActionResult(action, ctx.catalog.span(action), "already-done", evidence=dict(evidence))


def _exit_for(action: str, result: ActionResult) -> Exit:
    if result.result == "open":
        return CONSOLE_EXIT[action]
    if result.fix_step in CREDENTIAL_STEPS:
        return Exit.CREDENTIALS
    return Exit.FAILED


def _set_current(ctx: EngineContext) -> None:
    """Point the saved progress at the first unfinished step, so the TUI reopens there."""
    steps = ctx.session.state.steps
    for step in ctx.catalog.steps:
        record = steps.get(step.number)
        if record is None or record.status not in FINISHED_STATUSES:
            if ctx.session.state.current_step != step.number:
                ctx.session.set_current(step.number)
            return
    last = ctx.catalog.steps[-1].number
    if ctx.session.state.current_step != last:
        ctx.session.set_current(last)


def _report(out: Out, ctx: EngineContext, action: str, outcome: Outcome) -> ActionResult:
    glyph = "✓" if outcome.ok else "✗"
    out.say(f"  {glyph}  {_label(ctx, action)}: {' '.join(outcome.messages)}".rstrip(": "))
    for warning in outcome.warnings:
        out.say(f"       ! {warning}")
    if not outcome.ok and outcome.fix_step:
        out.say(f"       → fix at step {outcome.fix_step}")
    return ActionResult(
        action,
        ctx.catalog.span(action),
        "done" if outcome.ok else "failed",
        list(outcome.messages),
        list(outcome.warnings),
        outcome.fix_step,
        dict(outcome.evidence),
    )


async def _run_action(
    ctx: EngineContext, action: str, inputs: Mapping[str, Any], opts: FlowOptions, out: Out
) -> ActionResult:
    engine = ENGINES[action]
    if is_console(engine) and action != "kandji":
        return await _run_console(ctx, action, engine, opts, out)  # type: ignore[arg-type]
    if action == "verify":
        return await _run_proof(ctx, opts, out)
    plan = await engine.plan(ctx, inputs)
    for call in plan.calls:
        if call.method in ("POST", "PUT", "DELETE"):
            out.say(f"  …  {call.method} {call.path} — {call.purpose}")
    outcome = await engine.apply(ctx, inputs)
    result = _report(out, ctx, action, outcome)
    if action == "test-user" and outcome.fix_step == "18.2" and not outcome.ok:
        out.say("       → set OKTA_TEST_USER_PASSWORD, or pass it with --secrets-stdin")
    return result


async def _run_proof(ctx: EngineContext, opts: FlowOptions, out: Out) -> ActionResult:
    if opts.demo is not None:
        # The simulator pushes from a worker thread; let it finish rather than poll for it.
        import asyncio

        await asyncio.to_thread(opts.demo.okta_simulator.settle)
    seen: dict[str, str] = {}

    def progress(users: list[Any]) -> None:
        for user in users:
            line = f"{user.okta_status or '-'} / {user.sync_state or '-'} / Kandji {user.kandji}"
            if seen.get(user.login) != line:
                seen[user.login] = line
                out.say(f"  …  24 {user.login}: {line}")

    out.say(f"  …  24 waiting up to {opts.proof_timeout:g} s for Okta to push the group's members to Kandji")
    outcome = await ENGINES["verify"].apply(ctx, {"timeout": opts.proof_timeout, "on_progress": progress})
    result = _report(out, ctx, "verify", outcome)
    if outcome.ok:
        out.say(
            "       Sync is one-way and push-based: Okta sends a change when it has one; "
            "Kandji has no 'sync now'."
        )
        out.say(
            "       Proved live in this run. Whether a change reaches Kandji now: "
            "`okta-kandji-setup canary`."
        )
    return result


async def _show_handoff(ctx: EngineContext, engine: ConsoleEngine, out: Out) -> dict[str, Any]:
    handoff = engine.handoff(ctx)
    data = handoff.to_dict()
    out.say(f"  →  {_label(ctx, handoff.action)}: in the Okta Admin Console")
    if handoff.link:
        out.say(f"       open: {handoff.link}")
    if handoff.where:
        out.say(f"       where: {handoff.where}")
    shown_values = []
    for label, value, is_secret in handoff.values:
        if is_secret:
            secret = await resolve_secret(ctx, value)
            display = (
                f"{redact.mask(secret)} (the Kandji token; copy it from your keyring or password manager)"
                if secret is not None
                else "not stored: set KANDJI_SCIM_TOKEN or run step B.2"
            )
        else:
            display = value or "(not set)"
        shown_values.append({"label": label, "value": display if is_secret else value, "secret": is_secret})
        out.say(f"       paste  {label}: {display}")
    data["values"] = shown_values
    for item in handoff.checklist:
        out.say(f"       [ ] {item}")
    if handoff.detectable:
        out.say("       detected by the wizard: " + "; ".join(handoff.detectable))
    if handoff.undetectable:
        out.say("       not detectable, you confirm: " + "; ".join(handoff.undetectable))
    return data


async def _run_console(
    ctx: EngineContext, action: str, engine: ConsoleEngine, opts: FlowOptions, out: Out
) -> ActionResult:
    handoff = await _show_handoff(ctx, engine, out)
    if opts.demo is not None:
        await engine.demo_complete(ctx)
        out.say("       demo: done in the demo console, as you would in Okta")
    elif action in opts.confirmed:
        # The admin said it is done: accept what cannot be seen, as long as nothing hard is missing.
        outcome = await engine.apply(ctx, {"confirmed": True})
        if outcome.ok:
            result = _report(out, ctx, action, outcome)
            result.handoff = handoff
            return result

    def update(detection: Detection) -> None:
        if detection.error:
            out.say(f"       … {detection.message}")

    timeout = opts.console_timeout if opts.demo is None else 10.0
    if timeout > 0 and opts.demo is None and action != "test-connector":
        out.say(f"       waiting up to {timeout:g} s for it to be detected (ctrl+c stops; rerun continues)")
    detection = await engine.wait(ctx, timeout=timeout, on_update=update)
    confirmed = opts.demo is not None or action in opts.confirmed
    to_confirm = detection.undetectable + [n for n in detection.missing if n in detection.soft]
    if not confirmed and detection.complete and to_confirm:
        if opts.assume_yes:
            confirmed = True
            out.say("       --yes confirms what cannot be detected: " + "; ".join(to_confirm))
        elif opts.interactive:
            confirmed = confirm(
                out, "Have you done all of it, including: " + "; ".join(to_confirm) + "?", assume_yes=False
            )
    outcome = await engine.apply(ctx, {"confirmed": confirmed})
    if outcome.ok:
        result = _report(out, ctx, action, outcome)
        result.handoff = handoff
        return result
    if outcome.fix_step not in (None, getattr(engine, "fix_step", None)) or detection.error:
        result = _report(out, ctx, action, outcome)
        result.handoff = handoff
        return result
    span = ctx.catalog.span(action)
    out.say(f"  ⏸  {_label(ctx, action)}: still open. {' '.join(outcome.messages)}")
    if detection.complete and to_confirm:
        out.say(
            f"       rerun with --yes (or --confirmed {span.split('–')[0]}) to confirm what "
            "cannot be detected"
        )
    elif to_confirm and not detection.complete:
        out.say(
            f"       if Okta does not report it but you did it, rerun with --confirmed {span.split('–')[0]}"
        )
    out.say(f"       rerun the same command to continue from step {span.split('–')[0]}")
    return ActionResult(
        action,
        span,
        "open",
        list(outcome.messages),
        list(outcome.warnings),
        outcome.fix_step,
        dict(outcome.evidence),
        handoff,
    )


def step_statuses(ctx: EngineContext) -> dict[str, str]:
    steps = ctx.session.state.steps
    return {
        step.number: (steps[step.number].status if step.number in steps else StepStatus.PENDING).value
        for step in ctx.catalog.steps
    }
