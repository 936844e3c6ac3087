"""`okta-kandji-setup support-bundle`: a zip for support — the redacted progress, the Okta
call log (method, path, status, request id, duration), a report and the versions — refused
outright if any known secret value is found in what would be written."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wizard.commands.common import Out, add_json, add_parser, add_tenant, run_guarded
from wizard.commands.exit_codes import Exit

PACKAGES = (
    "httpx",
    "pydantic",
    "keyring",
    "platformdirs",
    "truststore",
    "joserfc",
    "textual",
    "scim2-models",
    "scim2-server",
)
README = """okta-kandji-setup support bundle

state.json     the setup's saved progress: each step's status, time and evidence (ids, names,
               what was read back). It never holds a secret.
calls.jsonl    every Okta API call the headless commands made for this org: time, command,
               method, path, HTTP status, X-Okta-Request-Id, duration. No headers, no bodies.
report.md      the same progress as a readable report.
doctor.json    the latest `doctor` report for this org, when doctor has run: each check with its
               evidence and the findings (no secret; user names and ids only).
versions.json  okta-kandji-setup, Python, the OS and library versions, the keyring backend.

Before writing this file, okta-kandji-setup checked every part for the secrets it knows
(the keyring's and the environment's) and for anything shaped like a credential.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_parser(
        subparsers,
        "support-bundle",
        help="write a zip for support: redacted progress, call log, versions (never a secret)",
        description=(
            "Write a zip to send to support: the setup's progress (redacted), the call log of "
            "Okta requests (method, path, status, request id, duration), a report and the "
            "versions in use. Before anything is written, every part is checked for the secret "
            "values this machine knows (keyring and environment) and for credential-shaped text; "
            "if one is found, nothing is written and the command says where it was."
        ),
        codes=(Exit.NOT_FOUND, Exit.FAILED, Exit.SECRET_FOUND),
        example="okta-kandji-setup support-bundle --tenant acme.okta.com --output bundle.zip",
    )
    add_tenant(parser)
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write the zip (default: okta-kandji-setup-support-<host>-<time>.zip here)",
    )
    add_json(parser, "what was written (or why not)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    out = Out("support-bundle", as_json=args.json)
    return run_guarded(out, lambda: _bundle(args, out))


def versions(secrets: Any | None) -> dict[str, Any]:
    import platform
    import sys
    from importlib import metadata

    from wizard import __version__

    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    data: dict[str, Any] = {
        "okta-kandji-setup": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": found,
    }
    if secrets is not None:
        probe = secrets.probe()
        data["keyring"] = {"backend": probe.backend, "state": probe.state}
    return data


def leaks(parts: dict[str, str], known: dict[str, str]) -> list[dict[str, str]]:
    """Where a known secret (in any common encoding) or credential-shaped text appears."""
    import json
    from urllib.parse import quote, quote_plus

    from wizard import redact

    found = []
    for name, text in parts.items():
        for kind, value in known.items():
            value = value.strip()
            if len(value) < redact.MIN_SECRET_LENGTH:
                continue
            forms = {value, json.dumps(value)[1:-1], quote(value, safe=""), quote_plus(value)}
            if any(form in text for form in forms):
                found.append({"file": name, "secret": kind})
        if not any(f["file"] == name for f in found) and redact.contains_secret(text):
            found.append(
                {"file": name, "secret": "text shaped like a credential (token, JWT or private key)"}
            )
    return found


def _bundle(args: argparse.Namespace, out: Out) -> int:
    import io
    import json
    import zipfile
    from datetime import UTC, datetime

    from wizard import redact
    from wizard.commands import calllog
    from wizard.commands.secret_input import known_values
    from wizard.commands.tenants import TenantNotFound, TenantRef, find_tenant, main_store, normalize_host
    from wizard.doctor.store import read_report
    from wizard.report import build_report, render_markdown
    from wizard.secrets import SecretStore
    from wizard.state import MAX_STATE_BYTES, read_private, safe_filename, write_output

    try:
        ref = find_tenant(args.tenant)
    except TenantNotFound:
        # An integration doctor checked without a saved setup (one made by hand): bundle what
        # doctor left, its report and its calls.
        host = normalize_host(args.tenant or "")
        if not host or read_report(main_store().root, host) is None:
            raise
        ref = TenantRef(main_store(), host, demo=False)
    raw_parts: dict[str, str] = {}
    if ref.path.exists():
        try:
            raw = read_private(ref.path, MAX_STATE_BYTES)
            raw_parts["state.json"] = raw.decode("utf-8", errors="replace")
        except OSError as exc:
            out.error(f"could not read {ref.path} ({exc.strerror or exc}).")
            return int(Exit.FAILED)
        raw_parts["report.md"] = render_markdown(build_report(ref.read(), demo=ref.demo))
    secrets = None if ref.demo else SecretStore()
    known = known_values(secrets, ref.host)
    calls = "\n".join(calllog.read_lines(calllog.log_path(ref.store, ref.host)))
    raw_parts["calls.jsonl"] = calls + ("\n" if calls else "")
    doctor = read_report(ref.store.root, ref.host)
    if doctor is not None:
        raw_parts["doctor.json"] = doctor
    raw_parts["versions.json"] = json.dumps(versions(secrets), indent=2) + "\n"
    raw_parts["README.txt"] = README
    found = leaks(raw_parts, known)
    if found:
        where = "; ".join(f"{f['file']} holds {f['secret']}" for f in found)
        out.error(
            f"refused: {where}. No bundle was written. The saved files should never hold a "
            f"secret: please report this as a bug (without the file), and remove the affected "
            f"progress with `okta-kandji-setup forget --tenant {ref.host}` if it must not stay."
        )
        if out.as_json:
            out.emit({"ok": False, "exit_code": int(Exit.SECRET_FOUND), "tenant": ref.host, "found": found})
        return int(Exit.SECRET_FOUND)
    # Also mask anything credential-shaped the check above cannot know about.
    parts = {name: redact.redact(text) for name, text in raw_parts.items()}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = args.output or Path(f"okta-kandji-setup-support-{safe_filename(ref.host)}-{stamp}.zip")
    target = target.expanduser()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in parts.items():
            bundle.writestr(name, text)
    try:
        write_output(target, buffer.getvalue())  # 0600; a link at `target` is refused
    except OSError as exc:
        out.error(f"could not write {target} ({exc.strerror or exc}).")
        return int(Exit.FAILED)
    out.say(
        f"Support bundle for {ref.label} written to {target} ({', '.join(parts)}); no secret found in it."
    )
    if out.as_json:
        out.emit(
            {
                "ok": True,
                "exit_code": 0,
                "tenant": ref.host,
                "file": str(target),
                "contents": {name: len(text.encode()) for name, text in parts.items()},
            }
        )
    return int(Exit.OK)
