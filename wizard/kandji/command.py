"""`okta-kandji-setup kandji-check`: the Kandji SCIM pre-flight without the TUI."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "kandji-check",
        help="test a Kandji SCIM base URL and token before pasting them into Okta",
        description="Test a Kandji SCIM endpoint read-only. The token is read from "
        "KANDJI_SCIM_TOKEN or standard input, never from the command line.",
    )
    parser.add_argument("--url", required=True, help="the Kandji SCIM base URL")
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.add_argument("--allow-insecure-loopback", action="store_true")
    parser.add_argument("--allow-unknown-host", action="store_true")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    raise SystemExit("kandji-check is not available yet in this build.")
