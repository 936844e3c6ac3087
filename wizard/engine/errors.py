"""The engine's own error: a sentence for the admin and the step that fixes it."""

from __future__ import annotations


class EngineError(Exception):
    """Something the admin must do before this step can run. `str()` says what and where."""

    def __init__(self, message: str, *, fix_step: str | None = None) -> None:
        super().__init__(message)
        self.fix_step = fix_step


def okta_fix_step(exc: Exception, default: str) -> str:
    """The step that fixes an Okta refusal: credentials that are refused or lack an admin role
    or scope are fixed where they are entered and checked (step 1), not at the step that
    happened to make the call."""
    from wizard.okta import errors as E

    if isinstance(exc, E.OktaAuthError | E.OktaPermissionError | E.OktaOAuthError):
        return "1"
    return default
