"""The comparison itself: Okta's assigned users held by match key (compared fields only), each
Kandji page matched against them as it arrives, and whoever is left over is missing in Kandji.
"""

from __future__ import annotations

from collections.abc import Iterable

from wizard.reconcile.model import KandjiEntry, OktaEntry, Row, Summary, match_key
from wizard.reconcile.output import RowWriter


def okta_entry(app_user: dict) -> OktaEntry:
    credentials = app_user.get("credentials") or {}
    profile = app_user.get("profile") or {}
    login = credentials.get("userName") or profile.get("userName") or profile.get("email") or ""
    return OktaEntry(
        str(app_user.get("id") or ""),
        str(login),
        str(app_user.get("status") or ""),
        str(app_user.get("syncState") or ""),
        str(app_user.get("externalId") or ""),
        str(app_user.get("scope") or ""),
    )


def missing_reason(entry: OktaEntry) -> str:
    """Why a user may be missing, from Okta's own state (when the System Log has nothing)."""
    if entry.sync_state == "ERROR":
        return "Okta reports a sync error for this user; no System Log failure in the period read."
    if entry.sync_state == "DISABLED":
        return "Okta assigns the app but does not push (To App provisioning is off, steps 12–14)."
    if entry.status == "PROVISIONED" and entry.external_id:
        return (
            f"Okta pushed this user (externalId {entry.external_id}) but Kandji has no such user: "
            "deleted in Kandji, or Okta pushes to another SCIM URL (step 10.1)."
        )
    state = f"{entry.status or 'no status'}, {entry.sync_state or 'not synced'}"
    return f"Okta has not pushed this user yet ({state})."


class Comparer:
    def __init__(self, writer: RowWriter) -> None:
        self.writer = writer
        self.summary = Summary()
        self._okta: dict[str, OktaEntry] = {}
        self._matched: set[str] = set()  # keys already paired: a second Kandji user is a duplicate
        self._pending: list[list[KandjiEntry]] = []
        self.okta_done = False

    # -- Okta's side ---------------------------------------------------------------------------
    def add_okta(self, entries: Iterable[OktaEntry]) -> None:
        for entry in entries:
            self._okta[match_key(entry.login)] = entry
            self.summary.okta_users += 1
            if entry.sync_state == "ERROR":
                self.summary.errors += 1

    def finish_okta(self) -> None:
        self.okta_done = True
        pending, self._pending = self._pending, []
        for page in pending:
            self.add_kandji(page)

    # -- Kandji's side -------------------------------------------------------------------------
    def add_kandji(self, entries: list[KandjiEntry]) -> None:
        if not self.okta_done:
            self._pending.append(entries)  # the probe page, read before Okta's side
            return
        for kandji in entries:
            self.summary.kandji_users += 1
            self.writer.row(self._compare(kandji))

    def _compare(self, kandji: KandjiEntry) -> Row:
        key = match_key(kandji.user_name)
        okta = self._okta.pop(key, None)
        if okta is None:
            self.summary.orphans += 1
            reason = (
                "Another Kandji user already has this userName (case and whitespace aside) and was "
                "matched to the Okta user: this one is a duplicate."
                if key in self._matched
                else "Not assigned to the app in Okta: Okta never deletes in Kandji, so a person "
                "unassigned or removed elsewhere stays here."
            )
            return Row(
                "orphan",
                kandji_user_name=kandji.user_name,
                kandji_id=kandji.scim_id,
                kandji_active=_flag(kandji.active),
                reason=reason,
            )
        self._matched.add(key)
        common = {
            "okta_login": okta.login,
            "kandji_user_name": kandji.user_name,
            "okta_user_id": okta.user_id,
            "okta_status": okta.status,
            "okta_sync_state": okta.sync_state,
            "kandji_id": kandji.scim_id,
            "kandji_active": _flag(kandji.active),
        }
        if kandji.active != okta.active:
            self.summary.inactive += 1
            why = (
                "Deactivated in Kandji while Okta assigns the app and considers them active."
                if okta.active
                else f"Okta's app user is {okta.status}, but Kandji still has them active "
                "(Deactivate Users, step 14)."
            )
            return Row("inactive", reason=why, **common)
        if kandji.user_name != okta.login:
            self.summary.case_mismatch += 1
            return Row(
                "case_mismatch",
                reason="The userNames differ only in case or surrounding whitespace.",
                **common,
            )
        self.summary.in_both += 1
        return Row("in_both", **common)

    # -- the rest ------------------------------------------------------------------------------
    def missing_ids(self) -> set[str]:
        return {entry.user_id for entry in self._okta.values()}

    def finish(self, reasons: dict[str, str]) -> Summary:
        """Write every Okta user no Kandji page matched, with the System Log reason if any."""
        for entry in self._okta.values():
            self.summary.missing += 1
            reason = reasons.get(entry.user_id)
            if reason:
                self.summary.missing_with_reason += 1
            self.writer.row(
                Row(
                    "missing",
                    okta_login=entry.login,
                    okta_user_id=entry.user_id,
                    okta_status=entry.status,
                    okta_sync_state=entry.sync_state,
                    reason=reason or missing_reason(entry),
                )
            )
        self._okta.clear()
        return self.summary


def _flag(value: bool) -> str:
    return "true" if value else "false"
