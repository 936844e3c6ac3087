"""Collecting and showing the engine's plans: what each pending action would call. Shared by
`plan` (nothing is sent) and `apply` (shown before asking)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wizard.commands.common import Out
from wizard.engine import ENGINES, EngineContext, is_console
from wizard.state import FINISHED_STATUSES, StepStatus

# Actions run on every `apply`, finished or not: cheap reads that set the run up.
ALWAYS_RUN = frozenset({"kandji", "okta-sign-in"})


def action_order() -> list[str]:
    from wizard.catalog import load_catalog

    return load_catalog().action_order()


def action_status(ctx: EngineContext, action: str) -> str:
    """`done` when every step of the action is finished, else the least advanced status."""
    numbers = [step.number for step in ctx.catalog.steps_of(action)]
    statuses = [
        ctx.session.state.steps[n].status if n in ctx.session.state.steps else StepStatus.PENDING
        for n in numbers
    ]
    if all(s in FINISHED_STATUSES for s in statuses):
        return "done"
    for candidate in (StepStatus.FAILED, StepStatus.NEEDS_CONSOLE):
        if candidate in statuses:
            return candidate.value
    return StepStatus.PENDING.value


@dataclass
class PlanEntry:
    action: str
    steps: str
    title: str
    mode: str  # api | console | check | input
    status: str
    will_run: bool
    plan: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "steps": self.steps,
            "title": self.title,
            "mode": self.mode,
            "status": self.status,
            "will_run": self.will_run,
            "calls": self.plan["calls"],
            "notes": self.plan["notes"],
        }


async def collect(ctx: EngineContext, inputs: Mapping[str, Mapping[str, Any]]) -> list[PlanEntry]:
    entries = []
    for action in action_order():
        engine = ENGINES[action]
        status = action_status(ctx, action)
        plan = await engine.plan(ctx, inputs.get(action, {}))
        catalog = ctx.catalog
        mode = "console" if is_console(engine) else ("check" if action == "verify" else "api")
        if action == "kandji":
            mode = "input"  # the URL comes from the config (or the demo)
        entries.append(
            PlanEntry(
                action=action,
                steps=catalog.span(action),
                title=catalog.actions[action].title,
                mode=mode,
                status=status,
                will_run=status != "done" or action in ALWAYS_RUN,
                plan=plan.to_dict(),
            )
        )
    return entries


def show(out: Out, entries: list[PlanEntry]) -> None:
    for entry in entries:
        state = "runs" if entry.will_run else "already done: only re-checked"
        kind = {
            "console": "Admin Console, then detected",
            "check": "check",
            "api": "by API",
            "input": "from the config",
        }[entry.mode]
        out.say(f"{entry.steps:>10}  {entry.title} ({kind}; {state})")
        if not entry.will_run:
            continue
        for call in entry.plan["calls"]:
            out.say(f"{'':>12}{call['method']} {call['path']} — {call['purpose']}")
            if call.get("body") and call["method"] in ("POST", "PUT"):
                import json

                out.say(f"{'':>14}body: {json.dumps(call['body'], ensure_ascii=False)}")
        for note in entry.plan["notes"]:
            out.say(f"{'':>12}note: {note}")
