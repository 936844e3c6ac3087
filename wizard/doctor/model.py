"""Doctor's plain data: each check with its evidence, each finding with its fix and link."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_RANK: dict[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3}
CheckStatus = Literal["ok", "warn", "fail", "info", "skip"]


@dataclass(frozen=True)
class Finding:
    """Something wrong: what, the evidence, the article step that fixes it, and the deep link."""

    severity: Severity
    title: str
    evidence: str
    fix: str
    step: str | None = None
    link: str | None = None
    check: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Check:
    key: str
    title: str
    steps: str
    status: CheckStatus = "ok"
    summary: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Candidate:
    """An app that may be the Kandji integration."""

    id: str
    label: str
    name: str
    sign_on_mode: str
    status: str
    features: tuple[str, ...]
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "features": list(self.features)}


@dataclass
class DoctorReport:
    org: str
    app: dict[str, Any]
    located_by: str
    since: str
    checks: list[Check] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    generated_at: str = ""

    @property
    def healthy(self) -> bool:
        return not self.findings

    def ranked(self) -> list[Finding]:
        """Most severe first; within a severity, in the article's order (the order found)."""
        return sorted(self.findings, key=lambda f: SEVERITY_RANK[f.severity])

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "app": dict(self.app),
            "located_by": self.located_by,
            "since": self.since,
            "generated_at": self.generated_at,
            "healthy": self.healthy,
            "findings": [f.to_dict() for f in self.ranked()],
            "checks": [c.to_dict() for c in self.checks],
        }
