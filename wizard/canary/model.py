"""The canary's result as plain data, and the report the CLI prints and the TUI shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wizard.engine.model import Diagnosis


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


@dataclass
class CanaryReport:
    ok: bool
    message: str
    login: str | None = None
    user_id: str | None = None
    attribute: str | None = None  # Okta profile attribute changed
    scim_attribute: str | None = None
    attribute_source: str = ""  # which attribute and why (mapping read, or the default)
    old_value: str | None = None
    new_value: str | None = None
    out_seconds: float | None = None  # change in Okta → seen in Kandji
    back_seconds: float | None = None  # old value put back in Okta → seen in Kandji
    restored_in_okta: bool = False
    timed_out: bool = False
    cancelled: bool = False
    started_at: str | None = None
    recovered: str | None = None  # a canary left behind by an earlier run, put back first
    diagnoses: list[Diagnosis] = field(default_factory=list)
    fix_step: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "message": self.message,
            "user": self.login,
            "user_id": self.user_id,
            "attribute": self.attribute,
            "scim_attribute": self.scim_attribute,
            "attribute_source": self.attribute_source,
            "old_value": self.old_value,
            "new_value": self.new_value,
            "delivery_seconds": {"change": self.out_seconds, "restore": self.back_seconds},
            "restored_in_okta": self.restored_in_okta,
            "timed_out": self.timed_out,
            "cancelled": self.cancelled,
            "started_at": self.started_at,
            "recovered": self.recovered,
            "fix_step": self.fix_step,
            "diagnoses": [d.to_dict() for d in self.diagnoses],
        }

    def summary(self) -> dict[str, Any]:
        """What the progress file and the report keep of the last canary."""
        return {
            "at": self.started_at,
            "ok": self.ok,
            "user": self.login,
            "attribute": self.attribute,
            "change_seconds": self.out_seconds,
            "restore_seconds": self.back_seconds,
            "message": self.message,
        }

    def lines(self) -> list[str]:
        """The report as text lines, for the CLI and the TUI."""
        shown: list[str] = []
        if self.recovered:
            shown.append(f"Earlier canary: {self.recovered}")
        if self.login:
            shown.append(f"User:       {self.login}")
        if self.attribute:
            shown.append(f"Attribute:  {self.attribute_source}")
            if self.new_value is not None:
                old = "(empty)" if self.old_value is None else repr(self.old_value)
                shown.append(f"Change:     {self.attribute} {old} → {self.new_value!r}, then back")
        if self.new_value is not None and not self.cancelled:
            old = "(empty)" if self.old_value is None else repr(self.old_value)
            out = _arrival(self.out_seconds, waited=True, timed_out=self.timed_out)
            back = _arrival(self.back_seconds, waited=self.out_seconds is not None, timed_out=self.timed_out)
            shown.append(f"Okta → Kandji, change:  {out}")
            shown.append(f"Okta → Kandji, restore: {back}")
            if self.restored_in_okta:
                shown.append(f"Okta holds the old value again: {old}.")
        for d in self.diagnoses:
            where = f" → step {d.fix_step}" if d.fix_step else ""
            shown.append(f"✗ {d.title} [{d.source}]: {d.detail}")
            shown.append(f"  Fix: {d.fix}{where}")
        shown.append(self.message)
        return shown


def _arrival(value: float | None, *, waited: bool, timed_out: bool) -> str:
    if value is not None:
        return f"arrived after {seconds(value)}"
    if not waited:
        return "not measured (the change never arrived)"
    return "did not arrive before the timeout" if timed_out else "did not arrive (stopped early: see why)"
