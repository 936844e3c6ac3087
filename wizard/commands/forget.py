"""`okta-kandji-setup forget`: delete a tenant's saved progress, call log and keyring entries."""

from __future__ import annotations

import argparse

from wizard.commands.common import Out, add_json, add_parser, add_tenant, add_yes, run_guarded
from wizard.commands.exit_codes import Exit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_parser(
        subparsers,
        "forget",
        help="delete a setup's saved progress and its keyring entries (asks first)",
        description=(
            "Forget a setup on this machine: its progress file (and any copies kept aside), its "
            "call log, its latest doctor report and reconcile checkpoints, and its secrets in the "
            "OS keyring (Kandji token, Okta API token, private "
            "key). Nothing in Okta or Kandji changes; run `undo` first to remove what the wizard "
            "created there. Asks before deleting unless --yes."
        ),
        codes=(Exit.NOT_FOUND, Exit.CREDENTIALS, Exit.LOCKED, Exit.CANCELLED, Exit.FAILED),
        example="okta-kandji-setup forget --tenant acme.okta.com --yes",
    )
    add_tenant(parser)
    add_yes(parser, "deleting")
    add_json(parser, "what was removed")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    out = Out("forget", as_json=args.json)
    return run_guarded(out, lambda: _forget(args, out))


def _forget(args: argparse.Namespace, out: Out) -> int:
    from wizard.commands import calllog
    from wizard.commands.common import cancelled, confirm
    from wizard.commands.tenants import find_tenant
    from wizard.secrets import Purpose, SecretStore, SecretStoreError

    ref = find_tenant(args.tenant)
    secrets = None if ref.demo else SecretStore()
    stored: list[str] = []
    keyring_problem = None
    if secrets is not None:
        try:
            stored = [p.value for p in Purpose if secrets.get(ref.host, p) is not None]
        except SecretStoreError as exc:
            keyring_problem = str(exc)
    from wizard.doctor.store import day_two_files

    log = calllog.log_path(ref.store, ref.host)
    day_two = day_two_files(ref.store.root, ref.host)
    out.say(f"Forget {ref.label} on this machine:")
    out.say(f"  progress file  {ref.path}")
    if log.exists():
        out.say(f"  call log       {log}")
    for path in day_two:
        out.say(f"  doctor/reconcile {path}")
    if ref.demo:
        out.say("  keyring        nothing (the demo's secrets were never saved)")
    elif keyring_problem:
        out.say(f"  keyring        could not be read: {keyring_problem}")
    else:
        out.say(f"  keyring        {', '.join(stored) or 'no entries'} (service okta-kandji-setup)")
    out.say("Nothing in Okta or Kandji changes (`undo` removes what the wizard created there).")
    if not confirm(out, f"Forget {ref.label}?", assume_yes=args.yes):
        return cancelled(out)
    removed_state = ref.store.delete(ref.host)
    removed_log = calllog.remove(ref.store, ref.host)
    for path in day_two:
        path.unlink(missing_ok=True)
    removed_secrets: list[str] = []
    if secrets is not None and keyring_problem is None:
        try:
            removed_secrets = [p.value for p in secrets.forget_tenant(ref.host)]
        except SecretStoreError as exc:
            keyring_problem = str(exc)
    code = Exit.CREDENTIALS if keyring_problem else Exit.OK
    if keyring_problem:
        out.error(f"the keyring entries were not removed: {keyring_problem}")
    out.say(
        f"Forgot {ref.label}: progress {'deleted' if removed_state else 'was already gone'}"
        f"{', call log deleted' if removed_log else ''}"
        f"{', doctor/reconcile files deleted' if day_two else ''}"
        f"{', keyring: ' + ', '.join(removed_secrets) if removed_secrets else ''}."
    )
    if out.as_json:
        out.emit(
            {
                "ok": code == Exit.OK,
                "exit_code": int(code),
                "tenant": ref.host,
                "demo": ref.demo,
                "removed": {
                    "state": removed_state,
                    "call_log": removed_log,
                    "doctor_reconcile": [str(p) for p in day_two],
                    "keyring": removed_secrets,
                },
                "error": keyring_problem,
            }
        )
    return int(code)
