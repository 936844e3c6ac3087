"""The latest doctor report per org, kept for `support-bundle` (redacted, private, atomic)."""

from __future__ import annotations

import json
from pathlib import Path

from wizard import redact
from wizard.doctor.model import DoctorReport
from wizard.state import UnsafeFile, read_private, safe_filename, write_private

FOLDER = "doctor"


def report_path(root: Path, org_host: str) -> Path:
    return root / FOLDER / f"{safe_filename(org_host)}.json"


def save_report(root: Path, org_host: str, report: DoctorReport) -> Path | None:
    """Write the report; None when it could not be (doctor's answer matters more than its copy)."""
    path = report_path(root, org_host)
    text = redact.redact(json.dumps(report.to_dict(), indent=2, ensure_ascii=False)) + "\n"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.parent.is_symlink():  # planted in the state dir: never write through it
            raise UnsafeFile(path.parent, "is a symbolic link")
        write_private(path, text.encode("utf-8"))  # 0600, atomic; refuses a link at `path`
    except OSError:
        return None
    return path


def read_report(root: Path, org_host: str) -> str | None:
    """The saved report, or None; a link or another user's file there raises UnsafeFile."""
    path = report_path(root, org_host)
    if path.parent.is_symlink():
        raise UnsafeFile(path.parent, "is a symbolic link")
    try:
        return read_private(path).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def day_two_files(root: Path, org_host: str) -> list[Path]:
    """The doctor report and the reconcile checkpoints kept for `org_host` (for `forget`)."""
    import re

    stem = safe_filename(org_host)
    found = [report_path(root, org_host)] if report_path(root, org_host).is_file() else []
    folder = root / "reconcile"
    if folder.is_dir():
        # `<host>-<app id>.jsonl`: app ids have no dots, so another host's files never match.
        pattern = re.compile(re.escape(stem) + r"-[A-Za-z0-9_]+\.jsonl")
        found += sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_file())
    return found
