"""The engine's own error: a sentence for the admin and the step that fixes it."""

from __future__ import annotations


class EngineError(Exception):
    """Something the admin must do before this step can run. `str()` says what and where."""

    def __init__(self, message: str, *, fix_step: str | None = None) -> None:
        super().__init__(message)
        self.fix_step = fix_step
