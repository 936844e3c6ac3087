"""The real cause of a failed run, for its closing line and exit code.

A step turns an Okta error into its own message and the step to go back to; what the closing
line says is decided here, from the errors the Okta client actually raised during that step. A
redirect, a web page, an untrusted certificate, an answer too large or unreadable each say what
they were (exit 8), whatever step met them; "a secret is missing" is said only when one is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from wizard.commands.exit_codes import Exit
from wizard.okta import errors as E
from wizard.okta.unusable import OktaUnusableAnswer


def unusable(errors: Sequence[E.OktaError]) -> E.OktaError | None:
    """The last error that says Okta's address did not answer as Okta's API, if any."""
    return next((e for e in reversed(errors) if isinstance(e, OktaUnusableAnswer | E.OktaTLSError)), None)


def cause_of(error: E.OktaError, host: str) -> str:
    """A short clause naming what happened (for "Stopped at step N (title): <clause>")."""
    if isinstance(error, OktaUnusableAnswer):
        return str(error.cause)
    if isinstance(error, E.OktaTLSError):
        return (
            f"the TLS certificate presented for {host} was not trusted (a TLS-inspecting proxy, or "
            "not Okta answering)"
        )
    if isinstance(error, E.OktaOAuthError):
        return f"Okta refused the service app's token request ({error.error_code or error.status})"
    if isinstance(error, E.OktaAuthError):
        return f"Okta did not accept the credentials (HTTP {error.status or 401})"
    if isinstance(error, E.OktaPermissionError):
        return f"Okta refused {E.describe(error.operation)}: the credentials lack a scope or admin role"
    return str(error.summary).rstrip(". ")


# What Kandji's pre-flight saw answer (kandji.diagnose.Diagnosis.kind), when it was not a SCIM API.
KANDJI_UNUSABLE = frozenset({"redirect", "web page", "tls", "too large", "not JSON"})


def closing_cause(
    code: Exit, errors: Sequence[E.OktaError], host: str, evidence: Mapping[str, Any] | None = None
) -> tuple[Exit, str | None]:
    """(exit code, clause or None) for a failed step: `code` is what the step's own verdict maps
    to, `errors` what the Okta client raised while it ran, `evidence` what the step kept (B.2's
    failed Kandji check). None leaves the clause to the step (flow.STEP_CAUSES) or to the exit
    code's meaning."""
    bad = unusable(errors)
    if bad is not None:
        return Exit.BAD_ANSWER, cause_of(bad, host)
    kandji = (evidence or {}).get("kandji_failure") or {}
    if isinstance(kandji, Mapping) and kandji.get("kind") in KANDJI_UNUSABLE:
        detail = str(kandji.get("detail") or kandji["kind"]).rstrip(". ")
        return Exit.BAD_ANSWER, f"Kandji's SCIM address did not answer as a SCIM API: {detail}"
    last = errors[-1] if errors else None
    if code == Exit.CREDENTIALS and isinstance(
        last, E.OktaAuthError | E.OktaOAuthError | E.OktaPermissionError
    ):
        # Exit 4's general wording ("a secret is missing or refused…") names what happened instead.
        return code, cause_of(last, host)
    return code, None


def exit_for_error(error: E.OktaError) -> Exit:
    """The exit code for an Okta error that ended a command outright."""
    return Exit.BAD_ANSWER if unusable([error]) is not None else Exit.FAILED
