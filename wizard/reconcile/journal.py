"""Reconcile's checkpoint: an append-only journal of the pages already read, so Ctrl+C or a
crash resumes from the last finished page instead of starting over.

One JSON line per finished page (its compared fields and where the next page starts), flushed
and fsynced before the next request. A crash mid-write leaves at most one cut-short last line,
which replay ignores (that page is simply read again). The first line names the run (org, app,
Kandji URL): a journal for anything else is never replayed. Files are private (0600 in a 0700
folder), opened without following links, and hold no secret: userNames, ids, states and the
`next` links Okta gave (which carry only a paging cursor).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wizard.state import safe_filename

VERSION = 1


class JournalError(Exception):
    """The checkpoint could not be written. `str()` names the file and the reason."""


def journal_path(root: Path, org_host: str, app_id: str) -> Path:
    return root / "reconcile" / f"{safe_filename(org_host)}-{safe_filename(app_id)}.jsonl"


class Journal:
    def __init__(self, path: Path, identity: dict[str, str]) -> None:
        self.path = path
        self.identity = dict(identity)
        self._handle: Any = None

    # -- reading -------------------------------------------------------------------------------
    def replay(self) -> Iterator[dict[str, Any]]:
        """The finished pages of an unfinished run for the same identity, in order; nothing when
        there is no journal, it belongs to another run, or the run it recorded had finished."""
        lines = list(self._lines())
        if not lines or lines[0].get("kind") != "start" or lines[0].get("identity") != self.identity:
            return iter(())
        if any(line.get("kind") == "finished" for line in lines):
            return iter(())
        return iter(lines[1:])

    def _lines(self) -> Iterator[dict[str, Any]]:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except (FileNotFoundError, OSError):
            return
        with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                if not raw.endswith("\n"):
                    return  # cut short by a crash: that page is read again
                try:
                    line = json.loads(raw)
                except ValueError:
                    return
                if not isinstance(line, dict):
                    return
                yield line

    # -- writing -------------------------------------------------------------------------------
    def open(self, *, resume: bool) -> None:
        """Start a new journal, or (resume) keep appending to the one replayed."""
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
            flags |= os.O_APPEND if resume else os.O_TRUNC
            fd = os.open(self.path, flags, 0o600)
            self._handle = os.fdopen(fd, "a" if resume else "w", encoding="utf-8")
        except OSError as exc:
            raise JournalError(
                f"Could not write the reconcile checkpoint {self.path} ({exc.strerror or exc})."
            ) from None
        if not resume:
            self.write({"kind": "start", "version": VERSION, "identity": self.identity})

    def write(self, line: dict[str, Any]) -> None:
        if self._handle is None:
            return
        try:
            self._handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            raise JournalError(
                f"Could not write the reconcile checkpoint {self.path} ({exc.strerror or exc})."
            ) from None

    def close(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None

    def discard(self) -> None:
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
