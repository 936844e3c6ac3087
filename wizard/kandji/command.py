"""`okta-kandji-setup kandji-check`: the Kandji SCIM pre-flight without the TUI.

Exit codes: 0 every required check passed, 1 a check failed, 2 the URL or token input was
unusable (nothing was sent). The token comes from KANDJI_SCIM_TOKEN or standard input, never
from the command line, and is never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
TOKEN_ENV = "KANDJI_SCIM_TOKEN"
GLYPHS = {"pass": "✓", "fail": "✗", "info": "i", "skip": "-"}
ASCII_GLYPHS = {"pass": "PASS", "fail": "FAIL", "info": "INFO", "skip": "SKIP"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "kandji-check",
        help="test a Kandji SCIM base URL and token before pasting them into Okta",
        description="Test a Kandji SCIM endpoint read-only. The token is read from "
        f"{TOKEN_ENV} or standard input, never from the command line. Exit status: 0 all "
        "required checks passed, 1 a check failed, 2 the URL or token was unusable.",
    )
    parser.add_argument("--url", required=True, help="the Kandji SCIM base URL")
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.add_argument(
        "--allow-insecure-loopback",
        action="store_true",
        help="accept http://127.0.0.1:PORT and http://localhost:PORT (demo and tests)",
    )
    parser.add_argument(
        "--allow-unknown-host",
        action="store_true",
        help="send the token to a host that is not a known Kandji host (you confirm it is Kandji's)",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per request (default 10)"
    )
    parser.add_argument(
        "--total-timeout", type=float, default=30.0, help="seconds for the whole check (default 30)"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    return run_check(
        args.url,
        as_json=args.json,
        allow_insecure_loopback=args.allow_insecure_loopback,
        allow_unknown_host=args.allow_unknown_host,
        timeout=args.timeout,
        total_timeout=args.total_timeout,
    )


def run_check(
    url_text: str,
    *,
    as_json: bool = False,
    allow_insecure_loopback: bool = False,
    allow_unknown_host: bool = False,
    timeout: float = 10.0,
    total_timeout: float = 30.0,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    import asyncio
    import json

    from wizard.kandji.checks import CheckResult
    from wizard.kandji.preflight import run_preflight
    from wizard.kandji.tokens import TokenInputError, clean_bearer_token
    from wizard.kandji.urls import KandjiUrlError, UnknownKandjiHost, parse_kandji_url

    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    err = stderr or sys.stderr

    def fail_input(message: str) -> int:
        if as_json:
            print(json.dumps({"ok": False, "error": message}), file=out)
        print(f"kandji-check: {message}", file=err)
        return EXIT_BAD_INPUT

    if timeout <= 0 or total_timeout <= 0:
        return fail_input("--timeout and --total-timeout must be positive numbers of seconds.")
    try:
        url = parse_kandji_url(
            url_text, allow_insecure_loopback=allow_insecure_loopback, allow_unknown_host=allow_unknown_host
        )
    except UnknownKandjiHost as exc:
        return fail_input(f"{exc} If it is, run again with --allow-unknown-host.")
    except KandjiUrlError as exc:
        hint = f" Suggested: --url {exc.suggestion}" if exc.suggestion else ""
        return fail_input(f"{exc}{hint}")

    try:
        raw = _read_token(stdin, err)
    except (EOFError, KeyboardInterrupt):
        raw = ""
    if raw is None:
        return fail_input(
            f"No token. Set {TOKEN_ENV}, or pipe the token on standard input "
            "(it is never accepted as an argument)."
        )
    try:
        token, token_notes = clean_bearer_token(raw)
    except TokenInputError as exc:
        return fail_input(str(exc))

    glyphs = GLYPHS if _can_encode(out, "✓✗") else ASCII_GLYPHS

    def show(result: CheckResult) -> None:
        print(f"{glyphs[result.status]:>4} {result.title}: {result.detail}", file=out)
        if result.request:
            print(f"     {result.request}", file=out)
        if result.cause:
            print(f"     Cause: {result.cause}", file=out)
        if result.fix:
            print(f"     Fix:   {result.fix}", file=out)
        out.flush()

    if not as_json:
        print(f"Checking {url.base_url}", file=out)
        for note in [*url.notes, *token_notes]:
            print(f"     Note: {note}", file=out)
    try:
        report = asyncio.run(
            run_preflight(
                url, token, timeout=timeout, total_timeout=total_timeout, on_result=None if as_json else show
            )
        )
    except KeyboardInterrupt:
        print("kandji-check: interrupted.", file=err)
        return EXIT_CHECK_FAILED
    if as_json:
        payload = report.to_dict()
        payload["notes"] = [*url.notes, *token_notes]
        print(json.dumps(payload, indent=2, ensure_ascii=False), file=out)
    else:
        print(report.summary, file=out)
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def _read_token(stdin: TextIO, err: TextIO) -> str | None:
    """The token from the environment, else stdin (a prompt without echo on a terminal)."""
    value = os.environ.get(TOKEN_ENV)
    if value:
        return value
    if stdin.isatty():
        import getpass

        return getpass.getpass("Kandji SCIM token (input hidden): ", stream=err) or None
    # One line is enough; a token never spans lines, and clean_bearer_token trims the newline.
    line = stdin.readline(8192)
    return line if line.strip() else None


def _can_encode(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None)
    if encoding is None:  # an in-memory text stream holds any str
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
