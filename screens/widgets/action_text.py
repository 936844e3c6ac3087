"""How the engine's plans and outcomes read on screen."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.engine import Outcome, Plan


def escape(text: str) -> str:
    """Okta's and Kandji's words as plain text: every `[` escaped, not only those that look
    like lower-case tags (textual.markup.escape leaves `[E0000011]`, which then vanishes)."""
    return text.replace("[", "\\[")


def format_outcome(outcome: Outcome, here: Collection[str] = ()) -> str:
    """`here`: the step numbers on screen, so a fix on this very step says "above", not "go back"."""
    mark = "[green]✔[/green]" if outcome.ok else "[red]✘[/red]"
    lines = [f"{mark} {escape(message)}" for message in outcome.messages if message]
    lines += [f"[yellow]![/yellow] {escape(warning)}" for warning in outcome.warnings]
    shown = {k: v for k, v in outcome.evidence.items() if isinstance(v, str | int | bool) and v != ""}
    lines += [f"  [dim]{key}:[/dim] {escape(str(value))}" for key, value in shown.items()]
    if not outcome.ok and outcome.fix_step:
        if outcome.fix_step in here:
            lines.append("Fix it on this step, then press Enter to try again.")
        else:
            lines.append(f"Go to step {outcome.fix_step} to fix it (ctrl+p jumps there).")
    return "\n".join(lines)


def format_plan(plan: Plan) -> str:
    lines = []
    for call in plan.calls:
        lines.append(f"[b]{call.method}[/b] {escape(call.path)}  [dim]— {escape(call.purpose)}[/dim]")
        if call.body:
            lines.append(f"  [dim]{escape(json.dumps(call.body, separators=(', ', ': ')))}[/dim]")
    lines += [f"[dim]• {escape(note)}[/dim]" for note in plan.notes]
    return "\n".join(lines)
