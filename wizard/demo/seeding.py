"""Seed an existing Okta→Kandji integration, as an admin might have made it by hand months ago,
into the Okta simulator and the demo SCIM server at any scale (issue 13 §3).

Users are assigned through a group and already provisioned; a chosen number are missing in
Kandji (some with sync ERROR and a System Log reason, the rest deleted in Kandji by hand),
deactivated in Kandji while active in Okta, stored in Kandji under a userName that differs only
in case or whitespace, or present in Kandji without an Okta assignment (orphans). Everything
is written straight into both servers' stores (no HTTP), so 50,000 users take seconds.

Which user falls in which category is shuffled with a fixed seed: the same spec gives the same
integration every time, and the odd users are spread over every page.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from wizard.demo.scim_server import ScimServer
from wizard.okta_simulator import OktaSimulator
from wizard.okta_simulator.provisioning import okta_task_message, scim_user
from wizard.okta_simulator.tenant import ScimConnection, iso

# Why a push failed. A refused token is worded the way the simulator's provisioner words it
# (Okta's "…: Unauthorized. Errors reported by remote server: …", per user); a clash is one text.
TOKEN_REFUSED_REMOTE = "Authorization failure. The authorization header is invalid or missing."
USERNAME_CLASH_REASON = (
    "POST /Users failed with 409: One or more of the attribute values are already in use or are reserved."
)
_FIRST = ("Alex", "Sam", "Robin", "Kim", "Jo", "Lee", "Max", "Noa", "Ira", "Ty")
_LAST = ("Meyer", "Okafor", "Silva", "Tanaka", "Nowak", "Haddad", "Berg", "Costa", "Ivanova", "Park")
PLACEHOLDER_SIGN_ON = {
    "ssoAcsUrl": "https://example.invalid/sso/placeholder",
    "recipient": "https://example.invalid/sso/placeholder",
    "destination": "https://example.invalid/sso/placeholder",
    "audience": "https://example.invalid/audience/placeholder",
}


@dataclass(frozen=True)
class IntegrationSeed:
    """What to seed. `errors` counts users in sync ERROR; they are among the `missing` ones."""

    users: int = 200
    missing: int = 4
    errors: int = 2
    inactive: int = 2
    orphans: int = 1
    case_mismatch: int = 1
    direct: int = 0  # extra users assigned to the app directly (scope USER), not via the group
    empty_group: str | None = None  # a second assigned group without members
    create_users: bool = True
    update_users: bool = True
    deactivate_users: bool = True
    scim_enabled: bool = True
    hidden: bool = True
    assignment_profile: dict[str, str] = field(
        default_factory=lambda: {"preferredLanguage": "en", "locale": "en_US"}
    )
    label: str = "Kandji SCIM App"
    group: str = "Kandji Users"
    seed: int = 13

    def __post_init__(self) -> None:
        odd = self.missing + self.inactive + self.case_mismatch
        if self.errors > self.missing:
            raise ValueError("errors are among the missing users: errors must not exceed missing")
        if odd > self.users:
            raise ValueError(f"{odd} odd users do not fit in {self.users} users")


@dataclass
class SeededIntegration:
    """What was seeded, for tests and benchmarks to compare against."""

    app_id: str
    app_name: str
    group_id: str
    empty_group_id: str | None
    spec: IntegrationSeed
    logins: dict[str, list[str]]  # category -> Okta logins (or Kandji userNames for orphans)
    error_reasons: Counter[str]  # cause ("token refused", "userName clash") -> users

    @property
    def expected(self) -> dict[str, int]:
        """The counts a correct reconcile finds."""
        spec = self.spec
        assigned = spec.users + spec.direct
        return {
            "okta_users": assigned,
            "kandji_users": assigned - spec.missing + spec.orphans,
            "in_both": assigned - spec.missing - spec.inactive - spec.case_mismatch,
            "missing": spec.missing,
            "errors": spec.errors,
            "inactive": spec.inactive,
            "orphans": spec.orphans,
            "case_mismatch": spec.case_mismatch,
        }


def demo_seed(users: int = 200) -> IntegrationSeed:
    """The demo's hand-made integration: a few of every problem doctor and reconcile find. Its
    app and group are named as an admin might have named them by hand, not as the wizard does,
    so the demo's own setup never mistakes them for its app and group (it reuses exact names)."""
    return IntegrationSeed(
        label="Kandji",
        group="Mac Users",
        users=users,
        missing=max(2, users // 50),
        errors=max(1, users // 100),
        inactive=max(1, users // 100),
        orphans=max(1, users // 200),
        case_mismatch=max(1, users // 200),
        direct=3,
        empty_group="Kandji Pilot",
        deactivate_users=False,
    )


def _person(i: int, domain: str) -> dict[str, str]:
    first, last = _FIRST[i % len(_FIRST)], _LAST[(i // len(_FIRST)) % len(_LAST)]
    login = f"{first.lower()}.{last.lower()}{i}@{domain}"
    return {"firstName": first, "lastName": last, "login": login, "email": login}


def _case_variant(login: str, i: int) -> str:
    """The same userName, differing only in case or surrounding whitespace."""
    return login.title() if i % 2 == 0 else f" {login.upper()}"


def seed_integration(
    sim: OktaSimulator, scim: ScimServer, kandji_token: SecretStr | str, spec: IntegrationSeed | None = None
) -> SeededIntegration:
    """Create the app, its SCIM connection, the group, the users and Kandji's side of them."""
    spec = spec or IntegrationSeed()
    token = kandji_token if isinstance(kandji_token, SecretStr) else SecretStr(kandji_token)
    t = sim.tenant
    rng = random.Random(spec.seed)
    categories = (
        ["missing-error"] * spec.errors
        + ["missing"] * (spec.missing - spec.errors)
        + ["inactive"] * spec.inactive
        + ["case"] * spec.case_mismatch
    )
    categories += ["ok"] * (spec.users - len(categories))
    rng.shuffle(categories)
    categories += ["direct"] * spec.direct
    domain = f"{t.org['subdomain']}.example.com"
    logins: dict[str, list[str]] = {}
    reasons: Counter[str] = Counter()
    kandji_users: list[dict[str, Any]] = []
    kandji_index: list[int] = []  # which Okta user each Kandji user stands for
    with t.lock:
        app = t.add_app(spec.label)
        app_id = str(app["id"])
        app["visibility"]["hide"] = {"web": spec.hidden, "iOS": spec.hidden}
        app["settings"]["signOn"] = dict(PLACEHOLDER_SIGN_ON)
        settings = t.app_settings[app_id]
        settings.scim_enabled = spec.scim_enabled
        if spec.scim_enabled:
            settings.connection = ScimConnection(base_url=scim.base_url, token=token)
            settings.to_app_create = spec.create_users
            settings.to_app_update = spec.update_users
            settings.to_app_deactivate = spec.deactivate_users
        assigned = [spec.group] + ([spec.empty_group] if spec.empty_group else [])
        group_ids = []
        for priority, name in enumerate(assigned):
            group_ids.append(str(t.add_group(name, "People provisioned to Kandji")["id"]))
            t.app_groups[app_id][group_ids[-1]] = {
                "id": group_ids[-1],
                "lastUpdated": iso(t.clock()),
                "priority": priority,
                "profile": dict(spec.assignment_profile),
            }
        group_id = group_ids[0]
        empty_group_id = group_ids[1] if spec.empty_group else None
        user_ids: list[str] = []
        for i, category in enumerate(categories):
            profile = _person(i, domain)
            user_id = str(t.add_user(profile)["id"])
            user_ids.append(user_id)
            if category != "direct":
                t._join(group_id, user_id)
            logins.setdefault(category, []).append(profile["login"])
            if category.startswith("missing"):
                continue
            body = scim_user(user_id, profile, spec.assignment_profile)
            body.pop("password", None)
            if category == "inactive":
                body["active"] = False
            elif category == "case":
                body["userName"] = _case_variant(profile["login"], i)
            kandji_users.append(body)
            kandji_index.append(i)
    orphans = [
        {
            "userName": f"former.staff{k}@{domain}",
            "name": {"givenName": "Former", "familyName": f"Staff {k}"},
            "displayName": f"Former Staff {k}",
            "externalId": f"00uformer{k:011d}",
            "active": True,
        }
        for k in range(spec.orphans)
    ]
    # One call: each call re-indexes every user already stored.
    scim_ids = scim.seed_users([*kandji_users, *orphans])[: len(kandji_users)]
    external = dict(zip(kandji_index, scim_ids, strict=True))
    logins["orphan"] = [o["userName"] for o in orphans]
    with t.lock:
        now = iso(t.clock())
        failed = 0
        for i, (user_id, category) in enumerate(zip(user_ids, categories, strict=True)):
            login = t.users[user_id]["profile"]["login"]
            record: dict[str, Any] = {
                "id": user_id,
                "externalId": external.get(i),
                "created": now,
                "lastUpdated": now,
                "scope": "USER" if category == "direct" else "GROUP",
                "status": "PROVISIONED",
                "statusChanged": now,
                "passwordChanged": None,
                "syncState": "SYNCHRONIZED",
                "lastSync": now,
                "credentials": {"userName": login},
                "profile": dict(spec.assignment_profile),
            }
            if category == "missing":
                # Okta pushed them once; someone deleted them in Kandji since.
                record["externalId"] = uuid.UUID(int=rng.getrandbits(128)).hex
            elif category == "missing-error":
                # Three in four refused tokens, one in four userName clashes: two causes to group.
                targets = [t.app_target(app_id), t.user_target(user_id)]
                clash = failed % 4 == 3
                reason = (
                    USERNAME_CLASH_REASON
                    if clash
                    else okta_task_message("push", targets, TOKEN_REFUSED_REMOTE)
                )
                failed += 1
                reasons["userName clash" if clash else "token refused"] += 1
                record.update(status="STAGED", syncState="ERROR", externalId=None)
                record.pop("lastSync")
                t.log(
                    "application.provision.user.push",
                    "Automatic provisioning of user to app failed (push)",
                    result="FAILURE",
                    reason=reason,
                    targets=targets,
                    severity="WARN",
                )
            t.app_users[app_id][user_id] = record
    return SeededIntegration(
        app_id=app_id,
        app_name=str(app["name"]),
        group_id=group_id,
        empty_group_id=empty_group_id,
        spec=spec,
        logins=logins,
        error_reasons=reasons,
    )
