"""`okta-kandji-setup report`: what was done, when, with the evidence — no secrets.

`build_report()` and `render_markdown()` are plain functions over the saved progress, so the
finish screen can save the same Markdown beside the state.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wizard.commands.common import Out, add_parser, add_tenant, run_guarded
from wizard.commands.exit_codes import Exit

SYNC_NOTE = (
    "Sync is one-way and push-based: Okta sends a change to Kandji when it has one; Kandji has no 'sync now'."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_parser(
        subparsers,
        "report",
        help="what was done, when, with evidence (Markdown or JSON; no secrets)",
        description=(
            "Write a report of a setup from its saved progress: what exists now (app, group, test "
            "person, assignment, users in Kandji), every step with its status and time, and the "
            "evidence read back from the APIs. It never contains a secret."
        ),
        codes=(Exit.NOT_FOUND, Exit.FAILED),
        example="okta-kandji-setup report --tenant acme.okta.com --format md --output setup.md",
    )
    add_tenant(parser)
    parser.add_argument("--format", choices=("md", "json"), default="md", help="Markdown (default) or JSON")
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    out = Out("report", as_json=args.format == "json")
    return run_guarded(out, lambda: _report(args, out))


def build_report(state: Any, *, demo: bool = False) -> dict[str, Any]:
    """The report as data, from a `TenantState`."""
    from datetime import UTC, datetime

    from wizard import __version__
    from wizard.catalog import load_catalog
    from wizard.state import FINISHED_STATUSES, StepRecord

    catalog = load_catalog()
    actions = []
    seen: list[str] = []
    for step in catalog.steps:
        if step.action not in seen:
            seen.append(step.action)
    for action in seen:
        numbers = [s.number for s in catalog.steps_of(action)]
        records = [state.steps.get(n) or StepRecord() for n in numbers]
        when = max((r.updated_at for r in records if r.updated_at), default=None)
        evidence: dict[str, Any] = {}
        for record in records:
            evidence.update(record.evidence)
        actions.append(
            {
                "action": action,
                "steps": catalog.span(action),
                "title": catalog.actions[action].title,
                "finished": all(r.status in FINISHED_STATUSES for r in records),
                "statuses": {n: r.status.value for n, r in zip(numbers, records, strict=True)},
                "updated_at": when.isoformat() if when else None,
                "notes": sorted({r.note for r in records if r.note}),
                "evidence": evidence,
            }
        )
    by_action = {a["action"]: a["evidence"] for a in actions}
    app, group = by_action.get("create-app", {}), by_action.get("group", {})
    user, assign, proof = (
        by_action.get("test-user", {}),
        by_action.get("assign", {}),
        by_action.get("verify", {}),
    )
    summary = {
        "app": {k: app.get(k) for k in ("app_id", "app_name", "label", "link", "created_by_wizard")}
        if app
        else None,
        "group": {k: group.get(k) for k in ("group_id", "group_name", "created_by_wizard")}
        if group
        else None,
        "test_person": {k: user.get(k) for k in ("user_id", "login", "created_by_wizard")}
        if user.get("user_id")
        else None,
        "existing_users_added": user.get("existing_users_added"),
        "assignment_profile": assign.get("profile"),
        "provisioned": proof.get("provisioned"),
        "expected": proof.get("expected"),
    }
    return {
        "tenant": state.org_host,
        "org_url": state.org_url,
        "demo": demo,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": __version__,
        "all_finished": all(a["finished"] for a in actions),
        "summary": summary,
        "actions": actions,
        "note": SYNC_NOTE,
    }


def _created(flag: Any) -> str:
    return "created by the wizard" if flag else "existed before; reused"


def render_markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    lines = [f"# Okta → Kandji SCIM setup: {report['tenant']}", ""]
    if report["demo"]:
        lines += ["> Demo: a simulated Okta org and Kandji SCIM server; nothing real was changed.", ""]
    lines += [
        f"Org: {report['org_url']} · report made {report['generated_at']} · okta-kandji-setup "
        f"{report['version']}",
        "",
        "## What exists now",
        "",
    ]
    if s["app"]:
        app = s["app"]
        lines.append(
            f"- App “{app['label']}” (id `{app['app_id']}`, name `{app['app_name']}`), "
            f"{_created(app['created_by_wizard'])}: {app['link']}"
        )
    if s["group"]:
        group = s["group"]
        lines.append(
            f"- Group “{group['group_name']}” (id `{group['group_id']}`), "
            f"{_created(group['created_by_wizard'])}"
        )
    if s["test_person"]:
        person = s["test_person"]
        lines.append(
            f"- Test person {person['login']} (id `{person['user_id']}`), "
            f"{_created(person['created_by_wizard'])}"
        )
    if s["existing_users_added"]:
        lines.append(f"- Existing people added to the group: {', '.join(s['existing_users_added'])}")
    if s["assignment_profile"] is not None:
        shown = ", ".join(f"{k} {v}" for k, v in s["assignment_profile"].items()) or "no profile values"
        lines.append(f"- The group is assigned to the app ({shown})")
    if s["expected"] is not None:
        lines.append(f"- Users in Kandji: {s['provisioned']} of {s['expected']} group members (step 24)")
    if lines[-1] == "":
        lines.append("- Nothing has been created yet.")
    lines += ["", "## Steps", "", "| Steps | What | Status | When |", "|---|---|---|---|"]
    for action in report["actions"]:
        statuses = sorted(set(action["statuses"].values()))
        when = (action["updated_at"] or "")[:19].replace("T", " ")
        lines.append(f"| {action['steps']} | {action['title']} | {', '.join(statuses)} | {when} |")
    lines += ["", "## Evidence", ""]
    for action in report["actions"]:
        if not action["evidence"] and not action["notes"]:
            continue
        lines.append(f"### {action['steps']} {action['title']}")
        lines.append("")
        for key, value in action["evidence"].items():
            lines.append(f"- {key}: {_short(value)}")
        for note in action["notes"]:
            lines.append(f"- note: {note}")
        lines.append("")
    lines += [report["note"], "", "This report contains no secrets.", ""]
    return "\n".join(lines)


def _short(value: Any) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "…"


def _report(args: argparse.Namespace, out: Out) -> int:
    import json

    from wizard import redact
    from wizard.commands.tenants import find_tenant

    ref = find_tenant(args.tenant)
    report = build_report(ref.read(), demo=ref.demo)
    if args.format == "json":
        text = json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
    else:
        text = render_markdown(report)
    text = redact.redact(text)
    if args.output is None:
        out.stdout.write(text)
        out.stdout.flush()
        return int(Exit.OK)
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        out.error(f"could not write {args.output} ({exc.strerror or exc}).")
        return int(Exit.FAILED)
    print(f"Report written to {args.output}", file=out.stderr)
    return int(Exit.OK)
