"""The results of the Kandji pre-flight and user verification: plain data, no I/O.

The TUI panel, the headless command and the state file all read these, so they carry only
admin-facing sentences and a masked token, never the token itself.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

CheckStatus = Literal["pass", "fail", "info", "skip"]
VerificationStatus = Literal["found", "missing", "inactive", "error"]


@dataclass(frozen=True)
class CheckResult:
    """One pre-flight check. `cause` and `fix` are filled on failure (and sometimes for info)."""

    key: str
    title: str
    status: CheckStatus
    request: str = ""  # e.g. "GET /Users?startIndex=1&count=2 · Bearer ****abcd"
    detail: str = ""
    cause: str = ""
    fix: str = ""
    required: bool = True
    kind: str = ""  # see diagnose.Diagnosis.kind: what answered, when it was not a SCIM API
    # The step that fixes a failure: B.2 only when Kandji refused the token itself; everything
    # else (wrong path, host, proxy, a page that is not SCIM) is the URL, B.1.
    fix_step: str = "B.1"

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PreflightReport:
    """All checks of one run, in the order they ran."""

    base_url: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True only when every required check ran and passed."""
        required = [r for r in self.results if r.required]
        return bool(required) and all(r.passed for r in required)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "fail"]

    def get(self, key: str) -> CheckResult | None:
        return next((r for r in self.results if r.key == key), None)

    @property
    def summary(self) -> str:
        return summarize(self.results, finished=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "ok": self.ok,
            "summary": self.summary,
            "checks": [r.to_dict() for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def summarize(results: list[CheckResult], *, finished: bool) -> str:
    """One line for the admin: how many required checks passed, and what to do next."""
    required = [r for r in results if r.required]
    passed = sum(r.passed for r in required)
    failed = [r for r in required if r.status == "fail"]
    if not finished:
        return f"Checking… {passed} of {len(required)} required checks passed so far."
    if failed:
        noun = "check" if len(failed) == 1 else "checks"
        return (
            f"{len(failed)} required {noun} failed ({passed} passed). "
            "Fix the first failure and run the check again."
        )
    if required and passed == len(required):
        return f"All {passed} required checks passed: Kandji's SCIM endpoint is ready for Okta."
    return f"{passed} of {len(required)} required checks passed; the rest did not run."


@dataclass(frozen=True)
class UserVerification:
    """Whether one Okta login exists in Kandji (DESIGN §2 step 24)."""

    login: str
    status: VerificationStatus
    scim_id: str | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
