"""The latest doctor report per org, kept for `support-bundle` (redacted, private, atomic)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from wizard import redact
from wizard.doctor.model import DoctorReport
from wizard.state import safe_filename

FOLDER = "doctor"


def report_path(root: Path, org_host: str) -> Path:
    return root / FOLDER / f"{safe_filename(org_host)}.json"


def save_report(root: Path, org_host: str, report: DoctorReport) -> Path | None:
    """Write the report; None when it could not be (doctor's answer matters more than its copy)."""
    path = report_path(root, org_host)
    text = redact.redact(json.dumps(report.to_dict(), indent=2, ensure_ascii=False)) + "\n"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".doctor-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(temp)
        return None
    return path


def read_report(root: Path, org_host: str) -> str | None:
    try:
        return report_path(root, org_host).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
