"""Reconcile's output file, CSV or JSON, written row by row as users are compared.

Rows go to a private temporary file beside the target, which replaces the target only when
the run finishes: an interrupted run never leaves half a report under the real name. A resumed
run replays its checkpoint, so it writes the same rows again from the start.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

from wizard.reconcile.model import Row, Summary

Format = Literal["csv", "json"]
# A spreadsheet runs cells starting with these as formulas; server-supplied names are data.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class OutputError(Exception):
    """The output file could not be written; `str()` names it and why."""


def format_for(path: Path, explicit: str | None = None) -> Format:
    if explicit in ("csv", "json"):
        return explicit  # type: ignore[return-value]
    return "json" if path.suffix.lower() == ".json" else "csv"


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


class RowWriter:
    """`with RowWriter(path, "csv") as out: out.row(r) …; out.finish(summary)`."""

    def __init__(self, path: Path | None, fmt: Format = "csv") -> None:
        self.path = path
        self.format = fmt
        self._handle: Any = None
        self._temp: str | None = None
        self._csv: Any = None
        self._rows = 0

    def __enter__(self) -> RowWriter:
        if self.path is None:
            return self
        target = self.path.expanduser()
        try:
            fd, self._temp = tempfile.mkstemp(
                prefix=".reconcile-", suffix=".tmp", dir=target.parent.resolve()
            )
            self._handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise OutputError(f"Could not write {target} ({exc.strerror or exc}).") from None
        if self.format == "csv":
            self._csv = csv.writer(self._handle)
            self._csv.writerow(Row.FIELDS)
        else:
            self._handle.write('{"users": [\n')
        return self

    def row(self, row: Row) -> None:
        if self._handle is None:
            return
        if self._csv is not None:
            self._csv.writerow([_cell(str(getattr(row, name))) for name in Row.FIELDS])
        else:
            prefix = ",\n" if self._rows else ""
            self._handle.write(prefix + json.dumps(row.to_dict(), ensure_ascii=False))
        self._rows += 1

    def finish(self, summary: Summary, extra: dict[str, Any] | None = None) -> None:
        if self._handle is None or self.path is None or self._temp is None:
            return
        if self._csv is None:
            tail = {"summary": summary.to_dict(), **(extra or {})}
            body = json.dumps(tail, ensure_ascii=False, indent=2)[1:-1].strip()
            self._handle.write(f"\n],\n{body}\n}}\n")
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None
            os.chmod(self._temp, 0o600)
            os.replace(self._temp, self.path.expanduser())
            self._temp = None
        except OSError as exc:
            raise OutputError(f"Could not write {self.path} ({exc.strerror or exc}).") from None

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
        if self._temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temp)
