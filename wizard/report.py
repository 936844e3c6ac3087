"""What was done, when, and the evidence for it: a Markdown report (and the same facts as
data) built from a tenant's state. The state never holds a secret, and the text is passed
through the redactor once more before it is written anywhere."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from wizard import __version__, redact
from wizard.catalog import load_catalog
from wizard.state import StepStatus, TenantState

PUSH_NOTE = (
    "Sync is one-way and push-based: Okta sends a change to Kandji when it has one (a new member "
    "of the group, a profile update, a deactivation). Kandji has no 'sync now'; to provision "
    "someone, add them to the group in Okta."
)


def _evidence(state: TenantState, number: str) -> dict[str, Any]:
    record = state.steps.get(number)
    return record.evidence if record is not None else {}


def summary(state: TenantState) -> dict[str, Any]:
    """The objects the setup made or found, for the finish screen and the report."""
    app = _evidence(state, "8")
    group = _evidence(state, "16")
    person = _evidence(state, "17")
    assignment = _evidence(state, "23")
    proof = _evidence(state, "24")
    return {
        "org": state.org_host,
        "app": {k: app.get(k) for k in ("label", "app_id", "app_name", "link", "created_by_wizard")}
        if app.get("app_id")
        else None,
        "group": {k: group.get(k) for k in ("group_name", "group_id", "created_by_wizard")}
        if group.get("group_id")
        else None,
        "test_user": {k: person.get(k) for k in ("login", "user_id")} if person.get("user_id") else None,
        "existing_users_added": person.get("existing_users_added") or [],
        "assignment_profile": assignment.get("profile") or {},
        "provisioned": proof.get("provisioned"),
        "expected": proof.get("expected"),
        "kandji_base_url": state.settings.kandji_base_url,
        "complete": all(
            state.steps.get(s.number) is not None
            and state.steps[s.number].status in (StepStatus.DONE, StepStatus.SKIPPED)
            for s in load_catalog().steps
        ),
    }


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _brief(evidence: dict[str, Any]) -> str:
    shown = [
        f"{key}={value}"
        for key, value in evidence.items()
        if isinstance(value, str | int | bool) and value != "" and key not in ("link", "how")
    ]
    return ", ".join(shown)[:160]


def render_markdown(state: TenantState) -> str:
    facts = summary(state)
    lines = [
        f"# Okta → Kandji SCIM setup: {state.org_host}",
        "",
        f"Written by okta-kandji-setup {__version__}; last change {state.updated_at:%Y-%m-%d %H:%M UTC}.",
        "",
        "## What exists",
        "",
    ]
    app, group = facts["app"], facts["group"]
    lines.append(
        f"- App: **{app['label']}** (id `{app['app_id']}`) — {app['link']}" if app else "- App: not yet"
    )
    lines.append(
        f"- Group: **{group['group_name']}** (id `{group['group_id']}`)" if group else "- Group: not yet"
    )
    if facts["test_user"]:
        lines.append(f"- Test person: {facts['test_user']['login']} (id `{facts['test_user']['user_id']}`)")
    if facts["existing_users_added"]:
        lines.append(f"- Existing users added to the group: {', '.join(facts['existing_users_added'])}")
    if facts["assignment_profile"]:
        shown = ", ".join(f"{k} {v}" for k, v in facts["assignment_profile"].items())
        lines.append(f"- Assignment: the group is assigned to the app ({shown})")
    if facts["expected"] is not None:
        lines.append(f"- Users in Kandji: {facts['provisioned']} of {facts['expected']}")
    if facts["kandji_base_url"]:
        lines.append(f"- Kandji SCIM base URL: {facts['kandji_base_url']}")
    lines += ["", "## Steps", "", "| Step | What | Status | When | Evidence |", "|---|---|---|---|---|"]
    for step in load_catalog().steps:
        record = state.steps.get(step.number)
        status = record.status.value if record else "pending"
        when = f"{record.updated_at:%Y-%m-%d %H:%M}" if record and record.updated_at else ""
        evidence = _brief(record.evidence) if record else ""
        note = f" — {record.note}" if record and record.note else ""
        lines.append(
            f"| {step.number} | {_cell(step.title)} | {status} | {when} | {_cell(evidence + note)} |"
        )
    lines += ["", "## Good to know", "", PUSH_NOTE, ""]
    return redact.redact("\n".join(lines))


def report_path(state_file: Path) -> Path:
    return state_file.with_name(state_file.name.removesuffix(".json") + ".report.md")


def write_report(state: TenantState, state_file: Path) -> Path:
    """Write the Markdown report beside the state file (atomically, mode 0600)."""
    target = report_path(state_file)
    text = render_markdown(state)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".report-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o600)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
