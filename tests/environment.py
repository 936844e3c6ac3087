"""What a test needs from the machine rather than the repository: files in ../shared (Okta's
spec subset, the recorded answers), a free port. On a developer's machine a missing one skips
the tests that need it, naming what is missing; under CI (`CI` set, as every CI service does)
it fails them, so a run that could not test something never passes as if it had."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(message: str) -> NoReturn:
    """Skip for want of `message`'s subject, or fail when running in CI."""
    if in_ci():
        pytest.fail(f"CI must provide this (CI is set, so it does not skip): {message}", pytrace=False)
    pytest.skip(message)


def require_file(path: Path, what: str, variable: str) -> None:
    """`path` must be a file; `variable` is the environment variable that can point at it."""
    if not path.is_file():
        unavailable(f"{what} is not at {path}; set {variable} to its path to run these tests.")
