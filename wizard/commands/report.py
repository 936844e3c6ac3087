"""`okta-kandji-setup report`: what was done, when, with the evidence — no secrets.

The report itself is built by `wizard.report`, which the finish screen uses too.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from wizard.commands.common import Out, add_parser, add_tenant, run_guarded
from wizard.commands.exit_codes import Exit
from wizard.report import build_report, render_markdown


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
    from wizard.state import write_output

    try:
        # 0600 like the bundle: no secret in it, but tenant ids, logins and app ids.
        write_output(args.output.expanduser(), text.encode("utf-8"))
    except OSError as exc:
        out.error(f"could not write {args.output} ({exc.strerror or exc}).")
        return int(Exit.FAILED)
    print(f"Report written to {args.output} (mode 0600: readable by you only)", file=out.stderr)
    return int(Exit.OK)
