"""The call log kept beside a tenant's progress, for support bundles: one JSON line per Okta
request (method, path, status, request id, duration). Never headers, bodies or query strings,
so nothing secret can be in it; it is still passed through the redactor."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wizard import redact
from wizard.state import StateStore, read_private, safe_filename, write_private

KEEP_LINES = 5000
MAX_BYTES = 8 * 1024 * 1024  # KEEP_LINES lines are ~1.5 MB; a bigger file is read no further


def log_path(store: StateStore, host: str) -> Path:
    return store.root / f"{safe_filename(host)}.calls.jsonl"


def append(store: StateStore, host: str, command: str, records: Iterable[Any]) -> int:
    """Add an Okta client's `call_log` records; keep the newest KEEP_LINES. Returns how many."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    lines = [
        redact.redact(
            json.dumps(
                {
                    "time": now,
                    "command": command,
                    "method": r.method,
                    "path": r.path,
                    "status": r.status,
                    "request_id": r.request_id,
                    "duration_ms": round(r.duration * 1000, 1),
                    "operation": r.operation,
                    "attempt": r.attempt,
                    "error": r.error,
                },
                ensure_ascii=False,
            )
        )
        for r in records
    ]
    if not lines:
        return 0
    path = log_path(store, host)
    existing = read_lines(path)
    kept = (existing + lines)[-KEEP_LINES:]
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # A fresh, unpredictably named temp file, then a rename: a link planted at either name is
    # never written through (write_private refuses one at `path`).
    write_private(path, ("\n".join(kept) + "\n").encode("utf-8"))
    return len(lines)


def read_lines(path: Path) -> list[str]:
    try:
        raw = read_private(path, MAX_BYTES)
    except FileNotFoundError:
        return []
    if len(raw) > MAX_BYTES:  # not one this module wrote (it keeps ~1.5 MB): keep what was read
        raw = raw[: raw.rfind(b"\n", 0, MAX_BYTES) + 1]
    return [line for line in raw.decode("utf-8", errors="replace").splitlines() if line.strip()]


def remove(store: StateStore, host: str) -> bool:
    with contextlib.suppress(FileNotFoundError):
        log_path(store, host).unlink()
        return True
    return False
