"""`okta-kandji-setup status`: where each saved setup stands, step by step, from the saved
progress alone (no network; `verify` checks live)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from wizard.commands.common import Out, add_json, add_parser, add_tenant, run_guarded
from wizard.commands.exit_codes import Exit

if TYPE_CHECKING:
    from wizard.commands.tenants import TenantRef

GLYPH = {"done": "✓", "skipped": "–", "pending": "·", "failed": "✗", "needs-console": "→"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_parser(
        subparsers,
        "status",
        help="show each saved setup's steps, their status and evidence",
        description=(
            "Show where each saved setup stands (or one, with --tenant): every step of the article "
            "with its status, when it changed and the evidence recorded. Reads the saved progress "
            "only; use `verify` to re-check against Okta. The demo's setup (from `apply --demo`) "
            "is listed too, labelled demo."
        ),
        codes=(Exit.NOT_FOUND, Exit.FAILED),
        example="okta-kandji-setup status --json",
    )
    add_tenant(parser)
    add_json(parser, "the setups, their steps and evidence")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    out = Out("status", as_json=args.json)
    return run_guarded(out, lambda: show_status(args.tenant, out))


def tenant_status(ref: TenantRef) -> dict[str, Any]:
    from wizard.catalog import load_catalog
    from wizard.state import FINISHED_STATUSES, StepRecord

    state = ref.read()
    catalog = load_catalog()
    steps = []
    counts: dict[str, int] = {}
    for step in catalog.steps:
        record = state.steps.get(step.number) or StepRecord()
        status = record.status.value
        counts[status] = counts.get(status, 0) + 1
        steps.append(
            {
                "number": step.number,
                "title": step.title,
                "action": step.action,
                "mode": step.mode,
                "status": status,
                "verified": record.status in FINISHED_STATUSES,
                "updated_at": record.updated_at.isoformat() if record.updated_at else None,
                "note": record.note,
                "evidence": record.evidence,
            }
        )
    return {
        "tenant": state.org_host,
        "org_url": state.org_url,
        "demo": ref.demo,
        "state_file": str(ref.path),
        "created_at": state.created_at.isoformat(),
        "updated_at": state.updated_at.isoformat(),
        "current_step": state.current_step,
        "all_verified": all(step["verified"] for step in steps),
        "counts": counts,
        "settings": state.settings.model_dump(),
        "steps": steps,
    }


def show_status(tenant: str | None, out: Out) -> int:
    from wizard.commands.tenants import find_tenant, main_store, scan

    notices: list[str] = []
    if tenant is not None:
        refs, moved = [find_tenant(tenant)], []
    else:
        refs, moved = scan(notices)
    tenants = [tenant_status(ref) for ref in refs]
    if out.as_json:
        out.emit(
            {
                "state_dir": str(main_store().root),
                "tenants": tenants,
                "moved_aside": [{"file": str(m.moved_to), "reason": m.reason} for m in moved],
                "repaired": notices,
            }
        )
        return int(Exit.OK)
    for aside in moved:
        out.say(f"! {aside.reason}")
    for notice in notices:
        out.say(f"! {notice}")
    if not tenants:
        out.say(
            f"No setup is saved in {main_store().root} yet. Start one with `okta-kandji-setup`, "
            "`okta-kandji-setup apply --config FILE`, or try `okta-kandji-setup apply --demo --yes`."
        )
        return int(Exit.OK)
    for data in tenants:
        _show_text(out, data)
    return int(Exit.OK)


def _show_text(out: Out, data: dict[str, Any]) -> None:
    total = len(data["steps"])
    finished = sum(1 for step in data["steps"] if step["verified"])
    label = f"{data['tenant']} (demo)" if data["demo"] else data["tenant"]
    verdict = "every step verified" if data["all_verified"] else f"current step {data['current_step']}"
    out.say(f"{label} — {finished} of {total} steps finished; {verdict}")
    out.say(
        f"  {data['org_url']} · saved {data['updated_at'][:19].replace('T', ' ')} UTC · {data['state_file']}"
    )
    for step in data["steps"]:
        when = (step["updated_at"] or "")[:19].replace("T", " ")
        glyph = GLYPH.get(step["status"], "?")
        line = f"  {glyph} {step['number']:<5} {step['title']:<40} {step['status']:<13} {when}"
        out.say(line.rstrip())
        if step["note"] and step["status"] != "done":
            out.say(f"          {step['note']}")
    out.say()
