"""What was done, when, and the evidence for it, from a tenant's saved progress: as data
(`build_report`) and as Markdown (`render_markdown`). The state never holds a secret, and
the text is passed through the redactor once more before it is written anywhere. Used by the
`report` command and by the finish screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wizard import redact

SYNC_NOTE = (
    "Sync is one-way and push-based: Okta sends a change to Kandji when it has one; Kandji has no 'sync now'."
)


def build_report(state: Any, *, demo: bool = False) -> dict[str, Any]:
    """The report as data, from a `TenantState`."""
    from datetime import UTC, datetime

    from wizard import __version__
    from wizard.catalog import load_catalog
    from wizard.state import FINISHED_STATUSES, StepRecord

    catalog = load_catalog()
    actions = []
    for action in catalog.action_order():
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
        "day_two": _day_two(state),
        "note": SYNC_NOTE,
    }


def _day_two(state: Any) -> dict[str, Any]:
    """The last canary and each Kandji token rotation (when; proved or not). Never a token."""
    day_two = getattr(state, "day_two", None)
    if day_two is None:
        return {"last_canary": None, "rotations": []}
    return {"last_canary": day_two.last_canary, "rotations": list(day_two.rotations)}


def _day_two_lines(day_two: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    canary = day_two.get("last_canary")
    if canary:
        when = str(canary.get("at") or "")[:19].replace("T", " ")
        lines.append(
            f"- Last canary {when} ({canary.get('user')}, {canary.get('attribute')}): {canary.get('message')}"
        )
    for rotation in day_two.get("rotations") or []:
        when = str(rotation.get("at") or "")[:19].replace("T", " ")
        if rotation.get("proved"):
            proof = f"proved by the canary at {str(rotation.get('proved_at') or '')[:19].replace('T', ' ')}"
        else:
            proof = "not proved yet (run `okta-kandji-setup canary`)"
        lines.append(f"- Kandji token rotated {when}: {proof}")
    return ["## Day two", "", *lines, ""] if lines else []


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
    lines += _day_two_lines(report.get("day_two") or {})
    lines += [report["note"], "", "This report contains no secrets.", ""]
    return "\n".join(lines)


def _short(value: Any) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "…"


def report_path(state_file: Path) -> Path:
    return state_file.with_name(state_file.name.removesuffix(".json") + ".report.md")


def write_report(state: Any, state_file: Path, *, demo: bool = False) -> Path:
    """Write the Markdown report beside the state file (atomically, mode 0600); a link or
    another user's file at its name is refused (UnsafeFile), never written through."""
    from wizard.state import write_private

    target = report_path(state_file)
    text = redact.redact(render_markdown(build_report(state, demo=demo)))
    write_private(target, text.encode("utf-8"))
    return target
