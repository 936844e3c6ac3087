"""What the headless commands share: parser setup with the exit-code table, output (text or
JSON), confirmation, turning known failures into exit codes, and an engine context for a saved
tenant. Heavy modules are imported inside functions so `--help` stays instant."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TextIO

from wizard.commands.exit_codes import Exit, table

if TYPE_CHECKING:
    from wizard.commands.secret_input import HeadlessSecrets
    from wizard.commands.tenants import TenantRef
    from wizard.engine import EngineContext
    from wizard.state import StateStore, TenantSession

PROG = "okta-kandji-setup"


def add_parser(
    subparsers: argparse._SubParsersAction,
    name: str,
    *,
    help: str,
    description: str,
    codes: tuple[Exit, ...],
    example: str = "",
) -> argparse.ArgumentParser:
    epilog = table(*codes)
    if example:
        epilog = f"example:\n  {example}\n\n{epilog}"
    import textwrap

    return subparsers.add_parser(
        name,
        help=help,
        description=textwrap.fill(description, width=78),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_tenant(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tenant",
        metavar="HOST",
        help="the Okta org host (acme.okta.com), its URL, or `demo`; optional when only one setup is saved",
    )


def add_json(parser: argparse.ArgumentParser, what: str = "the result") -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON on standard output")


def add_loopback(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-insecure-loopback",
        dest="loopback",
        action="store_true",
        help="accept http://127.0.0.1:PORT org and SCIM URLs (simulators and tests)",
    )


def add_secrets_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--secrets-stdin",
        action="store_true",
        help="read secrets as NAME=value lines from standard input (OKTA_API_TOKEN, KANDJI_SCIM_TOKEN, "
        "OKTA_PRIVATE_KEY_FILE, OKTA_TEST_USER_PASSWORD); they are never accepted as arguments",
    )


def add_yes(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("-y", "--yes", action="store_true", help=f"do not ask before {what}")


class Out:
    """Human text goes to stdout, or to stderr when stdout carries JSON."""

    def __init__(
        self, command: str, as_json: bool = False, stdout: TextIO | None = None, stderr: TextIO | None = None
    ) -> None:
        self.command = command
        self.as_json = as_json
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr

    def say(self, text: str = "") -> None:
        stream = self.stderr if self.as_json else self.stdout
        print(text, file=stream, flush=True)

    def error(self, text: str) -> None:
        print(f"{PROG} {self.command}: {text}", file=self.stderr, flush=True)

    def emit(self, data: Any) -> None:
        from wizard import redact

        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        print(redact.redact(text), file=self.stdout, flush=True)


def confirm(out: Out, question: str, *, assume_yes: bool, stdin: TextIO | None = None) -> bool:
    """True when `--yes` was given or the admin answers yes at a terminal. Without a terminal
    and without `--yes` nothing is assumed: the caller exits CANCELLED."""
    if assume_yes:
        return True
    stream = stdin or sys.stdin
    if not stream.isatty():
        out.error(f"{question} Not asked: standard input is not a terminal. Rerun with --yes to proceed.")
        return False
    print(f"{question} [y/N] ", end="", file=out.stderr, flush=True)
    answer = stream.readline().strip().lower()
    return answer in ("y", "yes")


def cancelled(out: Out) -> int:
    """The CANCELLED exit, with a JSON answer when one was asked for."""
    if out.as_json:
        out.emit({"ok": False, "exit_code": int(Exit.CANCELLED), "error": "not confirmed"})
    return int(Exit.CANCELLED)


def run_guarded(out: Out, body: Callable[[], int]) -> int:
    """Run a command body; known failures become a sentence on stderr and an exit code."""
    from wizard.commands.config import ConfigError
    from wizard.commands.secret_input import SecretInputError
    from wizard.commands.tenants import TenantAmbiguous, TenantNotFound
    from wizard.engine.errors import EngineError
    from wizard.okta.errors import OktaError
    from wizard.secrets import SecretStoreError
    from wizard.state import StateError, StateLocked

    def fail(code: Exit, message: str) -> int:
        out.error(message)
        if out.as_json:
            out.emit({"ok": False, "exit_code": int(code), "error": message})
        return int(code)

    try:
        return int(body())
    except ConfigError as exc:
        return fail(Exit.USAGE, "the configuration file has problems:\n  " + "\n  ".join(exc.problems))
    except (TenantAmbiguous, SecretInputError) as exc:
        return fail(Exit.USAGE, str(exc))
    except TenantNotFound as exc:
        return fail(Exit.NOT_FOUND, str(exc))
    except StateLocked as exc:
        return fail(Exit.LOCKED, str(exc))
    except StateError as exc:
        return fail(Exit.FAILED, str(exc))
    except SecretStoreError as exc:
        return fail(Exit.CREDENTIALS, str(exc))
    except EngineError as exc:
        code = Exit.CREDENTIALS if exc.fix_step in ("1", "B.2") else Exit.FAILED
        step = f" (step {exc.fix_step})" if exc.fix_step else ""
        return fail(code, f"{exc}{step}")
    except OktaError as exc:
        from wizard.commands.causes import exit_for_error

        return fail(exit_for_error(exc), str(exc))
    except KeyboardInterrupt:
        return fail(Exit.INTERRUPTED, "interrupted; progress so far is saved — rerun to continue.")


def say_kept_aside(out: Out, store: StateStore, session: TenantSession | None = None) -> list[str]:
    """Tell the admin what opening the progress moved aside or repaired (the TUI shows the
    same on its start screen), before anything else happens. Returns the sentences."""
    lines = list(store.notices)
    if session is not None and session.moved_aside is not None:
        lines.insert(0, session.moved_aside.reason)
    for line in lines:
        out.say(f"  !  {line}")
    return lines


def demo_gone(ref: TenantRef) -> str:
    return (
        f"{ref.label} was set up by `apply --demo`, whose simulated Okta and Kandji existed only "
        "while it ran, so there is nothing live to check or remove. `status --tenant demo` shows "
        "what it recorded; `apply --demo --yes` runs it again."
    )


@asynccontextmanager
async def tenant_context(
    ref: TenantRef, given: HeadlessSecrets, command: str
) -> AsyncIterator[EngineContext]:
    """Open a saved tenant (locked) with an Okta client from the given secrets or the keyring.
    The Okta calls made are appended to the tenant's call log on the way out."""
    from wizard.commands import calllog
    from wizard.commands.runtime import RUNTIME
    from wizard.commands.secret_input import open_client
    from wizard.engine import EngineContext
    from wizard.kandji.urls import KandjiUrlError, parse_kandji_url
    from wizard.okta.domains import parse_org_url
    from wizard.secrets import SecretStore

    saved = ref.read()
    # Both URLs were validated when the setup was made; a loopback one means a simulator.
    org = parse_org_url(saved.org_url, allow_custom=True, allow_insecure_loopback=True)
    store = SecretStore()
    session = ref.store.open(saved.org_url, saved.org_host)
    try:
        say_kept_aside(Out(command, as_json=True), ref.store, session)  # to stderr: stdout may be JSON
        settings = session.state.settings
        kandji_url = None
        if settings.kandji_base_url:
            try:
                kandji_url = parse_kandji_url(
                    settings.kandji_base_url, allow_insecure_loopback=True, allow_unknown_host=True
                )
            except KandjiUrlError:
                kandji_url = None
        okta = await open_client(org, store, settings, given, sleep=RUNTIME.sleep)
        try:
            yield EngineContext(
                org=org,
                session=session,
                secrets=store,
                okta=okta,
                kandji_url=kandji_url,
                sleep=RUNTIME.sleep,
                clock=RUNTIME.clock,
            )
        finally:
            calllog.append(ref.store, ref.host, command, okta.call_log)
            await okta.aclose()
    finally:
        session.close()
