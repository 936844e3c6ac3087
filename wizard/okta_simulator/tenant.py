"""The simulated tenant's data: users, groups, apps, memberships, assignments, System Log.

Everything is held in dicts keyed by id with secondary indexes (login, group name), so a
tenant of 50,000 users answers lookups as fast as an empty one. Objects are stored in Okta's
JSON shapes; `_links` are added by the HTTP layer because they depend on the host.
"""

from __future__ import annotations

import copy
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from wizard.okta_simulator.mappings import DEFAULT_PROPERTIES

ERROR_LINKS = {
    "E0000001": "Api validation failed",
    "E0000006": "You do not have permission to perform the requested action",
    "E0000007": "Not found",
    "E0000011": "Invalid token provided",
    "E0000015": "You do not have permission to access the feature you are requesting",
    "E0000022": "The endpoint does not support the provided HTTP method",
    "E0000047": "API call exceeded rate limit due to too many requests.",
    "E0000056": "Delete application forbidden.",
    "E0000075": "Cannot modify an app profile attribute with a mapping",
    "E0000080": "The password does not meet the complexity requirements of the current password policy.",
    "E0000009": "Internal Server Error",
}


# The base user profile attributes Okta defines (a new user may set only these and custom ones).
USER_PROFILE_ATTRIBUTES = frozenset(
    {
        "login", "email", "secondEmail", "firstName", "lastName", "middleName", "honorificPrefix",
        "honorificSuffix", "title", "displayName", "nickName", "profileUrl", "primaryPhone",
        "mobilePhone", "streetAddress", "city", "state", "zipCode", "countryCode", "postalAddress",
        "preferredLanguage", "locale", "timezone", "userType", "employeeNumber", "costCenter",
        "organization", "division", "department", "managerId", "manager",
    }
)  # fmt: skip

# What Okta fills in a custom SAML app's `settings.signOn` when the create body leaves it out
# (recorded: `idpIssuer` is set even when not sent).
SAML_SIGN_ON_DEFAULTS: dict[str, Any] = {
    "defaultRelayState": "",
    "idpIssuer": "http://www.okta.com/${org.externalKey}",
    "subjectNameIdTemplate": "${user.userName}",
    "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "responseSigned": True,
    "assertionSigned": True,
    "signatureAlgorithm": "RSA_SHA256",
    "digestAlgorithm": "SHA256",
    "honorForceAuthn": True,
    "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    "requestCompressed": False,
    "attributeStatements": [],
    "inlineHooks": [],
    "assertionEncryption": {"enabled": False},
    "allowMultipleAcsEndpoints": False,
    "acsEndpoints": [],
    "samlSignedRequestEnabled": False,
    "slo": {"enabled": False},
}


class ApiError(Exception):
    """An Okta error response: status plus the body fields."""

    def __init__(
        self,
        status: int,
        code: str,
        summary: str | None = None,
        causes: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.headers = headers or {}
        self.status = status
        self.code = code
        self.summary = summary or ERROR_LINKS.get(code, "Error")
        self.causes = causes or []
        super().__init__(f"{status} {code} {self.summary}")


def not_found(what: str, kind: str) -> ApiError:
    return ApiError(404, "E0000007", f"Not found: Resource not found: {what} ({kind})")


def iso(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class ScimConnection:
    """What the admin types on the app's Provisioning → Integration page (console only)."""

    base_url: str
    token: SecretStr
    unique_id_field: str = "userName"
    push_new_users: bool = True
    push_profile_updates: bool = True
    import_new_users: bool = False
    auth_mode: str = "HTTP Header"


@dataclass
class AppSettings:
    """Console-only state of one app. The public API can read its effects, never write it."""

    scim_enabled: bool = False
    connection: ScimConnection | None = None
    to_app_create: bool = False
    to_app_update: bool = False
    to_app_deactivate: bool = False
    mapped_attributes: set[str] = field(default_factory=set)
    # Profile Editor › Mappings, Okta user → app user (see mappings.py).
    push_mapping: dict[str, dict[str, str]] = field(default_factory=lambda: copy.deepcopy(DEFAULT_PROPERTIES))

    def features(self) -> list[str]:
        found: list[str] = []
        if self.connection is not None:
            if self.connection.import_new_users:
                found += ["IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES"]
            if self.connection.push_new_users:
                found.append("PUSH_NEW_USERS")
            if self.connection.push_profile_updates:
                found.append("PUSH_PROFILE_UPDATES")
        if self.to_app_deactivate:
            found += ["PUSH_USER_DEACTIVATION", "REACTIVATE_USERS"]
        if self.scim_enabled:
            found.append("SCIM_PROVISIONING")
        return found

    @property
    def pushes(self) -> bool:
        return bool(self.scim_enabled and self.connection and self.to_app_create)

    @property
    def pushes_profile_updates(self) -> bool:
        """Okta pushes a profile change only with Update User Attributes on (To App) and the
        connection's Push Profile Updates ticked."""
        return bool(
            self.pushes and self.to_app_update and self.connection and self.connection.push_profile_updates
        )


@dataclass
class ApiPrincipal:
    """Who a credential acts as: an admin user (API token) or a service app (OAuth)."""

    kind: str  # "token" or "service"
    subject: str  # user id or client id
    scopes: frozenset[str] | None = None  # None: every scope (a Super Administrator's token)

    def allows(self, scope: str | None) -> bool:
        return scope is None or self.scopes is None or scope in self.scopes

    @property
    def acts_as_admin(self) -> bool:
        """An API token carries the admin roles of the user who created it (the tenant holds
        them); a service app's roles are not modelled, its scopes are the check."""
        return self.kind == "token"


# Okta's labels for its standard admin role types (USER_ADMIN is shown as "Group Administrator").
ROLE_LABELS: dict[str, str] = {
    "SUPER_ADMIN": "Super Administrator",
    "ORG_ADMIN": "Organization Administrator",
    "APP_ADMIN": "Application Administrator",
    "USER_ADMIN": "Group Administrator",
    "GROUP_MEMBERSHIP_ADMIN": "Group Membership Administrator",
    "HELP_DESK_ADMIN": "Help Desk Administrator",
    "READ_ONLY_ADMIN": "Read-only Administrator",
    "REPORT_ADMIN": "Report Administrator",
    "MOBILE_ADMIN": "Mobile Administrator",
    "API_ACCESS_MANAGEMENT_ADMIN": "API Access Management Administrator",
    "CUSTOM": "Custom role",
}


class Tenant:
    """All objects of one simulated org. Methods raise `ApiError` the way Okta answers."""

    def __init__(self, clock: Callable[[], float], subdomain: str = "acme") -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        now = iso(clock())
        self.org: dict[str, Any] = {
            "id": "00o1simulated0000001",
            "subdomain": subdomain,
            "companyName": f"{subdomain.title()} (simulated)",
            "status": "ACTIVE",
            "created": now,
            "lastUpdated": now,
            "website": f"https://{subdomain}.example.com",
        }
        self.users: dict[str, dict[str, Any]] = {}
        self.users_by_login: dict[str, str] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.groups_by_name: dict[str, list[str]] = {}
        self.group_visible_at: dict[str, float] = {}
        self.members: dict[str, dict[str, None]] = {}  # group id -> ordered set of user ids
        self.user_groups: dict[str, set[str]] = {}
        self.apps: dict[str, dict[str, Any]] = {}
        self.app_settings: dict[str, AppSettings] = {}
        self.app_groups: dict[str, dict[str, dict[str, Any]]] = {}
        self.app_users: dict[str, dict[str, dict[str, Any]]] = {}
        self.logs: list[dict[str, Any]] = []
        self.admin_roles: dict[str, list[dict[str, Any]]] = {}  # user id -> role assignments
        # Own counter, so role ids never shift the ids of users, groups and apps (snapshots).
        self._role_ids = itertools.count(1)
        self.group_search_lag = 0.0
        self.saml_feature_enabled = True
        # Like every recorded real org: apps list `"features": []` whatever is on, and the To App
        # settings are not exposed for a custom app. Provisioning itself still works.
        self.opaque_provisioning = False
        self.password_min_length = 8
        self.admin_id = self.add_user(
            {
                "firstName": "Ada",
                "lastName": "Admin",
                "login": f"admin@{subdomain}.example.com",
                "email": f"admin@{subdomain}.example.com",
            },
        )["id"]
        self.assign_roles(self.admin_id, ["SUPER_ADMIN"])

    # -- admin roles ---------------------------------------------------------------------------
    def assign_roles(self, user_id: str, role_types: list[str]) -> None:
        """Give a user admin roles, stored in the shape of Okta's role assignment objects."""
        now = iso(self.clock())
        for role_type in role_types:
            if role_type not in ROLE_LABELS:
                raise ValueError(f"unknown admin role type {role_type!r}; use one of {sorted(ROLE_LABELS)}")
            role: dict[str, Any] = {
                "id": f"ra1{next(self._role_ids):011d}sim0x7",
                "label": ROLE_LABELS[role_type],
                "type": role_type,
                "status": "ACTIVE",
                "created": now,
                "lastUpdated": now,
                "assignmentType": "USER",
            }
            if role_type == "CUSTOM":
                role["role"] = f"cr0{next(self._role_ids):011d}sim0x7"
                role["resource-set"] = f"iam{next(self._role_ids):011d}sim0x7"
            self.admin_roles.setdefault(user_id, []).append(role)

    def role_types(self, user_id: str) -> set[str]:
        return {r["type"] for r in self.admin_roles.get(user_id, []) if r["status"] == "ACTIVE"}

    # -- ids -----------------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        # Okta ids are 20 characters: a 3-character type prefix and 17 more.
        return f"{prefix}{next(self._ids):011d}sim0x7"

    # -- users ---------------------------------------------------------------------------------
    def add_user(
        self,
        profile: dict[str, Any],
        *,
        status: str = "ACTIVE",
        user_id: str | None = None,
        password: bool = True,
    ) -> dict[str, Any]:
        """Store a user without validation (seeding and internal use). `user_id` seeds a known id."""
        now = iso(self.clock())
        user_id = user_id or self.new_id("00u")
        credentials: dict[str, Any] = {"provider": {"type": "OKTA", "name": "OKTA"}}
        if password:
            credentials = {"password": {}, **credentials}
        user = {
            "id": user_id,
            "status": status,
            "created": now,
            "activated": now if status in ("ACTIVE", "PROVISIONED") else None,
            "statusChanged": now,
            "lastLogin": None,
            "lastUpdated": now,
            "passwordChanged": now if password else None,
            "type": {"id": "oty1simulatedusertype"},
            # Okta shows the unset base attributes of a new user as nulls.
            "profile": {"mobilePhone": None, "secondEmail": None, **profile},
            "credentials": credentials,
        }
        self.users[user_id] = user
        self.users_by_login[str(profile["login"]).lower()] = user_id
        self.user_groups[user_id] = set()
        return user

    def user_by_id_or_login(self, key: str) -> dict[str, Any]:
        user = self.users.get(key)
        if user is None:
            user_id = self.users_by_login.get(key.lower())
            user = self.users.get(user_id) if user_id else None
        if user is None:
            raise not_found(key, "User")
        return user

    def create_user(self, body: dict[str, Any], *, activate: bool) -> tuple[dict[str, Any], list[str]]:
        """Returns the user and the ids of groups it joined (the caller pushes those)."""
        profile = body.get("profile")
        if not isinstance(profile, dict):
            raise ApiError(
                400, "E0000001", "Api validation failed: newUser", ["profile: The field cannot be left blank"]
            )
        unknown = [name for name in profile if name not in USER_PROFILE_ATTRIBUTES]
        if unknown:
            raise ApiError(
                400,
                "E0000001",
                "Api validation failed: newUser",
                [f"Property name '{name}' is not defined in profile" for name in unknown],
            )
        causes = [
            f"{name}: The field cannot be left blank"
            for name in ("login", "email", "firstName", "lastName")
            if not profile.get(name)
        ]
        login = str(profile.get("login") or "")
        if login and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", login):
            causes.append("login: Username must be in the form of an email address")
        if causes:
            raise ApiError(400, "E0000001", "Api validation failed: newUser", causes)
        if login.lower() in self.users_by_login:
            raise ApiError(
                400,
                "E0000001",
                "Api validation failed: newUser",
                ["login: An object with this field already exists in the current organization"],
            )
        password = ((body.get("credentials") or {}).get("password") or {}).get("value")
        if password is not None:
            self._check_password(str(password), login)
        group_ids = list(body.get("groupIds") or [])
        for gid in group_ids:
            if gid not in self.groups:
                raise ApiError(
                    400, "E0000001", "Api validation failed: groupIds", [f"groupIds: group {gid} not found"]
                )
        # Activated without a password, Okta leaves the user PROVISIONED (recorded).
        status = ("ACTIVE" if password is not None else "PROVISIONED") if activate else "STAGED"
        user = self.add_user(
            {k: v for k, v in profile.items() if v is not None}, status=status, password=password is not None
        )
        for gid in group_ids:
            self._join(gid, user["id"])
        return user, group_ids

    def _check_password(self, password: str, login: str) -> None:
        problems = []
        if len(password) < self.password_min_length:
            problems.append(f"at least {self.password_min_length} characters")
        if not re.search(r"[a-z]", password):
            problems.append("a lowercase letter")
        if not re.search(r"[A-Z]", password):
            problems.append("an uppercase letter")
        if not re.search(r"[0-9]", password):
            problems.append("a number")
        local = login.split("@", 1)[0].lower()
        if local and local in password.lower():
            problems.append("no parts of your username")
        if problems:
            # Real Okta: 400 E0000001 with the policy in a `password:` cause (not E0000080).
            raise ApiError(
                400,
                "E0000001",
                "Api validation failed: password",
                [
                    "password: Password requirements were not met. Password requirements: "
                    + ", ".join(problems)
                    + "."
                ],
            )

    def delete_user(self, user_id: str) -> list[tuple[str, str]]:
        """First DELETE deactivates, second deletes (Okta's rule). Returns app users to drop."""
        user = self.users.get(user_id)
        if user is None:
            raise not_found(user_id, "User")
        if user["status"] != "DEPROVISIONED":
            user["status"] = "DEPROVISIONED"
            user["statusChanged"] = user["lastUpdated"] = iso(self.clock())
            return [(app_id, user_id) for app_id, users in self.app_users.items() if user_id in users]
        for gid in list(self.user_groups.get(user_id, ())):
            self.members[gid].pop(user_id, None)
        self.user_groups.pop(user_id, None)
        self.users.pop(user_id)
        self.users_by_login.pop(str(user["profile"]["login"]).lower(), None)
        return []

    # -- groups --------------------------------------------------------------------------------
    def add_group(
        self,
        name: str,
        description: str = "",
        *,
        visible_now: bool = True,
        group_id: str | None = None,
        kind: str = "OKTA_GROUP",
    ) -> dict[str, Any]:
        now_ts = self.clock()
        now = iso(now_ts)
        group_id = group_id or self.new_id("00g")
        group = {
            "id": group_id,
            "created": now,
            "lastUpdated": now,
            "lastMembershipUpdated": now,
            "objectClass": ["okta:user_group"],
            "type": kind,
            "profile": {"name": name, "description": description},
        }
        self.groups[group_id] = group
        self.groups_by_name.setdefault(name.lower(), []).append(group_id)
        self.members[group_id] = {}
        self.group_visible_at[group_id] = now_ts if visible_now else now_ts + self.group_search_lag
        return group

    def create_group(self, body: dict[str, Any]) -> dict[str, Any]:
        profile = body.get("profile") if isinstance(body, dict) else None
        name = (profile or {}).get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(
                400, "E0000001", "Api validation failed: name", ["name: The field cannot be left blank"]
            )
        if any(self.groups[g]["profile"]["name"] == name for g in self.groups_by_name.get(name.lower(), [])):
            raise ApiError(
                400,
                "E0000001",
                "Api validation failed: name",
                ["name: An object with this field already exists in the current organization"],
            )
        return self.add_group(name, str(profile.get("description") or ""), visible_now=False)

    def group(self, group_id: str) -> dict[str, Any]:
        group = self.groups.get(group_id)
        if group is None:
            raise not_found(group_id, "UserGroup")
        return group

    def searchable_groups(self) -> list[dict[str, Any]]:
        now = self.clock()
        return [g for gid, g in self.groups.items() if self.group_visible_at.get(gid, 0) <= now]

    def groups_named(self, name: str) -> list[dict[str, Any]]:
        now = self.clock()
        return [
            self.groups[gid]
            for gid in self.groups_by_name.get(name.lower(), [])
            if self.group_visible_at.get(gid, 0) <= now
        ]

    def delete_group(self, group_id: str) -> list[str]:
        """Returns the apps the group was assigned to (their app users may go)."""
        group = self.group(group_id)
        apps = [app_id for app_id, groups in self.app_groups.items() if group_id in groups]
        for app_id in apps:
            self.app_groups[app_id].pop(group_id)
        for uid in self.members.pop(group_id, {}):
            self.user_groups.get(uid, set()).discard(group_id)
        self.groups.pop(group_id)
        self.groups_by_name.get(group["profile"]["name"].lower(), []).remove(group_id)
        return apps

    def _join(self, group_id: str, user_id: str) -> bool:
        if user_id in self.members[group_id]:
            return False
        self.members[group_id][user_id] = None
        self.user_groups.setdefault(user_id, set()).add(group_id)
        self.groups[group_id]["lastMembershipUpdated"] = iso(self.clock())
        return True

    def add_member(self, group_id: str, user_id: str) -> bool:
        self.group(group_id)
        if user_id not in self.users:
            raise not_found(user_id, "User")
        return self._join(group_id, user_id)

    def remove_member(self, group_id: str, user_id: str) -> None:
        self.group(group_id)
        if user_id not in self.users:
            raise not_found(user_id, "User")
        self.members[group_id].pop(user_id, None)
        self.user_groups.get(user_id, set()).discard(group_id)

    # -- apps ----------------------------------------------------------------------------------
    def add_app(
        self,
        label: str,
        sign_on_mode: str = "SAML_2_0",
        name: str | None = None,
        *,
        app_id: str | None = None,
    ) -> dict[str, Any]:
        """An app in the shape recorded from real orgs (keys, nulls and defaults alike)."""
        now = iso(self.clock())
        app_id = app_id or self.new_id("0oa")
        generated = name or f"{self.org['subdomain']}_{re.sub(r'[^a-z0-9]+', '', label.lower())}_1"
        app = {
            "id": app_id,
            "orn": f"orn:okta:idp:{self.org['id']}:apps:{generated}:{app_id}",
            "name": generated,
            "label": label,
            "status": "ACTIVE",
            "lastUpdated": now,
            "created": now,
            "accessibility": {"selfService": False, "errorRedirectUrl": None, "loginRedirectUrl": None},
            "visibility": {
                "autoLaunch": False,
                "autoSubmitToolbar": False,
                "hide": {"iOS": False, "web": False},
                "appLinks": {f"{generated}_link": True},
            },
            "features": [],
            "signOnMode": sign_on_mode,
            "credentials": {
                "userNameTemplate": {"template": "${source.login}", "type": "BUILT_IN"},
                "signing": {"kid": f"sim-{app_id}"},
            },
            "universalLogout": None,
            "settings": {
                "app": {},
                "notifications": {
                    "vpn": {"network": {"connection": "DISABLED"}, "message": None, "helpUrl": None}
                },
                "manualProvisioning": False,
                "implicitAssignment": False,
                "emOptInStatus": "NONE",
                "notes": {"admin": None, "enduser": None},
            },
        }
        if sign_on_mode == "SAML_2_0":
            app["settings"]["signOn"] = dict(SAML_SIGN_ON_DEFAULTS)
        self.apps[app_id] = app
        self.app_settings[app_id] = AppSettings()
        self.app_groups[app_id] = {}
        self.app_users[app_id] = {}
        return app

    def create_app(self, body: dict[str, Any], *, activate: bool) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("label") or not body.get("signOnMode"):
            raise ApiError(
                400,
                "E0000001",
                "Api validation failed: label",
                ["label: The field cannot be left blank", "signOnMode: The field cannot be left blank"],
            )
        if body["signOnMode"] == "SAML_2_0" and not self.saml_feature_enabled:
            raise ApiError(401, "E0000015")  # recorded as 401, not 403
        if "name" in body and body["signOnMode"] == "SAML_2_0":
            raise ApiError(
                400,
                "E0000001",
                "Api validation failed: name",
                ["name: Custom app instances cannot be given a name"],
            )
        sign_on = ((body.get("settings") or {}).get("signOn")) or {}
        missing = [
            f for f in ("ssoAcsUrl", "audience") if body["signOnMode"] == "SAML_2_0" and not sign_on.get(f)
        ]
        if missing:
            raise ApiError(
                400,
                "E0000001",
                "Api validation failed: settings",
                [f"settings.signOn.{f}: The field cannot be left blank" for f in missing],
            )
        app = self.add_app(str(body["label"]), str(body["signOnMode"]))
        if isinstance(body.get("visibility"), dict):
            app["visibility"] = {**app["visibility"], **body["visibility"]}
        if isinstance(body.get("accessibility"), dict):
            app["accessibility"] = {**app["accessibility"], **body["accessibility"]}
        template = (body.get("credentials") or {}).get("userNameTemplate")
        if isinstance(template, dict):
            app["credentials"]["userNameTemplate"] = {**app["credentials"]["userNameTemplate"], **template}
        given = body.get("settings") or {}
        for key in ("implicitAssignment", "notes", "app"):
            if key in given:
                app["settings"][key] = given[key]
        if body["signOnMode"] == "SAML_2_0":
            # Okta does not echo the `…Override` fields of a create body (recorded).
            given = {k: v for k, v in sign_on.items() if not k.endswith("Override")}
            app["settings"]["signOn"] = {**SAML_SIGN_ON_DEFAULTS, **given}
        if not activate:
            app["status"] = "INACTIVE"
        return app

    def app(self, app_id: str) -> dict[str, Any]:
        app = self.apps.get(app_id)
        if app is None:
            raise not_found(app_id, "AppInstance")
        app["features"] = [] if self.opaque_provisioning else self.app_settings[app_id].features()
        return app

    def replace_app(self, app_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT /apps/{id}. Real Okta is reported to reset provisioning on a full PUT; so do we."""
        app = self.app(app_id)
        for key in ("label", "visibility", "settings", "accessibility"):
            if key in body:
                app[key] = body[key]
        self.app_settings[app_id] = AppSettings()
        app["lastUpdated"] = iso(self.clock())
        return self.app(app_id)

    def set_app_status(self, app_id: str, status: str) -> None:
        self.app(app_id)["status"] = status

    def delete_app(self, app_id: str) -> None:
        app = self.app(app_id)
        if app["status"] == "ACTIVE":
            raise ApiError(
                403,
                "E0000056",
                "Delete application forbidden.",
                ["Applications must be deactivated before they can be deleted."],
            )
        for store in (self.apps, self.app_settings, self.app_groups, self.app_users):
            store.pop(app_id, None)

    # -- assignments ---------------------------------------------------------------------------
    def assign_group(
        self, app_id: str, group_id: str, body: dict[str, Any]
    ) -> tuple[dict[str, Any], list[str]]:
        """Returns the assignment and the ids of app users it created."""
        self.app(app_id)
        self.group(group_id)
        profile = dict((body or {}).get("profile") or {})
        mapped = sorted(set(profile) & self.app_settings[app_id].mapped_attributes)
        if mapped:
            raise ApiError(
                403,
                "E0000075",
                f"Cannot modify the {mapped[0]} attribute because it has a field mapping and profile "
                "push is enabled.",
            )
        now = iso(self.clock())
        existing = self.app_groups[app_id].get(group_id)
        assignment = {
            "id": group_id,
            "lastUpdated": now,
            "priority": existing["priority"] if existing else len(self.app_groups[app_id]),
            "profile": profile,
        }
        self.app_groups[app_id][group_id] = assignment
        created = [uid for uid in self.members[group_id] if self.ensure_app_user(app_id, uid, profile)]
        return assignment, created

    def ensure_app_user(self, app_id: str, user_id: str, profile: dict[str, Any]) -> bool:
        users = self.app_users[app_id]
        if user_id in users:
            return False
        user = self.users[user_id]
        now = iso(self.clock())
        pushes = self.app_settings[app_id].pushes
        users[user_id] = {
            "id": user_id,
            "externalId": None,
            "created": now,
            "lastUpdated": now,
            "scope": "GROUP",
            "status": "STAGED" if pushes else "ACTIVE",
            "statusChanged": now,
            "passwordChanged": None,
            "syncState": "SYNCING" if pushes else "DISABLED",
            "credentials": {"userName": user["profile"]["login"]},
            "profile": {**profile},
        }
        return True

    def assignment(self, app_id: str, group_id: str) -> dict[str, Any]:
        self.app(app_id)
        assignment = self.app_groups[app_id].get(group_id)
        if assignment is None:
            raise not_found(group_id, "AppGroupAssignment")
        return assignment

    def unassign_group(self, app_id: str, group_id: str) -> list[str]:
        """Returns the app users that lost their last assigned group."""
        self.assignment(app_id, group_id)
        self.app_groups[app_id].pop(group_id)
        return self.orphaned_app_users(app_id)

    def orphaned_app_users(self, app_id: str) -> list[str]:
        assigned = set(self.app_groups[app_id])
        return [uid for uid in self.app_users[app_id] if not (self.user_groups.get(uid, set()) & assigned)]

    def assigned_apps_of_group(self, group_id: str) -> list[str]:
        return [app_id for app_id, groups in self.app_groups.items() if group_id in groups]

    # -- System Log ----------------------------------------------------------------------------
    def log(
        self,
        event_type: str,
        message: str,
        *,
        result: str,
        reason: str | None = None,
        targets: list[dict[str, Any]],
        severity: str = "INFO",
    ) -> dict[str, Any]:
        ts = self.clock()
        event = {
            "uuid": f"sim-{next(self._ids):012d}",
            "published": iso(ts),
            "eventType": event_type,
            "version": "0",
            "severity": severity,
            "displayMessage": message,
            "legacyEventType": event_type.replace(".", "_"),
            "actor": {
                "id": "0oa1oktasystem000001",
                "type": "SystemPrincipal",
                "alternateId": "system@okta.com",
                "displayName": "Okta System",
            },
            "outcome": {"result": result, **({"reason": reason[:255]} if reason else {})},
            "target": targets,
            "transaction": {"type": "JOB", "id": f"sim-tx-{next(self._ids)}", "detail": {}},
            "_ts": ts,
        }
        self.logs.append(event)
        return event

    def app_target(self, app_id: str) -> dict[str, Any]:
        app = self.apps.get(app_id, {"label": app_id})
        return {"id": app_id, "type": "AppInstance", "alternateId": app["label"], "displayName": app["label"]}

    def user_target(self, user_id: str) -> dict[str, Any]:
        user = self.users.get(user_id)
        login = user["profile"]["login"] if user else user_id
        name = (
            f"{user['profile'].get('firstName', '')} {user['profile'].get('lastName', '')}".strip()
            if user
            else ""
        )
        return {"id": user_id, "type": "User", "alternateId": login, "displayName": name or login}
