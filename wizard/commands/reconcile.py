"""`okta-kandji-setup reconcile`: compare every user Okta assigns to the app with every user in
Kandji's SCIM Users; write one row per user (CSV or JSON) and print the counts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from wizard.commands.common import Out, add_json, add_parser, run_guarded
from wizard.commands.exit_codes import Exit

if TYPE_CHECKING:
    from wizard.reconcile.model import Progress


def register(subparsers: argparse._SubParsersAction) -> None:
    from wizard.commands.integration import add_target_options

    parser = add_parser(
        subparsers,
        "reconcile",
        help="compare every Okta-assigned user with every Kandji SCIM user; CSV or JSON per user",
        description=(
            "Read every user Okta assigns to the app and every user in Kandji's SCIM Users, page by "
            "page, and report each one: in both and active; missing in Kandji (with Okta's sync state "
            "and the System Log reason); active on one side only; in Kandji but not assigned in Okta "
            "(orphan); or a userName differing only in case or whitespace. Okta is paced to half of "
            "each rate-limit bucket (the rest is left to everything else using the org) unless "
            "--fast. Ctrl+C or a crash keeps every finished page: run the same command again to "
            "resume. Read-only. Exit 0 when every user matches, 1 when some do not."
        ),
        codes=(Exit.FAILED, Exit.NOT_FOUND, Exit.CREDENTIALS),
        example="KANDJI_SCIM_TOKEN=… okta-kandji-setup reconcile --tenant acme.okta.com --output users.csv",
    )
    add_target_options(parser, demo_help="compare the users of a seeded demo integration")
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write one row per user; .json writes JSON, anything else CSV "
        "(default: okta-kandji-reconcile-<host>.csv here)",
    )
    parser.add_argument("--format", choices=("csv", "json"), help="the output format, whatever FILE's name")
    parser.add_argument(
        "--fast",
        action="store_true",
        help="use Okta's whole rate-limit bucket instead of half (other integrations may get 429s)",
    )
    parser.add_argument("--restart", action="store_true", help="discard an interrupted run and start over")
    parser.add_argument(
        "--users", type=int, metavar="N", help="with --demo: how many users to seed (default 200)"
    )
    add_json(parser, "the counts")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    out = Out("reconcile", as_json=args.json)
    return run_guarded(out, lambda: asyncio.run(_reconcile(args, out)))


async def _reconcile(args: argparse.Namespace, out: Out) -> int:
    from datetime import UTC, datetime

    from wizard.commands.integration import BadInput, open_target, parse_since
    from wizard.commands.secret_input import gather
    from wizard.doctor.checks import kandji_url_from_connection
    from wizard.doctor.locate import IntegrationAmbiguous, IntegrationNotFound, locate
    from wizard.kandji.users import ScimListError, ScimUserPager
    from wizard.okta.pacing import RetryPolicy
    from wizard.reconcile.journal import Journal, JournalError, journal_path
    from wizard.reconcile.output import OutputError, RowWriter, format_for
    from wizard.reconcile.run import reconcile
    from wizard.state import safe_filename

    if args.users is not None and (not args.target_demo or args.users < 1 or args.users > 100_000):
        return _fail(out, Exit.USAGE, "--users N (1 to 100000) goes with --demo only.")
    retry = RetryPolicy(budget_share=1.0 if args.fast else 0.5)
    progress = ProgressLine(sys.stderr)
    try:
        since = parse_since(args.since)
        given = gather(from_stdin=args.secrets_stdin)
        async with open_target(args, given, "reconcile", retry=retry) as target:
            located = await locate(
                target.okta, app_id=args.app_id, app_label=args.app_label, saved_app_id=target.saved_app_id
            )
            app_id = str(located.app.get("id"))
            if target.kandji.url is None:
                connection = await target.okta.get_default_connection(app_id)
                target.kandji.url = kandji_url_from_connection(connection, target.org)
            if target.kandji.url is None or target.kandji.token is None:
                raise BadInput(
                    "reconcile reads Kandji's users: give its SCIM URL (--scim-url, or a saved setup; "
                    "Okta does not show it for this app) and its token (KANDJI_SCIM_TOKEN, "
                    "--secrets-stdin, or the keyring)."
                )
            output = args.output or Path(f"okta-kandji-reconcile-{safe_filename(target.org.host)}.csv")
            identity = {"org": target.org.base_url, "app": app_id, "kandji": target.kandji.url.base_url}
            journal = Journal(journal_path(target.store_root, target.org.host, app_id), identity)
            if args.restart:
                journal.discard()
            out.say(
                f"Comparing the users of {located.app.get('label')} ({app_id}) in {target.label} with Kandji…"
            )
            async with ScimUserPager(target.kandji.url, target.kandji.token) as pager:
                with RowWriter(output, format_for(output, args.format)) as writer:
                    result = await reconcile(
                        target.okta,
                        pager,
                        app_id,
                        writer,
                        since=since,
                        journal=journal,
                        on_progress=progress.update,
                        clock=_monotonic,
                    )
            progress.close()
    except BadInput as exc:
        return _fail(out, Exit.USAGE, str(exc))
    except IntegrationAmbiguous as exc:
        listed = "; ".join(f"{c.id} {c.label!r}" for c in exc.candidates)
        return _fail(out, Exit.USAGE, f"{exc} Candidates: {listed}.")
    except IntegrationNotFound as exc:
        return _fail(out, Exit.NOT_FOUND, str(exc))
    except ScimListError as exc:
        progress.close()
        return _fail(out, Exit.FAILED, f"Kandji's users could not be read: {exc} {exc.fix}".strip())
    except (JournalError, OutputError) as exc:
        progress.close()
        return _fail(out, Exit.FAILED, str(exc))
    except KeyboardInterrupt:
        progress.close()
        return _fail(
            out,
            Exit.INTERRUPTED,
            "interrupted; every finished page is kept — run the same command again to resume.",
        )
    if result.resumed_pages:
        out.say(f"Resumed: {result.resumed_pages} pages were already read by the interrupted run.")
    for line in result.summary.lines():
        out.say(line)
    for warning in result.warnings:
        out.say(f"! {warning}")
    out.say(
        f"One row per user written to {output} "
        f"({result.okta_calls} Okta calls, {result.scim_calls} SCIM calls)."
    )
    code = Exit.OK if result.summary.healthy else Exit.FAILED
    if out.as_json:
        out.emit(
            {
                "ok": result.summary.healthy,
                "exit_code": int(code),
                "app_id": app_id,
                "output": str(output),
                "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **result.to_dict(),
            }
        )
    return int(code)


def _monotonic() -> float:
    import time

    return time.monotonic()


def _fail(out: Out, code: Exit, message: str) -> int:
    out.error(message)
    if out.as_json:
        out.emit({"ok": False, "exit_code": int(code), "error": message})
    return int(code)


class ProgressLine:
    """Progress on one rewritten stderr line, only when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self._shown = False

    def update(self, progress: Progress) -> None:
        if not self.enabled:
            return
        self.stream.write("\r\x1b[2K" + progress.line()[:79])
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._shown = False
