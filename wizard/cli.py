"""The `okta-kandji-setup` command: the TUI by default, headless subcommands beside it.

Imports stay inside functions so `--help` and `--version` answer instantly and the TUI is not
slowed by modules it does not need yet.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from wizard import __version__
from wizard.commands import COMMAND_MODULES

# Each module exposes `register(subparsers) -> None`, which adds its parser and sets
# `func=<callable(args) -> int>`. Keep those modules free of heavy imports at top level.
SUBCOMMAND_MODULES: tuple[str, ...] = ("wizard.kandji.command", *COMMAND_MODULES)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okta-kandji-setup",
        description=(
            "Connect Okta to Kandji over SCIM: a guided terminal wizard that automates what "
            "Okta's API allows, hands the rest to the Admin Console, and proves each step."
        ),
        epilog=(
            "Run without a subcommand to start the wizard. Secrets are read from the OS "
            "keyring, environment variables or standard input, never from the command line."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run the whole flow against an embedded Okta simulator and SCIM server (no accounts)",
    )
    parser.add_argument(
        "--allow-insecure-loopback",
        action="store_true",
        help="accept http://127.0.0.1:PORT and http://localhost:PORT URLs (simulators and tests)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is not None:
        return int(args.func(args))
    from screens.app import run_app

    return run_app(demo=args.demo, allow_insecure_loopback=args.allow_insecure_loopback)


if __name__ == "__main__":
    sys.exit(main())
