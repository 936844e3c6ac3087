"""Reconcile's plain data: the compared fields of each side, one result row per user, the
counts, and the progress the UI shows. Only what is compared is kept, never whole users."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple

Category = Literal["in_both", "missing", "inactive", "orphan", "case_mismatch"]
CATEGORY_TEXT: dict[str, str] = {
    "in_both": "in both and active on both",
    "missing": "missing in Kandji",
    "inactive": "active on one side, inactive on the other",
    "orphan": "in Kandji but not assigned in Okta",
    "case_mismatch": "userName differs only in case or whitespace",
}
# Okta app user states meaning "should not be active downstream".
OKTA_INACTIVE = frozenset({"INACTIVE", "DEPROVISIONED", "SUSPENDED"})


class OktaEntry(NamedTuple):
    user_id: str
    login: str  # the app user's userName, which Okta sends to Kandji
    status: str
    sync_state: str
    external_id: str
    scope: str  # GROUP or USER (assigned directly)

    @property
    def active(self) -> bool:
        return self.status not in OKTA_INACTIVE


class KandjiEntry(NamedTuple):
    scim_id: str
    user_name: str
    active: bool
    external_id: str


def match_key(user_name: str) -> str:
    """Okta and Kandji compare userNames without regard to case; surrounding whitespace is a
    typo, not a different person."""
    return user_name.strip().casefold()


@dataclass(frozen=True)
class Row:
    category: Category
    okta_login: str = ""
    kandji_user_name: str = ""
    okta_user_id: str = ""
    okta_status: str = ""
    okta_sync_state: str = ""
    kandji_id: str = ""
    kandji_active: str = ""  # "true"/"false"/"" (not in Kandji)
    reason: str = ""

    FIELDS = (
        "category",
        "okta_login",
        "kandji_user_name",
        "okta_user_id",
        "okta_status",
        "okta_sync_state",
        "kandji_id",
        "kandji_active",
        "reason",
    )

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Summary:
    okta_users: int = 0
    kandji_users: int = 0
    in_both: int = 0
    missing: int = 0
    errors: int = 0  # Okta app users in sync state ERROR
    inactive: int = 0
    orphans: int = 0
    case_mismatch: int = 0
    missing_with_reason: int = 0

    @property
    def healthy(self) -> bool:
        return not (self.missing or self.errors or self.inactive or self.orphans or self.case_mismatch)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "healthy": self.healthy}

    def lines(self) -> list[str]:
        return [
            f"Okta assigns {self.okta_users} users to the app; Kandji holds {self.kandji_users}.",
            f"  in both and active        {self.in_both}",
            f"  missing in Kandji         {self.missing}"
            f" ({self.missing_with_reason} with a System Log reason)",
            f"  Okta sync errors          {self.errors}",
            f"  inactive on one side      {self.inactive}",
            f"  orphans in Kandji         {self.orphans}",
            f"  userName case/whitespace  {self.case_mismatch}",
        ]


@dataclass
class Progress:
    """Where a run is. `estimated_total` is Kandji's count until Okta's is known."""

    phase: Literal["kandji-probe", "okta", "kandji", "reasons", "done"]
    okta_read: int = 0
    kandji_read: int = 0
    kandji_total: int | None = None
    okta_total: int | None = None
    elapsed: float = 0.0
    resumed_pages: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def estimated_total(self) -> int | None:
        if self.kandji_total is None:
            return None
        okta = self.okta_total if self.okta_total is not None else max(self.kandji_total, self.okta_read)
        return okta + self.kandji_total

    @property
    def done_units(self) -> int:
        return self.okta_read + self.kandji_read

    @property
    def fraction(self) -> float | None:
        total = self.estimated_total
        if not total:
            return 1.0 if self.phase == "done" else None
        return min(1.0, self.done_units / total)

    @property
    def eta(self) -> float | None:
        """Seconds left at the pace so far; None until there is a pace."""
        total = self.estimated_total
        if total is None or self.done_units <= 0 or self.elapsed <= 0:
            return None
        rate = self.done_units / self.elapsed
        return max(0.0, (total - self.done_units) / rate)

    def line(self) -> str:
        total = self.estimated_total
        kandji = f"{self.kandji_read:,}" + (
            f"/{self.kandji_total:,}" if self.kandji_total is not None else ""
        )
        okta = f"{self.okta_read:,}" + (f"/{self.okta_total:,}" if self.okta_total is not None else "")
        percent = f"{self.fraction * 100:3.0f}%" if self.fraction is not None and total else "  …"
        eta = f"ETA {format_seconds(self.eta)}" if self.eta is not None and self.phase != "done" else ""
        return f"{percent}  Okta {okta}  Kandji {kandji}  {eta}".rstrip()


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
