"""The doctor's checks, in the article's order, each with its evidence; findings name the step
that fixes them and link to the page where it is done. Read-only: only GETs, to Okta and (when
a token is at hand) to Kandji."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from wizard.catalog import load_catalog
from wizard.doctor.model import Check, DoctorReport, Finding, Severity
from wizard.engine.prove import classify_event
from wizard.kandji.diagnose import clip
from wizard.kandji.urls import KandjiUrl, KandjiUrlError, parse_kandji_url
from wizard.okta import errors as E
from wizard.okta.client import OktaClient
from wizard.okta.domains import OrgUrl
from wizard.okta.links import admin_base, app_link

MAX_LOG_PAGES = 20  # 20,000 failures are plenty to group by cause


@dataclass
class KandjiSide:
    """What doctor may use to look at Kandji: the URL and a token, when the admin has them."""

    url: KandjiUrl | None = None
    token: SecretStr | None = None
    token_source: str = ""  # "keyring", "environment", "stdin"
    url_source: str = ""


@dataclass
class _Seen:
    """Everything read, gathered before the checks are judged."""

    app: dict[str, Any]
    features: list[str]
    connection: dict[str, Any] | None = None
    provisioning: dict[str, Any] | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    sync_states: Counter[str] = field(default_factory=Counter)
    direct: int = 0
    app_users: int = 0
    no_external_id: int = 0
    failures: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)  # title, count, latest
    failures_error: str | None = None
    failures_capped: bool = False


class Doctor:
    def __init__(
        self,
        okta: OktaClient,
        org: OrgUrl,
        app: dict[str, Any],
        *,
        located_by: str,
        since: datetime,
        kandji: KandjiSide | None = None,
        now: datetime | None = None,
    ) -> None:
        self.okta = okta
        self.org = org
        self.app = app
        self.app_id = str(app.get("id"))
        self.located_by = located_by
        self.since = since
        self.kandji = kandji or KandjiSide()
        self.now = now or datetime.now(UTC)
        self.catalog = load_catalog()
        self.findings: list[Finding] = []
        self.checks: list[Check] = []

    # -- helpers -------------------------------------------------------------------------------
    def link(self, step: str | None, group_id: str | None = None) -> str | None:
        if step is None or step not in self.catalog:
            return None
        action = self.catalog.actions[self.catalog.get(step).action]
        if action.link and action.link != "kandji":
            return app_link(self.org, action.link, self.app.get("name"), self.app_id)
        base = admin_base(self.org)
        if group_id and base:
            return f"{base}/admin/group/{group_id}"
        return None

    def find(
        self,
        check: Check,
        severity: Severity,
        title: str,
        evidence: str,
        fix: str,
        step: str | None,
        group_id: str | None = None,
    ) -> None:
        # Titles and evidence quote what Okta and Kandji sent: no control characters reach a terminal.
        title, evidence = printable(title), printable(evidence, 400)
        self.findings.append(
            Finding(severity, title, evidence, fix, step, self.link(step, group_id), check.key)
        )
        if check.status in ("ok", "info", "warn"):
            check.status = "fail" if severity in ("critical", "high") else "warn"

    def check(self, key: str, title: str, steps: str) -> Check:
        found = Check(key, title, steps)
        self.checks.append(found)
        return found

    def since_text(self) -> str:
        hours = (self.now - self.since).total_seconds() / 3600
        if abs(hours - round(hours)) < 0.01 and round(hours) % 24 == 0:
            days = round(hours) // 24
            return "in the last day" if days == 1 else f"in the last {days} days"
        if abs(hours - round(hours)) < 0.01:
            return f"in the last {round(hours)} hours"
        return f"since {self.since.strftime('%Y-%m-%d %H:%M')} UTC"

    # -- reading -------------------------------------------------------------------------------
    async def _read(self) -> _Seen:
        features = [str(f) for f in self.app.get("features") or []]
        seen = _Seen(self.app, features)
        seen.connection = await self.okta.get_default_connection(self.app_id)
        seen.provisioning = await self.okta.get_user_provisioning_feature(self.app_id)
        for assignment in await self.okta.list_app_groups(self.app_id):
            group_id = str(assignment.get("id"))
            try:
                group = await self.okta.get_group(group_id)
                name = str((group.get("profile") or {}).get("name") or group_id)
            except E.OktaNotFoundError:
                name = group_id
            members = 0
            async for page in self.okta.group_user_pages(group_id):
                members += len(page.items)
            seen.groups.append(
                {"id": group_id, "name": name, "members": members, "profile": assignment.get("profile") or {}}
            )
        async for page in self.okta.app_user_pages(self.app_id):
            for user in page.items:
                seen.app_users += 1
                seen.statuses[str(user.get("status") or "none")] += 1
                seen.sync_states[str(user.get("syncState") or "none")] += 1
                if user.get("scope") == "USER":
                    seen.direct += 1
                if user.get("status") == "PROVISIONED" and not user.get("externalId"):
                    seen.no_external_id += 1
        await self._read_failures(seen)
        return seen

    async def _read_failures(self, seen: _Seen) -> None:
        by_cause: dict[str, list[Any]] = {}
        pages = 0
        try:
            async for page in self.okta.provisioning_failure_pages(self.app_id, self.since):
                for event in page.items:
                    diagnosis = classify_event(event)
                    entry = by_cause.setdefault(diagnosis.title, [0, event, diagnosis])
                    entry[0] += 1
                    entry[1] = event  # oldest first: the last one seen is the latest
                    entry[2] = diagnosis
                pages += 1
                if pages >= MAX_LOG_PAGES:
                    seen.failures_capped = page.next_url is not None
                    break
        except E.OktaError as exc:
            seen.failures_error = str(exc)
        seen.failures = [
            (title, count, {"event": event, "diagnosis": d}) for title, (count, event, d) in by_cause.items()
        ]
        seen.failures.sort(key=lambda item: -item[1])

    # -- judging, in the article's order -------------------------------------------------------
    async def run(self) -> DoctorReport:
        seen = await self._read()
        self._check_app(seen)
        self._check_scim(seen)
        self._check_connection(seen)
        self._check_push(seen)
        self._check_groups(seen)
        self._check_profile(seen)
        self._check_app_users(seen)
        self._check_failures(seen)
        if self.kandji.url is None:
            self.kandji.url = kandji_url_from_connection(seen.connection, self.org)
            self.kandji.url_source = "okta" if self.kandji.url else ""
        await self._check_kandji(seen)
        for check in self.checks:
            check.summary = printable(check.summary, 400)
        return DoctorReport(
            org=self.org.host,
            app={
                "id": self.app_id,
                "label": self.app.get("label"),
                "name": self.app.get("name"),
                "link": app_link(self.org, "app-general", self.app.get("name"), self.app_id),
            },
            located_by=self.located_by,
            since=self.since.isoformat(),
            checks=self.checks,
            findings=self.findings,
            generated_at=self.now.isoformat(timespec="seconds"),
        )

    def _check_app(self, seen: _Seen) -> None:
        app = seen.app
        check = self.check("app", "The app", "2–8")
        hide = (app.get("visibility") or {}).get("hide") or {}
        status, mode = app.get("status"), app.get("signOnMode")
        hidden = bool(hide.get("web")) and bool(hide.get("iOS"))
        check.evidence = {
            "id": self.app_id,
            "label": app.get("label"),
            "status": status,
            "signOnMode": mode,
            "hidden": hidden,
        }
        check.summary = f"{app.get('label')} ({self.app_id}): {status}, {mode}, " + (
            "hidden from end users" if hidden else "visible to end users"
        )
        if status != "ACTIVE":
            self.find(
                check,
                "critical",
                f"The app is {str(status).lower()}, so Okta provisions nobody",
                f"app {self.app_id} status {status}",
                "Activate the app in the Admin Console (the app's General tab, Active).",
                "8",
            )
        if mode != "SAML_2_0":
            severity: Severity = "medium" if provisions(seen) else "high"
            self.find(
                check,
                severity,
                f"The app is not a custom SAML 2.0 app (sign-on mode {mode})",
                f"app {self.app_id} signOnMode {mode}",
                "Kandji's article uses a new custom SAML 2.0 app for SCIM; the Kandji app from the "
                "Okta Integration Network cannot provision. Create one (steps 2–8) and move the "
                "assignment there.",
                "2",
            )
        if not hidden:
            self.find(
                check,
                "low",
                "The app shows on end users' dashboards",
                f"visibility.hide web={hide.get('web')} iOS={hide.get('iOS')}",
                "Tick both 'Do not display application icon' boxes on the app's General tab (step 5); "
                "the app is only for provisioning.",
                "5",
            )

    def _check_scim(self, seen: _Seen) -> None:
        check = self.check("scim", "SCIM provisioning enabled", "9")
        check.evidence = {"features": seen.features}
        if "SCIM_PROVISIONING" in seen.features:
            check.summary = "features include SCIM_PROVISIONING"
            return
        if provisions(seen):
            check.status = "info"
            check.summary = (
                "Okta does not list SCIM_PROVISIONING in the app's features, but provisioning answers "
                "(connection or push settings readable, users synced)."
            )
            return
        check.summary = "no sign of SCIM provisioning"
        self.find(
            check,
            "critical",
            "SCIM provisioning is off for the app",
            f"features {seen.features or '[]'}; no provisioning connection; no app user is synced",
            "Tick 'Enable SCIM provisioning' on the app's General tab and save (step 9), then do "
            "steps 10–14.",
            "9",
        )

    def _check_connection(self, seen: _Seen) -> None:
        check = self.check("connection", "SCIM connection", "10.1–10.5")
        connection = seen.connection or {}
        base_url = connection.get("baseUrl")
        check.evidence = {
            k: connection.get(k) for k in ("status", "authScheme", "baseUrl") if k in connection
        }
        push = {f: f in seen.features for f in ("PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES")}
        check.evidence["push"] = push
        if not connection:
            check.status = "info"
            check.summary = "Okta does not expose this app's connection; the Kandji side below tests it."
        else:
            check.summary = (
                f"{connection.get('status')}, {connection.get('authScheme')}, {base_url or 'no URL'}"
            )
        if base_url:
            try:
                parse_kandji_url(str(base_url), allow_insecure_loopback=self.org.is_loopback)
            except KandjiUrlError as exc:
                self.find(
                    check,
                    "high",
                    "The SCIM connector base URL is not Kandji's SCIM URL",
                    f"baseUrl {base_url}: {exc}",
                    "Paste the SCIM base URL exactly as Kandji shows it (Integrations › SCIM), ending in "
                    "/api/v1/scim (step 10.1).",
                    "10.1",
                )
            if (
                self.kandji.url is not None
                and self.kandji.url_source != "okta"
                and (str(base_url).rstrip("/") != self.kandji.url.base_url)
            ):
                self.find(
                    check,
                    "high",
                    "Okta pushes to another SCIM URL than the Kandji one you gave",
                    f"Okta: {base_url}; {self.kandji.url_source}: {self.kandji.url.base_url}",
                    "Paste Kandji's SCIM base URL again on the Provisioning › Integration page (step 10.1).",
                    "10.1",
                )
        if any(f.startswith("PUSH_") for f in seen.features) and not push["PUSH_NEW_USERS"]:
            self.find(
                check,
                "high",
                "Push New Users is off on the SCIM connection",
                f"features {seen.features}",
                "Tick Push New Users (and Push Profile Updates) under Supported provisioning actions "
                "(step 10.3).",
                "10.3",
            )

    def _check_push(self, seen: _Seen) -> None:
        check = self.check("push", "To App push settings (USER_PROVISIONING)", "12–14")
        feature = seen.provisioning
        if feature is None:
            check.status = "info"
            deactivate = "PUSH_USER_DEACTIVATION" in seen.features
            check.evidence = {"readable": False, "PUSH_USER_DEACTIVATION": deactivate}
            check.summary = "Okta does not answer USER_PROVISIONING for this app; judged from the app users."
            if seen.app_users and seen.sync_states.get("DISABLED", 0) == seen.app_users:
                self.find(
                    check,
                    "critical",
                    "Okta assigns the app but pushes nobody",
                    f"all {seen.app_users} app users have syncState DISABLED",
                    "On Provisioning › To App enable Create Users, Update User Attributes and Deactivate "
                    "Users, and Save (steps 12–14).",
                    "12",
                )
            return
        caps = feature.get("capabilities") or {}

        def state(*path: str) -> str | None:
            node: Any = caps
            for key in path:
                node = (node or {}).get(key) if isinstance(node, dict) else None
            return node.get("status") if isinstance(node, dict) else None

        create = state("create", "lifecycleCreate")
        update = state("update", "profile")
        deactivate = state("update", "lifecycleDeactivate")
        check.evidence = {"create": create, "update": update, "deactivate": deactivate}
        check.summary = (
            f"Create Users {create}, Update User Attributes {update}, Deactivate Users {deactivate}"
        )
        if create != "ENABLED":
            self.find(
                check,
                "critical",
                "To App Create Users is off",
                f"USER_PROVISIONING create.lifecycleCreate {create}",
                "On Provisioning › To App click Edit, enable Create Users and Save (step 12).",
                "12",
            )
        if update != "ENABLED":
            self.find(
                check,
                "medium",
                "To App Update User Attributes is off: changes in Okta never reach Kandji",
                f"USER_PROVISIONING update.profile {update}",
                "Enable Update User Attributes on Provisioning › To App and Save (step 13).",
                "13",
            )
        if deactivate != "ENABLED":
            self.find(
                check,
                "medium",
                "To App Deactivate Users is off: people removed in Okta stay active in Kandji",
                f"USER_PROVISIONING update.lifecycleDeactivate {deactivate}",
                "Enable Deactivate Users on Provisioning › To App and Save (step 14).",
                "14",
            )

    def _check_groups(self, seen: _Seen) -> None:
        check = self.check("groups", "Assigned groups", "15–21")
        check.evidence = {"groups": [{k: g[k] for k in ("id", "name", "members")} for g in seen.groups]}
        check.summary = ", ".join(f"'{g['name']}' ({g['members']} members)" for g in seen.groups) or "none"
        if not seen.groups:
            self.find(
                check,
                "critical" if not seen.app_users else "medium",
                "No group is assigned to the app",
                f"GET /api/v1/apps/{self.app_id}/groups is empty; {seen.app_users} users assigned directly",
                "Assign the group whose members should reach Kandji on the app's Assignments tab "
                "(steps 19–23).",
                "19",
            )
        for group in seen.groups:
            if group["members"] == 0:
                self.find(
                    check,
                    "high",
                    f"group '{group['name']}' has 0 members",
                    f"group {group['id']} is assigned to the app but has no members",
                    "Add the people who need Kandji to the group (step 18.1); only members are provisioned.",
                    "18.1",
                    group_id=group["id"],
                )

    def _check_profile(self, seen: _Seen) -> None:
        check = self.check("profile", "Assignment profile (Preferred Language, Locale)", "22")
        check.evidence = {"profiles": {g["name"]: g["profile"] for g in seen.groups}}
        missing = {
            g["name"]: [k for k in ("preferredLanguage", "locale") if not g["profile"].get(k)]
            for g in seen.groups
        }
        missing = {name: keys for name, keys in missing.items() if keys}
        check.summary = (
            "; ".join(
                f"'{g['name']}': {g['profile'].get('preferredLanguage')}/{g['profile'].get('locale')}"
                for g in seen.groups
            )
            or "no group assigned"
        )
        for name, keys in missing.items():
            self.find(
                check,
                "low",
                f"The assignment of '{name}' has no {' or '.join(keys)}",
                f"assignment profile {next(g['profile'] for g in seen.groups if g['name'] == name)}",
                "Edit the group's assignment on the Assignments tab and set Preferred Language and "
                "Locale (step 22).",
                "22",
            )

    def _check_app_users(self, seen: _Seen) -> None:
        check = self.check("app-users", "App users by status and sync state", "24")
        check.evidence = {
            "total": seen.app_users,
            "status": dict(seen.statuses),
            "syncState": dict(seen.sync_states),
            "assigned_directly": seen.direct,
        }
        parts = [f"{n} {s}" for s, n in seen.statuses.most_common()]
        syncs = [f"{n} {s}" for s, n in seen.sync_states.most_common()]
        check.summary = f"{seen.app_users} users: " + ", ".join(parts) + "; sync " + ", ".join(syncs)
        if seen.direct:
            noun = "user" if seen.direct == 1 else "users"
            self.find(
                check,
                "low",
                f"{seen.direct} {noun} assigned directly, not via the group",
                f"{seen.direct} app users have scope USER",
                "Put them in the group (step 18.1) and remove their direct assignment on the app's "
                "Assignments tab, so one group decides who reaches Kandji.",
                "19",
            )
        errors = seen.sync_states.get("ERROR", 0)
        if errors:
            cause = (
                _okta_voice(seen.failures[0][0])
                if seen.failures
                else "no System Log failure in the period read"
            )
            step = seen.failures[0][2]["diagnosis"].fix_step if seen.failures else "24"
            self.find(
                check,
                "high",
                f"{errors} {'user is' if errors == 1 else 'users are'} in sync error",
                f"{errors} of {seen.app_users} app users have syncState ERROR; most common cause: {cause}",
                "Fix the cause the System Log names (its own finding), then retry the failed users "
                "from the app's Assignments tab "
                "(Okta retries on the next change). `reconcile` lists every user.",
                step,
            )
        if seen.no_external_id:
            self.find(
                check,
                "medium",
                f"{seen.no_external_id} provisioned users have no externalId",
                "status PROVISIONED without the id Kandji gave them",
                "Okta did not record Kandji's answer for them: run `reconcile` to see whether they are "
                "in Kandji.",
                "24",
            )

    def _check_failures(self, seen: _Seen) -> None:
        check = self.check(
            "system-log", f"Provisioning failures in the System Log ({self.since_text()})", "24"
        )
        if seen.failures_error:
            check.status = "skip"
            check.summary = f"could not be read: {seen.failures_error}"
            return
        total = sum(count for _, count, _ in seen.failures)
        check.evidence = {
            "since": self.since.isoformat(),
            "total": total,
            "capped": seen.failures_capped,
            "causes": {title: count for title, count, _ in seen.failures},
        }
        causes = len(seen.failures)
        check.summary = f"{total} failures" + (
            f", {causes} {'cause' if causes == 1 else 'causes'}" if causes else ""
        )
        for title, count, latest in seen.failures:
            event, diagnosis = latest["event"], latest["diagnosis"]
            reason = (event.get("outcome") or {}).get("reason") or event.get("displayMessage") or ""
            example = f" e.g. {diagnosis.user}" if diagnosis.user else ""
            line = f"{event.get('published')} {event.get('eventType')}{example}: {reason}"
            noun = "failure" if count == 1 else "failures"
            self.find(
                check,
                "critical" if diagnosis.fix_step in ("10.5", "10.1") else "high",
                f"{_okta_voice(title)} ({count} {noun} {self.since_text()})",
                line,
                diagnosis.fix,
                diagnosis.fix_step,
            )

    async def _check_kandji(self, seen: _Seen) -> None:
        from wizard.kandji.preflight import run_preflight
        from wizard.kandji.users import ScimListError, ScimUserPager

        check = self.check("kandji", "Kandji's side: pre-flight and users found", "B.2, 24")
        kandji = self.kandji
        if kandji.url is None or kandji.token is None:
            check.status = "skip"
            missing = "Kandji's SCIM URL" if kandji.url is None else "the Kandji token"
            check.summary = (
                f"not checked: {missing} is not at hand (keyring, KANDJI_SCIM_TOKEN or --secrets-stdin; "
                "--scim-url for the URL)."
            )
            return
        report = await run_preflight(kandji.url, kandji.token)
        check.evidence = {
            "base_url": kandji.url.base_url,
            "url_from": kandji.url_source,
            "token_from": kandji.token_source,
            "preflight": report.summary,
            "failed": [r.key for r in report.failures],
        }
        for failure in report.failures:
            token_problem = failure.key in ("token", "wrong_token")
            self.find(
                check,
                "high",
                f"Kandji pre-flight: {failure.title} failed",
                f"{failure.request}: {failure.detail} {failure.cause}".strip(),
                failure.fix,
                "B.2" if token_problem else "10.1",
            )
        if not report.ok:
            check.summary = report.summary
            return
        try:
            async with ScimUserPager(kandji.url, kandji.token) as pager:
                total = await pager.total()
        except ScimListError as exc:
            check.summary = f"{report.summary} Users could not be counted: {exc}"
            return
        provisioned = seen.statuses.get("PROVISIONED", 0)
        check.evidence["kandji_users"] = total
        check.evidence["okta_provisioned"] = provisioned
        check.summary = (
            f"{report.summary} Kandji holds {total} users; Okta reports {provisioned} provisioned."
        )
        if total < provisioned:
            self.find(
                check,
                "medium",
                f"Kandji holds fewer users ({total}) than Okta reports provisioned ({provisioned})",
                f"SCIM totalResults {total}; Okta app users PROVISIONED {provisioned}",
                "Run `okta-kandji-setup reconcile` to list who is missing and why.",
                "24",
            )


def printable(text: str, limit: int = 200) -> str:
    return clip(text, limit=limit)


def kandji_url_from_connection(connection: dict[str, Any] | None, org: OrgUrl) -> KandjiUrl | None:
    """The SCIM base URL Okta's connection holds, when it is one of Kandji's hosts (or loopback
    for a simulated org): the Kandji token may go there. Anything else is not used."""
    base_url = (connection or {}).get("baseUrl")
    if not base_url:
        return None
    try:
        return parse_kandji_url(str(base_url), allow_insecure_loopback=org.is_loopback)
    except KandjiUrlError:
        return None


def provisions(seen: _Seen) -> bool:
    """Evidence that provisioning is on, whatever `features` says (unconfirmed for custom apps)."""
    connection_on = (seen.connection or {}).get("status") == "ENABLED"
    synced = any(state not in ("DISABLED", "none") for state in seen.sync_states)
    return connection_on or seen.provisioning is not None or synced


def _okta_voice(title: str) -> str:
    """classify_event speaks of the past push; doctor speaks of now."""
    return {"Kandji rejected Okta's token": "Kandji refuses Okta's token"}.get(title, title)
