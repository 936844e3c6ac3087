"""The simulated Management API: routes, Okta's JSON shapes, pagination and links.

`Api.handle()` takes one parsed request and returns a `Reply`; the HTTP server, rate limits,
faults and credentials live in `server.py`. Mutations that Okta follows with provisioning
(assignments, memberships, deactivations) hand their work to the `Provisioner`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from wizard.okta_simulator.filters import FilterSyntaxError, compile_filter, simple_equality
from wizard.okta_simulator.mappings import USER_TYPE_ID, app_id_of, mapping_detail, mapping_summary
from wizard.okta_simulator.provisioning import Provisioner
from wizard.okta_simulator.tenant import ApiError, ApiPrincipal, AppSettings, Tenant, iso, not_found

LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "nl", "pt", "sv", "zh")
LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "ja_JP", "nl_NL", "pt_BR", "sv_SE")


@dataclass
class Request:
    method: str
    path: str  # raw path, percent-encoded
    query: dict[str, str]
    origin: str  # scheme://host[:port] as the client addressed us
    body: Any = None
    principal: ApiPrincipal | None = None


@dataclass
class Reply:
    status: int
    body: Any = None
    # A list value is sent as one header line per item: Okta sends one `Link` line per rel.
    headers: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: str
    scope: str | None
    roles: frozenset[str] | None = None  # admin role types that may call it; None: any admin


def _route(
    method: str, template: str, handler: str, scope: str | None, roles: frozenset[str] | None = None
) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(method, re.compile(f"^{regex}$"), handler, scope, roles)


# Which standard admin roles may make each write, as far as Okta's role documentation goes (a
# simplification: Okta can narrow a role to some apps or groups, and custom roles carry their
# own permissions, which the simulator does not model, so a CUSTOM role allows no write here).
APP_WRITERS = frozenset({"SUPER_ADMIN", "APP_ADMIN"})
GROUP_WRITERS = frozenset({"SUPER_ADMIN", "ORG_ADMIN"})
USER_WRITERS = frozenset({"SUPER_ADMIN", "ORG_ADMIN", "USER_ADMIN"})
MEMBERS = USER_WRITERS | {"GROUP_MEMBERSHIP_ADMIN"}  # add or remove group members


ROUTES: tuple[Route, ...] = (
    _route("GET", "/api/v1/org", "get_org", "okta.orgs.read"),
    _route("GET", "/api/v1/users", "list_users", "okta.users.read"),
    _route("POST", "/api/v1/users", "create_user", "okta.users.manage", USER_WRITERS),
    _route(
        "POST",
        "/api/v1/users/{user}/lifecycle/deactivate",
        "deactivate_user",
        "okta.users.manage",
        USER_WRITERS,
    ),
    _route("GET", "/api/v1/users/{user}", "get_user", "okta.users.read"),
    _route("POST", "/api/v1/users/{user}", "update_user", "okta.users.manage", USER_WRITERS),
    _route("DELETE", "/api/v1/users/{user}", "delete_user", "okta.users.manage", USER_WRITERS),
    _route("GET", "/api/v1/users/{user}/roles", "list_user_roles", "okta.roles.read"),
    _route("GET", "/api/v1/apps", "list_apps", "okta.apps.read"),
    _route("POST", "/api/v1/apps", "create_app", "okta.apps.manage", APP_WRITERS),
    _route("GET", "/api/v1/apps/{app}", "get_app", "okta.apps.read"),
    _route("PUT", "/api/v1/apps/{app}", "replace_app", "okta.apps.manage", APP_WRITERS),
    _route("DELETE", "/api/v1/apps/{app}", "delete_app", "okta.apps.manage", APP_WRITERS),
    _route("POST", "/api/v1/apps/{app}/lifecycle/activate", "activate_app", "okta.apps.manage", APP_WRITERS),
    _route(
        "POST", "/api/v1/apps/{app}/lifecycle/deactivate", "deactivate_app", "okta.apps.manage", APP_WRITERS
    ),
    _route("GET", "/api/v1/apps/{app}/features", "list_features", "okta.apps.read"),
    _route("GET", "/api/v1/apps/{app}/features/{feature}", "get_feature", "okta.apps.read"),
    _route("GET", "/api/v1/apps/{app}/connections/default", "get_connection", "okta.apps.read"),
    _route("GET", "/api/v1/apps/{app}/groups", "list_app_groups", "okta.apps.read"),
    _route("GET", "/api/v1/apps/{app}/groups/{group}", "get_assignment", "okta.apps.read"),
    _route("PUT", "/api/v1/apps/{app}/groups/{group}", "assign_group", "okta.apps.manage", APP_WRITERS),
    _route("DELETE", "/api/v1/apps/{app}/groups/{group}", "unassign_group", "okta.apps.manage", APP_WRITERS),
    _route("GET", "/api/v1/apps/{app}/users", "list_app_users", "okta.apps.read"),
    _route("GET", "/api/v1/apps/{app}/users/{user}", "get_app_user", "okta.apps.read"),
    _route("GET", "/api/v1/groups", "list_groups", "okta.groups.read"),
    _route("POST", "/api/v1/groups", "create_group", "okta.groups.manage", GROUP_WRITERS),
    _route("GET", "/api/v1/groups/{group}", "get_group", "okta.groups.read"),
    _route("DELETE", "/api/v1/groups/{group}", "delete_group", "okta.groups.manage", GROUP_WRITERS),
    _route("GET", "/api/v1/groups/{group}/users", "list_group_users", "okta.groups.read"),
    _route("PUT", "/api/v1/groups/{group}/users/{user}", "add_member", "okta.groups.manage", MEMBERS),
    _route("DELETE", "/api/v1/groups/{group}/users/{user}", "remove_member", "okta.groups.manage", MEMBERS),
    _route("GET", "/api/v1/logs", "get_logs", "okta.logs.read"),
    _route("GET", "/api/v1/meta/schemas/apps/{app}/default", "get_app_schema", "okta.schemas.read"),
    _route("GET", "/api/v1/mappings", "list_mappings", "okta.profileMappings.read"),
    _route("GET", "/api/v1/mappings/{mapping}", "get_mapping", "okta.profileMappings.read"),
)


def match_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route and its (decoded) path parameters; raises 405-style errors for known paths."""
    known_path = False
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            known_path = True
            if route.method == method:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
    if known_path:
        raise ApiError(405, "E0000022", f"The endpoint does not support the provided HTTP method ({method})")
    return None


class Api:
    def __init__(self, tenant: Tenant, provisioner: Provisioner) -> None:
        self.t = tenant
        self.prov = provisioner

    def handle(self, route: Route, params: dict[str, str], req: Request) -> Reply:
        handler: Callable[..., Reply] = getattr(self, route.handler)
        with self.t.lock:
            return handler(req, **params)

    # -- org and users -------------------------------------------------------------------------
    def get_org(self, req: Request) -> Reply:
        org = dict(self.t.org)
        org["_links"] = {"contacts": {"href": f"{req.origin}/api/v1/org/contacts"}}
        return Reply(200, org)

    def list_users(self, req: Request) -> Reply:
        users = list(self.t.users.values())
        expr = req.query.get("search") or req.query.get("filter")
        if expr:
            users = [u for u in users if _predicate(expr)(u)]
        elif req.query.get("q"):
            q = req.query["q"].lower()
            users = [
                u
                for u in users
                if any(
                    str(u["profile"].get(k, "")).lower().startswith(q)
                    for k in ("login", "email", "firstName", "lastName")
                )
            ]
        return self._page(req, users, self._user, default_limit=200)

    def get_user(self, req: Request, user: str) -> Reply:
        if user == "me":
            if req.principal is None or req.principal.kind != "token":
                raise not_found("me", "User")
            user = req.principal.subject
        return Reply(200, self._user(self.t.user_by_id_or_login(user), req.origin))

    def list_user_roles(self, req: Request, user: str) -> Reply:
        user_id = self.t.user_by_id_or_login(user)["id"]
        roles = [
            {**role, "_links": {"assignee": {"href": f"{req.origin}/api/v1/users/{user_id}"}}}
            for role in self.t.admin_roles.get(user_id, [])
        ]
        return Reply(200, roles)

    def create_user(self, req: Request) -> Reply:
        activate = req.query.get("activate", "true").lower() != "false"
        user, group_ids = self.t.create_user(_object(req.body), activate=activate)
        for gid in group_ids:
            self._joined(gid, user["id"])
        return Reply(200, self._user(user, req.origin))

    def deactivate_user(self, req: Request, user: str) -> Reply:
        found = self.t.user_by_id_or_login(user)
        if found["status"] != "DEPROVISIONED":
            for app_id, user_id in self.t.delete_user(found["id"]):
                self._leave_app(app_id, user_id)
        return Reply(200, {})

    def update_user(self, req: Request, user: str) -> Reply:
        """Partial profile update (Okta's POST semantics): the given attributes change, a null
        clears one. Every app that pushes profile updates then pushes this user."""
        found = self.t.user_by_id_or_login(user)
        changes = _object(req.body).get("profile")
        if not isinstance(changes, dict):
            raise ApiError(400, "E0000001", "Api validation failed: profile", ["profile: must be an object"])
        profile = {**found["profile"], **changes}
        found["profile"] = {k: v for k, v in profile.items() if v is not None}
        found["lastUpdated"] = iso(self.t.clock())
        for app_id, users in self.t.app_users.items():
            settings = self.t.app_settings.get(app_id)
            if found["id"] in users and settings is not None and settings.pushes_profile_updates:
                self.prov.push_profile(app_id, found["id"])
        return Reply(200, self._user(found, req.origin))

    def delete_user(self, req: Request, user: str) -> Reply:
        for app_id, user_id in self.t.delete_user(self.t.user_by_id_or_login(user)["id"]):
            self._leave_app(app_id, user_id)
        return Reply(204)

    # -- apps ----------------------------------------------------------------------------------
    def list_apps(self, req: Request) -> Reply:
        apps = [a for a in self.t.apps.values() if a["status"] != "DELETED"]
        if req.query.get("q"):
            q = req.query["q"].lower()
            apps = [a for a in apps if a["label"].lower().startswith(q) or a["name"].lower().startswith(q)]
        if req.query.get("filter"):
            apps = [a for a in apps if _predicate(req.query["filter"])(a)]
        return self._page(req, apps, lambda a, o: self._app(a["id"], o), default_limit=20)

    def create_app(self, req: Request) -> Reply:
        body = _object(req.body)
        # Okta accepts `"features": []` in a create body and ignores it (terraform sends it).
        for read_only in ("id", "created", "lastUpdated", "status", "_links"):
            if read_only in body:
                raise ApiError(
                    400,
                    "E0000001",
                    f"Api validation failed: {read_only}",
                    [f"{read_only}: This property is read-only"],
                )
        app = self.t.create_app(body, activate=req.query.get("activate", "true").lower() != "false")
        return Reply(200, self._app(app["id"], req.origin))

    def get_app(self, req: Request, app: str) -> Reply:
        return Reply(200, self._app(app, req.origin))

    def replace_app(self, req: Request, app: str) -> Reply:
        self.t.replace_app(app, _object(req.body))
        return Reply(200, self._app(app, req.origin))

    def delete_app(self, req: Request, app: str) -> Reply:
        self.t.delete_app(app)
        return Reply(204)

    def activate_app(self, req: Request, app: str) -> Reply:
        self.t.set_app_status(app, "ACTIVE")
        return Reply(200, {})

    def deactivate_app(self, req: Request, app: str) -> Reply:
        self.t.set_app_status(app, "INACTIVE")
        return Reply(200, {})

    def list_features(self, req: Request, app: str) -> Reply:
        self.t.app(app)
        return Reply(200, [self._provisioning_feature(app, req.origin)])

    def get_feature(self, req: Request, app: str, feature: str) -> Reply:
        self.t.app(app)
        if feature == "INBOUND_PROVISIONING":
            return Reply(200, self._inbound_feature(app, req.origin))
        if feature != "USER_PROVISIONING" or self.t.opaque_provisioning:
            raise not_found(feature, "AppFeature")
        return Reply(200, self._provisioning_feature(app, req.origin))

    def get_connection(self, req: Request, app: str) -> Reply:
        self.t.app(app)
        settings = self.t.app_settings[app]
        enabled = settings.scim_enabled and settings.connection is not None
        body = {
            "authScheme": "TOKEN",
            "status": "ENABLED" if enabled else "DISABLED",
            "profile": {"authScheme": "TOKEN"},
            "_links": {"self": {"href": f"{req.origin}/api/v1/apps/{app}/connections/default"}},
        }
        if settings.connection is not None:
            body["baseUrl"] = settings.connection.base_url
        return Reply(200, body)

    # -- assignments ---------------------------------------------------------------------------
    def list_app_groups(self, req: Request, app: str) -> Reply:
        self.t.app(app)
        items = list(self.t.app_groups[app].values())
        return self._page(req, items, lambda a, o: self._assignment(app, a, o), default_limit=20)

    def get_assignment(self, req: Request, app: str, group: str) -> Reply:
        return Reply(200, self._assignment(app, self.t.assignment(app, group), req.origin))

    def assign_group(self, req: Request, app: str, group: str) -> Reply:
        body = _object(req.body) if req.body is not None else {}
        self._check_profile(app, dict(body.get("profile") or {}))
        assignment, created = self.t.assign_group(app, group, body)
        if self.t.app_settings[app].pushes:
            for user_id in created:
                self.prov.push(app, user_id)
        return Reply(200, self._assignment(app, assignment, req.origin))

    def unassign_group(self, req: Request, app: str, group: str) -> Reply:
        for user_id in self.t.unassign_group(app, group):
            self._leave_app(app, user_id)
        return Reply(204)

    def list_app_users(self, req: Request, app: str) -> Reply:
        self.t.app(app)
        items = list(self.t.app_users[app].values())
        return self._page(req, items, lambda u, o: self._app_user(app, u, o), default_limit=50)

    def get_app_user(self, req: Request, app: str, user: str) -> Reply:
        self.t.app(app)
        found = self.t.app_users[app].get(user)
        if found is None:
            raise not_found(user, "AppUser")
        return Reply(200, self._app_user(app, found, req.origin))

    # -- groups --------------------------------------------------------------------------------
    def list_groups(self, req: Request) -> Reply:
        search = req.query.get("search")
        if search:
            indexed = simple_equality(search)
            if indexed and indexed[0] == "profile.name":
                groups = self.t.groups_named(indexed[1])
            else:
                groups = [g for g in self.t.searchable_groups() if _predicate(search)(g)]
        elif req.query.get("q"):
            q = req.query["q"].lower()
            groups = [g for g in self.t.searchable_groups() if g["profile"]["name"].lower().startswith(q)]
        else:
            groups = list(self.t.groups.values())
        if req.query.get("filter"):
            groups = [g for g in groups if _predicate(req.query["filter"])(g)]
        return self._page(req, groups, self._group, default_limit=10000)

    def create_group(self, req: Request) -> Reply:
        return Reply(200, self._group(self.t.create_group(_object(req.body)), req.origin))

    def get_group(self, req: Request, group: str) -> Reply:
        return Reply(200, self._group(self.t.group(group), req.origin))

    def delete_group(self, req: Request, group: str) -> Reply:
        for app_id in self.t.delete_group(group):
            for user_id in self.t.orphaned_app_users(app_id):
                self._leave_app(app_id, user_id)
        return Reply(204)

    def list_group_users(self, req: Request, group: str) -> Reply:
        self.t.group(group)
        users = [self.t.users[uid] for uid in self.t.members[group] if uid in self.t.users]
        return self._page(req, users, self._member, default_limit=1000)

    def add_member(self, req: Request, group: str, user: str) -> Reply:
        if self.t.add_member(group, user):
            self._joined(group, user)
        return Reply(204)

    def remove_member(self, req: Request, group: str, user: str) -> Reply:
        self.t.remove_member(group, user)
        for app_id in self.t.assigned_apps_of_group(group):
            if user in self.t.orphaned_app_users(app_id):
                self._leave_app(app_id, user)
        return Reply(204)

    # -- logs and schemas ----------------------------------------------------------------------
    def get_logs(self, req: Request) -> Reply:
        events = self.t.logs
        since = req.query.get("since")
        until = req.query.get("until")
        if since:
            events = [e for e in events if e["published"] >= _norm_ts(since)]
        if until:
            events = [e for e in events if e["published"] < _norm_ts(until)]
        if req.query.get("filter"):
            events = [e for e in events if _predicate(req.query["filter"])(e)]
        if req.query.get("sortOrder", "ASCENDING") == "DESCENDING":
            events = list(reversed(events))
        return self._page(
            req,
            events,
            lambda e, _o: {k: v for k, v in e.items() if k != "_ts"},
            default_limit=100,
            key="uuid",
        )

    def get_app_schema(self, req: Request, app: str) -> Reply:
        found = self.t.app(app)
        return Reply(200, self._schema(app, found, req.origin))

    def list_mappings(self, req: Request) -> Reply:
        source, target = req.query.get("sourceId"), req.query.get("targetId")
        apps = [
            a
            for app_id, a in self.t.apps.items()
            if a["status"] != "DELETED" and (target is None or target == app_id)
        ]
        if source is not None and source not in (USER_TYPE_ID, *(a["id"] for a in apps)):
            apps = []
        return self._page(req, apps, lambda a, o: mapping_summary(self.t.app(a["id"]), o), default_limit=20)

    def get_mapping(self, req: Request, mapping: str) -> Reply:
        app_id = app_id_of(mapping)
        if app_id not in self.t.apps:
            raise not_found(mapping, "ProfileMapping")
        properties = self.t.app_settings[app_id].push_mapping
        return Reply(200, mapping_detail(self.t.app(app_id), properties, req.origin))

    # -- effects of membership on apps ---------------------------------------------------------
    def _joined(self, group_id: str, user_id: str) -> None:
        """A user joined a group: every app the group is assigned to gets (and pushes) them."""
        for app_id in self.t.assigned_apps_of_group(group_id):
            profile = self.t.app_groups[app_id][group_id]["profile"]
            if self.t.ensure_app_user(app_id, user_id, profile) and self.t.app_settings[app_id].pushes:
                self.prov.push(app_id, user_id)

    def _leave_app(self, app_id: str, user_id: str) -> None:
        settings = self.t.app_settings.get(app_id)
        if settings and settings.connection and settings.to_app_deactivate:
            self.prov.deactivate(app_id, user_id)  # the job removes the app user after the PUT
        else:
            self.t.app_users.get(app_id, {}).pop(user_id, None)

    def _check_profile(self, app_id: str, profile: dict[str, Any]) -> None:
        schema = self._schema(app_id, self.t.app(app_id), "")
        props = {
            **schema["definitions"]["base"]["properties"],
            **schema["definitions"]["custom"]["properties"],
        }
        causes = []
        for key, value in profile.items():
            prop = props.get(key)
            if prop is None:
                causes.append(f"profile: Property name '{key}' is not defined in profile")
            elif prop.get("oneOf") and value not in {o["const"] for o in prop["oneOf"]}:
                causes.append(f"profile.{key}: Does not match any allowed value")
        if causes:
            raise ApiError(400, "E0000001", "Api validation failed: profile", causes)

    # -- presentation --------------------------------------------------------------------------
    def _user(self, user: dict[str, Any], origin: str) -> dict[str, Any]:
        """A user as `GET /users/{id}` and `POST /users` show it: lifecycle links included."""
        base = f"{origin}/api/v1/users/{user['id']}"
        type_id = (user.get("type") or {}).get("id", "")

        def action(name: str) -> dict[str, str]:
            return {"href": f"{base}/lifecycle/{name}", "method": "POST"}

        links: dict[str, Any] = {"self": {"href": base}}
        if user["status"] in ("ACTIVE", "PROVISIONED", "RECOVERY", "PASSWORD_EXPIRED"):
            links |= {
                "suspend": action("suspend"),
                "resetPassword": action("reset_password"),
                "reactivate": action("reactivate"),
                "resetFactors": action("reset_factors"),
                "deactivate": action("deactivate"),
            }
        links["schema"] = {"href": f"{origin}/api/v1/meta/schemas/user/osc{type_id[3:]}"}
        links["type"] = {"href": f"{origin}/api/v1/meta/types/user/{type_id}"}
        return {**user, "_links": links}

    def _member(self, user: dict[str, Any], origin: str) -> dict[str, Any]:
        """A user in a list (group members): only its `self` link, as Okta lists them."""
        return {**user, "_links": {"self": {"href": f"{origin}/api/v1/users/{user['id']}"}}}

    def _group(self, group: dict[str, Any], origin: str) -> dict[str, Any]:
        # Real groups carry logo, owners, users and apps links, and no `self`.
        base = f"{origin}/api/v1/groups/{group['id']}"
        return {
            **group,
            "_links": {
                "logo": [
                    {
                        "name": size,
                        "href": f"{origin}/assets/img/logos/groups/okta-{size}.png",
                        "type": "image/png",
                    }
                    for size in ("medium", "large")
                ],
                "owners": {"href": f"{base}/owners"},
                "users": {"href": f"{base}/users"},
                "apps": {"href": f"{base}/apps"},
            },
        }

    def _app(self, app_id: str, origin: str) -> dict[str, Any]:
        app = self.t.app(app_id)
        base = f"{origin}/api/v1/apps/{app_id}"
        lifecycle = "deactivate" if app["status"] == "ACTIVE" else "activate"
        # The links a real SAML app carries (no `self`): help on the admin host, logo, policies…
        links: dict[str, Any] = {
            "help": {
                "href": f"{origin}/app/{app['name']}/{app_id}/setup/help/{app['signOnMode']}/instructions",
                "type": "text/html",
            },
        }
        if app["signOnMode"] == "SAML_2_0":
            links["metadata"] = {"href": f"{base}/sso/saml/metadata", "type": "application/xml"}
        links |= {
            "uploadLogo": {"href": f"{base}/logo", "hints": {"allow": ["POST"]}},
            "appLinks": [
                {
                    "name": f"{app['name']}_link",
                    "href": f"{origin}/home/{app['name']}/{app_id}/aln1",
                    "type": "text/html",
                }
            ],
            "profileEnrollment": {"href": f"{origin}/api/v1/policies/rst1simulatedenroll"},
            "policies": {"href": f"{base}/policies", "hints": {"allow": ["PUT"]}},
            "groups": {"href": f"{base}/groups"},
            "logo": [
                {"name": "medium", "href": f"{origin}/assets/img/logos/default.png", "type": "image/png"}
            ],
            "accessPolicy": {"href": f"{origin}/api/v1/policies/rst1simulatedaccess"},
            "users": {"href": f"{base}/users"},
            lifecycle: {"href": f"{base}/lifecycle/{lifecycle}"},
        }
        return {**app, "_links": links}

    def _assignment(self, app_id: str, assignment: dict[str, Any], origin: str) -> dict[str, Any]:
        return {
            **assignment,
            "_links": {
                "app": {"href": f"{origin}/api/v1/apps/{app_id}"},
                "self": {"href": f"{origin}/api/v1/apps/{app_id}/groups/{assignment['id']}"},
                "group": {"href": f"{origin}/api/v1/groups/{assignment['id']}"},
            },
        }

    def _app_user(self, app_id: str, app_user: dict[str, Any], origin: str) -> dict[str, Any]:
        # Null keys stay: real app users carry `"externalId": null` until the first push.
        shown = dict(app_user)
        shown["_links"] = {
            "app": {"href": f"{origin}/api/v1/apps/{app_id}"},
            "user": {"href": f"{origin}/api/v1/users/{app_user['id']}"},
        }
        return shown

    def _provisioning_settings(self, app_id: str) -> AppSettings:
        """The app's provisioning settings; Okta refuses the feature reads while SCIM is off."""
        settings = self.t.app_settings[app_id]
        if not (settings.scim_enabled and settings.connection is not None):
            raise ApiError(
                400,
                "E0000001",
                "Api validation failed: Provisioning is not enabled for this application",
                ["Provisioning is not enabled for this application."],
            )
        return settings

    def _provisioning_feature(self, app_id: str, origin: str) -> dict[str, Any]:
        settings = self._provisioning_settings(app_id)

        def flag(on: bool) -> dict[str, str]:
            return {"status": "ENABLED" if on else "DISABLED"}

        return {
            "name": "USER_PROVISIONING",
            "status": "ENABLED",
            "description": "User provisioning settings from Okta to a downstream application",
            "capabilities": {
                "create": {"lifecycleCreate": flag(settings.to_app_create)},
                "update": {
                    "lifecycleDeactivate": flag(settings.to_app_deactivate),
                    "profile": flag(settings.to_app_update),
                    "password": {"status": "DISABLED", "seed": "RANDOM", "change": "KEEP_EXISTING"},
                },
            },
            "_links": {
                "self": {
                    "href": f"{origin}/api/v1/apps/{app_id}/features/USER_PROVISIONING",
                    "hints": {"allow": ["GET", "PUT"]},
                },
            },
        }

    def _inbound_feature(self, app_id: str, origin: str) -> dict[str, Any]:
        """Import settings, in the shape recorded from a real org (the wizard never imports)."""
        settings = self._provisioning_settings(app_id)
        return {
            "name": "INBOUND_PROVISIONING",
            "status": "ENABLED" if settings.connection.import_new_users else "DISABLED",
            "description": (
                "In-bound provisioning settings for provisioning users from an application to Okta"
            ),
            "capabilities": {
                "importSettings": {
                    "username": {"userNameFormat": "EMAIL"},
                    "schedule": {"status": "DISABLED", "fullImport": None, "incrementalImport": None},
                },
                "importRules": {
                    "userCreateAndMatch": {
                        "exactMatchCriteria": "USERNAME",
                        "allowPartialMatch": True,
                        "autoConfirmPartialMatch": False,
                        "autoConfirmExactMatch": False,
                        "autoConfirmNewUsers": False,
                        "autoActivateNewUsers": False,
                    }
                },
            },
            "_links": {
                "self": {
                    "href": f"{origin}/api/v1/apps/{app_id}/features/INBOUND_PROVISIONING",
                    "hints": {"allow": ["GET", "PUT"]},
                },
            },
        }

    def _schema(self, app_id: str, app: dict[str, Any], origin: str) -> dict[str, Any]:
        def attr(title: str, **extra: Any) -> dict[str, Any]:
            return {
                "title": title,
                "type": "string",
                "scope": "NONE",
                "master": {"type": "PROFILE_MASTER"},
                "mutability": "READ_WRITE",
                **extra,
            }

        custom: dict[str, Any] = {}
        if self.t.app_settings[app_id].scim_enabled:
            custom = {
                "givenName": attr("Given name"),
                "familyName": attr("Family name"),
                "email": attr("Email"),
                "displayName": attr("Display name"),
                "preferredLanguage": attr(
                    "Preferred language", oneOf=[{"const": c, "title": c} for c in LANGUAGES]
                ),
                "locale": attr("Locale", oneOf=[{"const": c, "title": c} for c in LOCALES]),
            }
        now = app["created"]
        return {
            "id": f"{origin}/meta/schemas/apps/{app_id}/default",
            "$schema": "http://json-schema.org/draft-04/schema#",
            "name": app["name"],
            "title": f"{app['label']} User",
            "created": now,
            "lastUpdated": iso(self.t.clock()),
            "type": "object",
            "definitions": {
                "base": {
                    "id": "#base",
                    "type": "object",
                    "properties": {"userName": attr("Username", required=True, maxLength=100, minLength=1)},
                    "required": ["userName"],
                },
                # No `required` list when nothing is required (recorded).
                "custom": {"id": "#custom", "type": "object", "properties": custom},
            },
            "properties": {
                "profile": {"allOf": [{"$ref": "#/definitions/custom"}, {"$ref": "#/definitions/base"}]}
            },
        }

    # -- pagination ----------------------------------------------------------------------------
    def _page(
        self,
        req: Request,
        items: list[dict[str, Any]],
        present: Callable[[dict[str, Any], str], dict[str, Any]],
        *,
        default_limit: int,
        key: str = "id",
    ) -> Reply:
        try:
            limit = max(1, min(int(req.query.get("limit", default_limit)), 10000))
        except ValueError:
            raise ApiError(
                400, "E0000001", "Api validation failed: limit", ["limit: must be a number"]
            ) from None
        start = 0
        after = req.query.get("after")
        if after:
            for index, item in enumerate(items):
                if item[key] == after:
                    start = index + 1
                    break
        page = items[start : start + limit]
        links = [f'<{req.origin}{req.path}?{urlencode(req.query)}>; rel="self"']
        if start + limit < len(items) and page:
            query = {**req.query, "after": page[-1][key], "limit": str(limit)}
            links.append(f'<{req.origin}{req.path}?{urlencode(query)}>; rel="next"')
        return Reply(200, [present(item, req.origin) for item in page], {"Link": links})


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "E0000003", "The request body was not well-formed.")
    return body


def _predicate(expr: str) -> Callable[[dict[str, Any]], bool]:
    try:
        return compile_filter(expr)
    except FilterSyntaxError as exc:
        raise ApiError(400, "E0000031", f"Invalid search criteria. {exc}") from None


def _norm_ts(value: str) -> str:
    # Stored timestamps are `YYYY-MM-DDTHH:MM:SS.mmmZ`; compare textually in that form.
    value = value.strip()
    if len(value) == 20 and value.endswith("Z"):
        return value[:-1] + ".000Z"
    return value
