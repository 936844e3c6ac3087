"""`okta-kandji-setup doctor`: check an existing Okta→Kandji integration, read-only."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from wizard.commands.common import Out, add_json, add_parser, run_guarded
from wizard.commands.exit_codes import Exit

if TYPE_CHECKING:
    from wizard.doctor.model import DoctorReport

SEVERITY_MARK = {"critical": "!!", "high": "! ", "medium": "~ ", "low": "· "}
CHECK_MARK = {"ok": "✓", "warn": "~", "fail": "✗", "info": "i", "skip": "-"}


def register(subparsers: argparse._SubParsersAction) -> None:
    from wizard.commands.integration import add_target_options

    parser = add_parser(
        subparsers,
        "doctor",
        help="check an existing integration (even one made by hand): ranked findings with fixing steps",
        description=(
            "Find the Okta→Kandji integration (--app-id, --app-label, the saved setup, or the apps "
            "that look like one) and check it read-only in the article's order: the app, SCIM "
            "provisioning, the connection, the To App push settings, the assigned groups and their "
            "members, the assignment profile, the app users by status and sync state, provisioning "
            "failures in the System Log, and Kandji's side when its token is at hand. Findings are "
            "ranked by severity, each with its evidence, the article step that fixes it and a link. "
            "Exit 0 healthy, 1 findings, 2 bad input, 3 not found."
        ),
        codes=(Exit.FAILED, Exit.NOT_FOUND, Exit.CREDENTIALS),
        example="OKTA_API_TOKEN=… okta-kandji-setup doctor --org https://acme.okta.com",
    )
    add_target_options(parser, demo_help="check a seeded demo integration that has a few of every problem")
    add_json(parser, "the report")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    out = Out("doctor", as_json=args.json)
    return run_guarded(out, lambda: asyncio.run(_doctor(args, out)))


async def _doctor(args: argparse.Namespace, out: Out) -> int:
    from wizard.commands.integration import BadInput, open_target, parse_since
    from wizard.commands.secret_input import gather
    from wizard.doctor.locate import IntegrationAmbiguous, IntegrationNotFound
    from wizard.doctor.run import diagnose
    from wizard.doctor.store import save_report

    try:
        since = parse_since(args.since)
        given = gather(from_stdin=args.secrets_stdin)
        async with open_target(args, given, "doctor") as target:
            out.say(f"Looking for the Kandji integration in {target.label}…")
            report = await diagnose(
                target.okta,
                target.org,
                since=since,
                kandji=target.kandji,
                app_id=args.app_id,
                app_label=args.app_label,
                saved_app_id=target.saved_app_id,
            )
            # The demo's folder goes when it ends: only a real org's report is kept for support.
            saved = None if target.seeded else save_report(target.store_root, target.org.host, report)
    except BadInput as exc:
        return _fail(out, Exit.USAGE, str(exc))
    except IntegrationAmbiguous as exc:
        out.error(str(exc))
        for c in exc.candidates:
            out.say(f"  {c.id}  {c.label!r}  {c.sign_on_mode} {c.status}  — {c.why}")  # repr: escapes
        if out.as_json:
            out.emit(
                {
                    "ok": False,
                    "exit_code": int(Exit.USAGE),
                    "error": str(exc),
                    "candidates": [c.to_dict() for c in exc.candidates],
                }
            )
        return int(Exit.USAGE)
    except IntegrationNotFound as exc:
        return _fail(out, Exit.NOT_FOUND, str(exc))
    for line in render(report):
        out.say(line)
    if saved is not None:
        out.say(f"Report saved for support-bundle: {saved}")
    code = Exit.OK if report.healthy else Exit.FAILED
    if out.as_json:
        out.emit({"ok": report.healthy, "exit_code": int(code), **report.to_dict()})
    return int(code)


def _fail(out: Out, code: Exit, message: str) -> int:
    out.error(message)
    if out.as_json:
        out.emit({"ok": False, "exit_code": int(code), "error": message})
    return int(code)


def render(report: DoctorReport) -> list[str]:
    """The report as text: the checks in the article's order, then the ranked findings."""
    from wizard.doctor.checks import printable

    app: dict[str, Any] = report.app
    lines = [
        f"{printable(str(app.get('label')))} ({app.get('id')}), found by {report.located_by}.",
        "",
        "Checks:",
    ]
    for check in report.checks:
        lines.append(f"  {CHECK_MARK[check.status]} {check.steps:<9} {check.title}: {check.summary}")
    lines.append("")
    findings = report.ranked()
    if not findings:
        lines.append("Healthy: nothing to fix.")
        return lines
    noun = "finding" if len(findings) == 1 else "findings"
    lines.append(f"{len(findings)} {noun}, most severe first:")
    for number, finding in enumerate(findings, start=1):
        step = f" → step {finding.step}" if finding.step else ""
        lines.append(
            f"{number:>2}. {SEVERITY_MARK[finding.severity]}{finding.severity.upper()}: {finding.title}{step}"
        )
        lines.append(f"      evidence: {finding.evidence}")
        lines.append(f"      fix: {finding.fix}")
        if finding.link:
            lines.append(f"      open: {finding.link}")
    return lines
