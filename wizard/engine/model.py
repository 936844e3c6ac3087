"""The engine's plain data: what a step would do, what it did, what it saw (DESIGN §3).

No I/O here. The TUI renders these, the headless commands print them (`to_dict()`), and none
of them ever holds a secret in clear: a planned body shows `****`, a hand-off names the secret
by key and the UI reads it from the keyring at the moment of copying.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SECRET_PLACEHOLDER = "****"


@dataclass(frozen=True)
class PlannedCall:
    """One API call a step would make. `body` has every secret replaced by `****`."""

    method: str
    path: str
    body: dict[str, Any] | None
    purpose: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.method} {self.path} — {self.purpose}"


@dataclass
class Plan:
    action: str
    calls: list[PlannedCall]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "calls": [c.to_dict() for c in self.calls], "notes": list(self.notes)}


@dataclass
class Outcome:
    """What `apply()` or `verify()` found. `fix_step` names the step to go back to on failure."""

    ok: bool
    evidence: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fix_step: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Detection:
    """What live detection saw for a console step.

    `items` maps a sentence to True (seen), False (not seen) or None (cannot be detected: the
    admin confirms it). Items in `soft` rest on unconfirmed evidence: not seeing them is "not
    detected", never a failure. `complete` is True when every detectable item was seen.
    """

    items: dict[str, bool | None]
    complete: bool
    message: str
    soft: frozenset[str] = frozenset()
    evidence: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # set when the last look failed (network, permission…)

    @property
    def detectable(self) -> bool:
        return any(value is not None for value in self.items.values())

    @property
    def undetectable(self) -> list[str]:
        return [name for name, value in self.items.items() if value is None]

    @property
    def missing(self) -> list[str]:
        """Detectable items not seen yet, hard ones first."""
        hard = [n for n, v in self.items.items() if v is False and n not in self.soft]
        return hard + [n for n, v in self.items.items() if v is False and n in self.soft]

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": dict(self.items),
            "complete": self.complete,
            "message": self.message,
            "soft": sorted(self.soft),
            "evidence": dict(self.evidence),
            "error": self.error,
        }


@dataclass
class Handoff:
    """Everything the admin needs to do a console step by hand.

    `values` are (label, value-or-key, is_secret). For a secret the second item is a key
    (`kandji_token`) that the UI resolves at copy time with `resolve_secret()`.
    """

    action: str
    link: str | None
    values: list[tuple[str, str, bool]]
    checklist: list[str]
    detectable: list[str]
    undetectable: list[str]
    where: str = ""
    steps: str = ""  # "10.1–10.5"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- step 24 -------------------------------------------------------------------------------------

KandjiSeen = Literal["found", "missing", "inactive", "error", "unchecked"]


@dataclass
class UserProof:
    """One group member on its way to Kandji."""

    login: str
    user_id: str
    okta_status: str | None = None  # app user status: STAGED, PROVISIONED, …; None: no app user yet
    sync_state: str | None = None  # SYNCING, SYNCHRONIZED, ERROR, DISABLED
    external_id: str | None = None
    kandji: KandjiSeen = "unchecked"
    detail: str = ""

    @property
    def okta_done(self) -> bool:
        return (
            self.okta_status == "PROVISIONED" and self.sync_state == "SYNCHRONIZED" and bool(self.external_id)
        )

    @property
    def done(self) -> bool:
        return self.okta_done and self.kandji == "found"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "done": self.done}


@dataclass(frozen=True)
class Diagnosis:
    """A likely reason the proof failed: what was seen, where, the fix and the step to go back to."""

    title: str
    detail: str
    fix: str
    fix_step: str | None
    source: Literal["System Log", "Okta", "Kandji"]
    event_type: str | None = None
    published: str | None = None
    user: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ProofResult:
    ok: bool
    users: list[UserProof]
    message: str
    diagnoses: list[Diagnosis] = field(default_factory=list)
    timed_out: bool = False
    kandji_checked: bool = True
    warnings: list[str] = field(default_factory=list)

    @property
    def fix_step(self) -> str | None:
        return next((d.fix_step for d in self.diagnoses if d.fix_step), None)

    @property
    def provisioned(self) -> int:
        return sum(1 for user in self.users if user.done or (user.okta_done and not self.kandji_checked))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "message": self.message,
            "timed_out": self.timed_out,
            "kandji_checked": self.kandji_checked,
            "fix_step": self.fix_step,
            "users": [u.to_dict() for u in self.users],
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "warnings": list(self.warnings),
        }


# -- resume --------------------------------------------------------------------------------------

FindingKind = Literal["ok", "changed", "missing", "warning"]


@dataclass(frozen=True)
class Finding:
    """What re-checking one recorded object found on resume. `reset_steps` went back to pending."""

    action: str
    kind: FindingKind
    message: str
    reset_steps: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reset_steps": list(self.reset_steps)}
