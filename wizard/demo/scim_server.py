"""A real SCIM 2.0 server standing in for Kandji, for the demo and the tests (DESIGN §7).

`scim2-server`'s in-memory storage serves the SCIM protocol; a small WSGI gate in front of it
mounts it at `/api/v1/scim` (Kandji's path), refuses requests without the right
`Authorization: Bearer <token>` with a SCIM 401 body, and records every request so tests can
check which credentials reached which host. It runs on 127.0.0.1 at a random port in a daemon
thread, on the standard library's `wsgiref` (scim2-server itself needs no web framework).
"""

from __future__ import annotations

import functools
import json
import ssl
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import application_uri

from pydantic import SecretStr

from wizard.serving import stop_promptly

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from scim2_models import ScimProvider
    from scim2_server.memory import InMemoryStorage

MOUNT_PATH = "/api/v1/scim"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"

_NOT_FOUND_PAGE = (
    b"<!DOCTYPE html><html><head><title>Not found</title></head><body><h1>Page not found</h1></body></html>"
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it. `authorization` is the raw header value (tests only)."""

    method: str
    path: str  # path and query string, as sent
    status: int
    authorization: str | None

    def __repr__(self) -> str:
        # The header may hold a token: keep it out of pytest's failure output.
        auth = None if self.authorization is None else "<redacted>"
        return f"RecordedRequest({self.method} {self.path} -> {self.status}, authorization={auth})"


class RequestLog:
    """A thread-safe, append-only list of the requests a server answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def authorizations(self) -> set[str | None]:
        """Every distinct Authorization header value received."""
        return {item.authorization for item in self.snapshot()}

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __getitem__(self, index: int) -> RecordedRequest:
        with self._lock:
            return self._items[index]


class BearerGate:
    """WSGI middleware: mount `app` at `MOUNT_PATH`, require the bearer token, log requests."""

    def __init__(
        self,
        app: WSGIApplication,
        token: str,
        *,
        accept_any_token: bool,
        log: RequestLog,
    ) -> None:
        self.app = app
        self._token = token
        self.accept_any_token = accept_any_token
        self.log = log

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        full_path = path + (f"?{query}" if query else "")
        authorization = environ.get("HTTP_AUTHORIZATION")

        def record(status: int) -> None:
            self.log.append(RecordedRequest(environ["REQUEST_METHOD"], full_path, status, authorization))

        if path != MOUNT_PATH and not path.startswith(MOUNT_PATH + "/"):
            # Kandji's web front answers paths outside the API with a page, not JSON.
            record(404)
            start_response("404 Not Found", [("Content-Type", "text/html; charset=utf-8")])
            return [_NOT_FOUND_PAGE]

        if not self._authorized(authorization):
            record(401)
            body = json.dumps(
                {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "401",
                    "detail": "Authorization failure. The authorization header is invalid or missing.",
                }
            ).encode()
            start_response(
                "401 Unauthorized",
                [("Content-Type", "application/scim+json"), ("WWW-Authenticate", 'Bearer realm="SCIM"')],
            )
            return [body]

        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + MOUNT_PATH
        environ["PATH_INFO"] = path[len(MOUNT_PATH) :]
        seen: list[int] = []

        def recording_start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            seen.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, *args)

        result = self.app(environ, recording_start_response)
        record(seen[0] if seen else 500)
        return result

    def _authorized(self, header: str | None) -> bool:
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not value:
            return False
        return self.accept_any_token or value == self._token

    def replace_token(self, token: str) -> None:
        """Kandji's "regenerate token": from the next request on, only `token` is accepted."""
        self._token = token


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        # wsgiref logs every request to stderr; the RequestLog records them instead.
        pass


_provider_lock = threading.Lock()


@functools.cache
def _build_provider() -> ScimProvider:
    from scim2_models import ScimProvider
    from scim2_server.testserver.application import BEARER_TOKEN_SCHEME
    from scim2_server.utils import (
        load_default_resource_types,
        load_default_schemas,
        load_default_service_provider_config,
    )

    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    return ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )


def _provider() -> ScimProvider:
    """The SCIM models every server in this process shares. Building them takes about 0.3 s of
    pydantic work; they are read-only afterwards (each server keeps its own storage), and the
    provider a request runs under is kept per thread by scim2-models' context variables."""
    with _provider_lock:
        return _build_provider()


class ScimServer:
    """A Kandji-like SCIM server on loopback.

    >>> with ScimServer("s3cret") as server:
    ...     server.base_url  # doctest: +SKIP
    'http://127.0.0.1:54321/api/v1/scim'
    """

    def __init__(
        self,
        token: str | SecretStr,
        *,
        accept_any_token: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._token = token.get_secret_value() if isinstance(token, SecretStr) else token
        self.accept_any_token = accept_any_token
        self.host = host
        self._port = port
        self.ssl_context = ssl_context
        self.requests = RequestLog()
        self._storage: InMemoryStorage | None = None
        self._gate: BearerGate | None = None
        self._server: _ThreadingWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> ScimServer:
        if self._server is not None:
            return self
        # Imported here: the wizard only pays for scim2-server when a demo or test starts one.
        from scim2_server.applications.wsgi import WSGIApplication
        from scim2_server.memory import InMemoryStorage
        from scim2_server.service import ScimService

        provider = _provider()
        self._storage = InMemoryStorage()

        class KandjiLikeApplication(WSGIApplication):
            @staticmethod
            def get_base_url(environ: WSGIEnvironment) -> str:
                # scim2-server adds "/v2" to resource locations; Kandji's base URL has none.
                return application_uri(environ).rstrip("/")

        scim_app = KandjiLikeApplication(self._storage, provider, ScimService(provider, secret=None))
        gate = BearerGate(scim_app, self._token, accept_any_token=self.accept_any_token, log=self.requests)
        self._gate = gate
        server = make_server(
            self.host, self._port, gate, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        if self.ssl_context is not None:
            server.socket = self.ssl_context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="scim-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        stop_promptly(server)
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> ScimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def rotate_token(self, new: str | None = None) -> SecretStr:
        """Regenerate the bearer token the way Kandji does: a new one is returned (shown once) and
        the old one is refused at once, with no grace period. Tests may choose the new value."""
        import secrets as _random

        new = new or "kandji-demo-" + _random.token_urlsafe(24)
        self._token = new
        if self._gate is not None:
            self._gate.replace_token(new)
        return SecretStr(new)

    # -- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        # Kept after stop() so a test can still name the address it used.
        if self._server is not None:
            self._port = int(self._server.server_address[1])
        if not self._port:
            raise RuntimeError("The SCIM server was never started; call start() first.")
        return self._port

    @property
    def origin(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The SCIM base URL an admin would paste, e.g. `http://127.0.0.1:PORT/api/v1/scim`."""
        return self.origin + MOUNT_PATH

    # -- stored data -------------------------------------------------------------------------
    def users(self) -> list[dict[str, Any]]:
        """Stored users as SCIM JSON (camelCase keys: userName, active, externalId, …)."""
        return [r for r in self._dump_all() if USER_SCHEMA in r.get("schemas", [])]

    def seed_users(self, users: Iterable[dict[str, Any]]) -> list[str]:
        """Store users directly (SCIM JSON, as Okta would have POSTed them), bypassing HTTP, so a
        test or benchmark can start from 50,000 existing users in seconds. Returns their ids.

        The users go in through the storage's `resources` property, which indexes them as
        `create` would, without `create`'s two deep copies per user (they were over half the
        cost of seeding). `create` also refuses a userName already taken, so that is checked
        here, as SCIM compares it: case-insensitively."""
        storage = self._storage
        if storage is None:
            raise RuntimeError("The SCIM server was never started; call start() first.")
        from scim2_models import Meta, User
        from scim2_server.utils import load_default_resource_types

        user_type = load_default_resource_types()["User"]
        with storage.lock:
            existing = storage.resources
            taken = {r.user_name.casefold() for r in existing if isinstance(r, User) and r.user_name}
            added: list[User] = []
            for data in users:
                user = User.model_validate({"schemas": [USER_SCHEMA], **data})
                name = (user.user_name or "").casefold()
                if name in taken:
                    raise ValueError(f"userName {user.user_name!r} is already taken in the SCIM server")
                taken.add(name)
                user.id = storage.generate_id(user_type, user)
                now = storage.clock()
                version = storage.next_version()
                user.meta = Meta(resource_type="User", created=now, last_modified=now, version=version)
                added.append(user)
            storage.resources = [*existing, *added]
        return [str(user.id) for user in added]

    def user_count(self) -> int:
        if self._storage is None:
            return 0
        with self._storage.lock:
            return sum(1 for r in self._storage.resources if USER_SCHEMA in (r.schemas or []))

    def groups(self) -> list[dict[str, Any]]:
        return [r for r in self._dump_all() if USER_SCHEMA not in r.get("schemas", [])]

    def _dump_all(self) -> list[dict[str, Any]]:
        if self._storage is None:
            return []
        with self._storage.lock:
            resources = list(self._storage.resources)
        return [r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in resources]
