"""`OktaSimulator`: a stateful Okta org on loopback, for the demo and the tests (DESIGN §7).

>>> with OktaSimulator() as sim:                     # doctest: +SKIP
...     sim.seed(users=1000, groups=100, apps=10)
...     sim.base_url, sim.api_token
('http://127.0.0.1:54321', '00sim…')

Console-only settings (SCIM provisioning, the SCIM connection, To App actions, mapped
attributes) change only through the control methods here, never through the public API.
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from pydantic import SecretStr

from wizard.okta_simulator.api import Api, Reply, Request, match_route
from wizard.okta_simulator.clock import system_clock
from wizard.okta_simulator.oauth import AuthorizationServer, ServiceApp
from wizard.okta_simulator.provisioning import Provisioner
from wizard.okta_simulator.server import (
    Exchange,
    Fault,
    SimulatorServer,
    Traffic,
    authenticate,
    error_reply,
    make_handler,
    oauth_reply,
)
from wizard.okta_simulator.tenant import ApiError, ApiPrincipal, ScimConnection, Tenant
from wizard.serving import stop_promptly

CONSOLE_PREFIX = "/__console/"
_FIRST = ("Alex", "Sam", "Robin", "Kim", "Jo", "Lee", "Max", "Noa", "Ira", "Ty")
_LAST = ("Meyer", "Okafor", "Silva", "Tanaka", "Nowak", "Haddad", "Berg", "Costa", "Ivanova", "Park")


class OktaSimulator:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = system_clock,
        subdomain: str = "acme",
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        record: bool = True,
    ) -> None:
        self.clock = clock
        self.tenant = Tenant(clock, subdomain)
        self.traffic = Traffic()
        self.oauth = AuthorizationServer(clock)
        self.api_tokens: dict[str, ApiPrincipal] = {}
        self.api_token = self.create_api_token()
        self.console_token = secrets.token_urlsafe(16)
        self.tls = ssl_context is not None
        self.record_exchanges = record
        self._ssl_context = ssl_context
        self._host = host
        self._port = port
        self._server: SimulatorServer | None = None
        self._thread: threading.Thread | None = None
        self.provisioner: Provisioner | None = None
        self._api: Api | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> OktaSimulator:
        if self._server is not None:
            return self
        self.provisioner = Provisioner(self.tenant)
        self._api = Api(self.tenant, self.provisioner)
        server = SimulatorServer((self._host, self._port), make_handler(self))
        if self._ssl_context is not None:
            server.socket = self._ssl_context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="okta-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            stop_promptly(server)
            server.close_connections()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.provisioner is not None:
            self.provisioner.close()
            self.provisioner = None

    def __enter__(self) -> OktaSimulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("The Okta simulator is not running; call start() first.")
        return int(self._server.server_address[1])

    @property
    def host_port(self) -> str:
        return f"{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host_port}"

    # -- credentials ---------------------------------------------------------------------------
    def create_api_token(self, scopes: set[str] | None = None, roles: Iterable[str] | None = None) -> str:
        """A token acting as the seeded admin, a Super Administrator; `scopes` narrows what it may
        call. With `roles` (admin role types such as "READ_ONLY_ADMIN", "APP_ADMIN", "CUSTOM"), the
        token belongs to a new admin holding exactly those roles, as a token carries the rights of
        the admin who created it."""
        subject = self.tenant.admin_id
        if roles is not None:
            with self.tenant.lock:
                number = len(self.tenant.admin_roles) + 1
                domain = f"{self.tenant.org['subdomain']}.example.com"
                login = f"admin{number}@{domain}"
                subject = self.tenant.add_user(
                    {"firstName": "Admin", "lastName": str(number), "login": login, "email": login}
                )["id"]
                self.tenant.assign_roles(subject, list(roles))
        token = "00" + secrets.token_urlsafe(30)
        narrowed = frozenset(scopes) if scopes is not None else None
        self.api_tokens[token] = ApiPrincipal("token", subject, narrowed)
        return token

    def revoke_api_token(self, token: str) -> None:
        self.api_tokens.pop(token, None)

    def register_service_app(
        self, client_id: str, public_jwk: dict[str, Any], scopes: set[str], *, require_dpop: bool = True
    ) -> None:
        self.oauth.register(ServiceApp(client_id, dict(public_jwk), frozenset(scopes), require_dpop))

    # -- traffic shaping -----------------------------------------------------------------------
    def set_rate_limit(self, limit: int, window: float = 60.0) -> None:
        self.traffic.limit, self.traffic.window = limit, window
        self.traffic.windows.clear()

    def inject(self, path: str, **kwargs: Any) -> Fault:
        """Misbehave on requests whose path matches the glob: `status=503`, `delay=2`,
        `drop=True`, `status=429, retry_after=7`, for `times` requests (default 1)."""
        fault = Fault(path, **kwargs)
        with self.traffic.lock:
            self.traffic.faults.append(fault)
        return fault

    def fail_like_recorded(self, path: str, method: str | None = None, *, times: int = 2) -> Fault:
        """The recorded fault: real Okta answered `DELETE /api/v1/apps/{id}` with 500 E0000009
        twice, then 204 (terraform-provider-okta's cassettes). `times` 500s, then success."""
        return self.inject(path, method=method, status=500, error_code="E0000009", times=times)

    def reset(self) -> None:
        """Forget every object and fault: a fresh org on the same port (the replay tests)."""
        with self.tenant.lock:
            tenant = Tenant(self.clock, self.tenant.org["subdomain"])
            self.tenant = tenant
            self.api_tokens = {}
            self.api_token = self.create_api_token()
            if self.provisioner is not None:
                self._api = Api(tenant, self.provisioner)
                self.provisioner.tenant = tenant
        self.clear_faults()

    def clear_faults(self) -> None:
        with self.traffic.lock:
            self.traffic.faults.clear()

    def set_group_search_lag(self, seconds: float) -> None:
        self.tenant.group_search_lag = seconds

    @property
    def exchanges(self) -> list[Exchange]:
        with self.traffic.lock:
            return list(self.traffic.exchanges)

    def record(self, exchange: Exchange) -> None:
        if self.record_exchanges:
            with self.traffic.lock:
                self.traffic.exchanges.append(exchange)

    # -- console-only controls -----------------------------------------------------------------
    def enable_scim_provisioning(self, app_id: str, enabled: bool = True) -> None:
        """General tab → "Enable SCIM provisioning"."""
        with self.tenant.lock:
            self.tenant.app(app_id)
            settings = self.tenant.app_settings[app_id]
            settings.scim_enabled = enabled
            if not enabled:
                settings.connection = None
                settings.to_app_create = settings.to_app_update = settings.to_app_deactivate = False

    def set_scim_connection(
        self,
        app_id: str,
        base_url: str,
        token: str | SecretStr,
        *,
        unique_id_field: str = "userName",
        push_new_users: bool = True,
        push_profile_updates: bool = True,
        import_new_users: bool = False,
        auth_mode: str = "HTTP Header",
        test: bool = True,
    ) -> tuple[bool, str]:
        """Provisioning → Integration: fill the form, optionally "Test Connector Configuration",
        then Save. Returns the test's outcome; a failed test still saves, as Okta allows."""
        with self.tenant.lock:
            self.tenant.app(app_id)
            if not self.tenant.app_settings[app_id].scim_enabled:
                raise ValueError("Enable SCIM provisioning on the General tab first.")
        connection = ScimConnection(
            base_url=base_url.rstrip("/"),
            token=token if isinstance(token, SecretStr) else SecretStr(token),
            unique_id_field=unique_id_field,
            push_new_users=push_new_users,
            push_profile_updates=push_profile_updates,
            import_new_users=import_new_users,
            auth_mode=auth_mode,
        )
        outcome = (True, "not tested")
        if test:
            assert self.provisioner is not None, "start() the simulator first"
            outcome = self.provisioner.test_connection(connection)
        with self.tenant.lock:
            self.tenant.app_settings[app_id].connection = connection
        return outcome

    def set_to_app(
        self,
        app_id: str,
        *,
        create: bool | None = None,
        update: bool | None = None,
        deactivate: bool | None = None,
    ) -> None:
        """Provisioning → To App: Create Users / Update User Attributes / Deactivate Users."""
        with self.tenant.lock:
            self.tenant.app(app_id)
            settings = self.tenant.app_settings[app_id]
            if settings.connection is None:
                raise ValueError("Save the SCIM connection (Provisioning → Integration) first.")
            if create is not None:
                settings.to_app_create = create
            if update is not None:
                settings.to_app_update = update
            if deactivate is not None:
                settings.to_app_deactivate = deactivate

    def set_mapped_attributes(self, app_id: str, names: set[str]) -> None:
        """Profile Editor mappings: these app attributes can no longer be set on assignments."""
        with self.tenant.lock:
            self.tenant.app(app_id)
            self.tenant.app_settings[app_id].mapped_attributes = set(names)

    def set_profile_mapping(self, app_id: str, properties: dict[str, dict[str, str]]) -> None:
        """Profile Editor › Mappings (Okta user → app): replace the app's mapping properties."""
        with self.tenant.lock:
            self.tenant.app(app_id)
            self.tenant.app_settings[app_id].push_mapping = {k: dict(v) for k, v in properties.items()}

    def set_push_delay(self, seconds: float) -> None:
        """Hold each provisioning job this long on the simulator's clock; `settle()` then runs
        the ones that are due (a test's ManualClock makes delivery times exact)."""
        assert self.provisioner is not None, "start() the simulator first"
        self.provisioner.delay = max(0.0, seconds)

    def retry_failed_pushes(self, app_id: str) -> list[str]:
        """Dashboard › Tasks › Retry Selected: push again every app user in sync ERROR."""
        assert self.provisioner is not None, "start() the simulator first"
        with self.tenant.lock:
            failed = [
                uid
                for uid, u in self.tenant.app_users.get(app_id, {}).items()
                if u.get("syncState") == "ERROR"
            ]
        for user_id in failed:
            self.provisioner.push(app_id, user_id)
        return failed

    def configure_provisioning(self, app_id: str, base_url: str, token: str | SecretStr) -> tuple[bool, str]:
        """Everything an admin does in the console for steps 9–14, in one call (demo button)."""
        self.enable_scim_provisioning(app_id)
        outcome = self.set_scim_connection(app_id, base_url, token)
        self.set_to_app(app_id, create=True, update=True, deactivate=True)
        return outcome

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every queued provisioning push has finished."""
        if self.provisioner is not None:
            self.provisioner.settle(timeout)

    # -- data ----------------------------------------------------------------------------------
    def seed(self, users: int = 0, groups: int = 0, apps: int = 0, *, members_per_group: int = 3) -> None:
        """Fill the tenant with realistic filler quickly (dict inserts only)."""
        t = self.tenant
        with t.lock:
            user_ids = []
            for i in range(users):
                first, last = _FIRST[i % len(_FIRST)], _LAST[(i // len(_FIRST)) % len(_LAST)]
                login = f"{first.lower()}.{last.lower()}{i}@{t.org['subdomain']}.example.com"
                user_ids.append(
                    t.add_user({"firstName": first, "lastName": last, "login": login, "email": login})["id"]
                )
            for i in range(groups):
                group = t.add_group(f"Team {i:05d}", f"Seeded group {i}")
                for k in range(members_per_group if user_ids else 0):
                    t._join(group["id"], user_ids[(i * members_per_group + k) % len(user_ids)])
            for i in range(apps):
                mode = "SAML_2_0" if i % 3 else "OPENID_CONNECT"
                t.add_app(f"Seeded App {i:04d}", mode)

    def add_user(self, login: str, first: str = "Test", last: str = "User", groups: list[str] = ()) -> str:
        """A user created "elsewhere" (not by the client under test)."""
        with self.tenant.lock:
            user = self.tenant.add_user(
                {"firstName": first, "lastName": last, "login": login, "email": login}
            )
            for gid in groups:
                self.tenant._join(gid, user["id"])
            return str(user["id"])

    def add_group(self, name: str, description: str = "") -> str:
        with self.tenant.lock:
            return str(self.tenant.add_group(name, description)["id"])

    def app_users(self, app_id: str) -> list[dict[str, Any]]:
        with self.tenant.lock:
            return [dict(u) for u in self.tenant.app_users.get(app_id, {}).values()]

    # -- dispatch ------------------------------------------------------------------------------
    def dispatch(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        origin: str,
        raw: bytes,
        headers: Any,
        fault: Fault | None,
    ) -> Reply:
        if path == "/oauth2/v1/token" and method == "POST":
            return oauth_reply(self, raw, headers, origin + path)
        if path.startswith(CONSOLE_PREFIX):
            return self._console(method, path, raw, headers)
        bucket = "/".join(path.split("/")[:4])
        reply = self._dispatch_api(method, path, query, origin, raw, headers, fault, bucket)
        if not any(name.lower() == "x-rate-limit-limit" for name in reply.headers):
            # Okta documents the rate-limit headers on every response, errors included.
            window = self.traffic.peek(bucket, self.clock())
            reply.headers.update(
                _limit_headers(window.limit, window.limit - window.used, window.start + window.window)
            )
        return reply

    def _dispatch_api(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        origin: str,
        raw: bytes,
        headers: Any,
        fault: Fault | None,
        bucket: str,
    ) -> Reply:
        try:
            if fault is not None and fault.status is not None:
                if fault.status == 429:
                    return self._rate_limited(fault.retry_after)
                code = fault.error_code or ("E0000009" if fault.status >= 500 else "E0000001")
                return error_reply(ApiError(fault.status, code))
            found = match_route(method, path)
            if found is None:
                raise ApiError(404, "E0000022", f"Resource not found: {path}")
            route, params = found
            principal = authenticate(self, method, origin + path, headers)
            allowed, window = self.traffic.take(bucket, self.clock())
            limit_headers = _limit_headers(
                window.limit, window.limit - window.used, window.start + window.window
            )
            if not allowed:
                reply = error_reply(ApiError(429, "E0000047"))
                reply.headers.update(limit_headers)
                return reply
            refused = not principal.allows(route.scope) or (
                route.roles is not None
                and principal.acts_as_admin
                and not (self.tenant.role_types(principal.subject) & route.roles)
            )
            if refused:
                reply = error_reply(ApiError(403, "E0000006"))
                reply.headers.update(limit_headers)
                return reply
            body = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise ApiError(400, "E0000003", "The request body was not well-formed.") from None
            assert self._api is not None
            reply = self._api.handle(route, params, Request(method, path, query, origin, body, principal))
            reply.headers.update(limit_headers)
            return reply
        except ApiError as error:
            return error_reply(error)

    def _console(self, method: str, path: str, raw: bytes, headers: Any) -> Reply:
        """The control interface over HTTP: `POST /__console/apps/{id}/{action}` with JSON,
        authorised by `X-Simulator-Console: <console_token>`, never by Okta credentials."""
        if headers.get("X-Simulator-Console") != self.console_token:
            return Reply(401, {"error": "X-Simulator-Console header missing or wrong"})
        parts = path[len(CONSOLE_PREFIX) :].strip("/").split("/")
        if method != "POST" or len(parts) != 3 or parts[0] != "apps":
            return Reply(404, {"error": "use POST /__console/apps/{appId}/{action}"})
        _, app_id, action = parts
        try:
            data = json.loads(raw or b"{}")
            if action == "scim-provisioning":
                self.enable_scim_provisioning(app_id, bool(data.get("enabled", True)))
                return Reply(200, {"ok": True})
            if action == "connection":
                ok, message = self.set_scim_connection(
                    app_id,
                    str(data["baseUrl"]),
                    str(data["token"]),
                    unique_id_field=str(data.get("uniqueIdField", "userName")),
                    push_new_users=bool(data.get("pushNewUsers", True)),
                    push_profile_updates=bool(data.get("pushProfileUpdates", True)),
                    test=bool(data.get("test", True)),
                )
                return Reply(200, {"ok": ok, "message": message})
            if action == "to-app":
                self.set_to_app(
                    app_id,
                    create=data.get("create"),
                    update=data.get("update"),
                    deactivate=data.get("deactivate"),
                )
                return Reply(200, {"ok": True})
        except ApiError as error:
            return error_reply(error)
        except (ValueError, KeyError, TypeError) as exc:
            return Reply(400, {"error": f"{type(exc).__name__}: {exc}"})
        return Reply(404, {"error": f"unknown action {action!r}"})

    def _rate_limited(self, retry_after: int) -> Reply:
        now = self.clock()
        reply = error_reply(ApiError(429, "E0000047"))
        reply.headers.update(_limit_headers(self.traffic.limit, 0, int(now) + retry_after))
        return reply


def _limit_headers(limit: int, remaining: int, reset: float) -> dict[str, str | list[str]]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(max(0, remaining)),
        "X-Rate-Limit-Reset": str(int(reset)),
    }
