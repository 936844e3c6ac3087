"""How the engine's plans and outcomes read on screen."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.engine import Outcome, Plan


def format_outcome(outcome: Outcome) -> str:
    mark = "[green]✔[/green]" if outcome.ok else "[red]✘[/red]"
    lines = [f"{mark} {message}" for message in outcome.messages if message]
    lines += [f"[yellow]![/yellow] {warning}" for warning in outcome.warnings]
    shown = {k: v for k, v in outcome.evidence.items() if isinstance(v, str | int | bool) and v != ""}
    lines += [f"  [dim]{key}:[/dim] {value}" for key, value in shown.items()]
    if not outcome.ok and outcome.fix_step:
        lines.append(f"Go back to step {outcome.fix_step} to fix it.")
    return "\n".join(lines)


def format_plan(plan: Plan) -> str:
    lines = []
    for call in plan.calls:
        lines.append(f"[b]{call.method}[/b] {call.path}  [dim]— {call.purpose}[/dim]")
        if call.body:
            lines.append(f"  [dim]{json.dumps(call.body, separators=(', ', ': '))}[/dim]")
    lines += [f"[dim]• {note}[/dim]" for note in plan.notes]
    return "\n".join(lines)
