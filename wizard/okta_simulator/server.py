"""HTTP plumbing for the simulator: credentials, rate limits, faults, recording, TLS.

A stdlib `ThreadingHTTPServer` on 127.0.0.1 speaking HTTP/1.1 with keep-alive, like Okta's
front end does. Every response carries `X-Okta-Request-Id`, `Date` and `X-Rate-Limit-*`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from wizard.okta_simulator.api import Reply
from wizard.okta_simulator.oauth import OAuthFailure
from wizard.okta_simulator.tenant import ApiError, ApiPrincipal

if TYPE_CHECKING:
    from wizard.okta_simulator.simulator import OktaSimulator


@dataclass
class Fault:
    """One injected misbehaviour. `path` is a glob on the request path (`/api/v1/groups*`)."""

    path: str
    method: str | None = None
    status: int | None = None
    error_code: str | None = None
    delay: float = 0.0
    drop: bool = False
    times: int = 1
    retry_after: int = 5  # for 429: seconds until X-Rate-Limit-Reset

    def matches(self, method: str, path: str) -> bool:
        return (
            self.times > 0
            and (self.method is None or self.method == method)
            and fnmatch.fnmatchcase(path, self.path)
        )


@dataclass
class Exchange:
    """One request/response pair as seen on the wire (for contract tests)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes

    def __repr__(self) -> str:  # headers may carry credentials
        return f"Exchange({self.method} {self.url} -> {self.status})"


@dataclass
class RateWindow:
    limit: int
    window: float
    start: float = 0.0
    used: int = 0


@dataclass
class Traffic:
    """Rate-limit windows per endpoint family, and the request log."""

    limit: int = 600
    window: float = 60.0
    windows: dict[str, RateWindow] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, bucket: str, now: float) -> tuple[bool, RateWindow]:
        with self.lock:
            win = self.windows.get(bucket)
            if win is None or now >= win.start + win.window or win.limit != self.limit:
                win = self.windows[bucket] = RateWindow(self.limit, self.window, start=float(int(now)))
            if win.used >= win.limit:
                return False, win
            win.used += 1
            return True, win

    def peek(self, bucket: str, now: float) -> RateWindow:
        """The bucket's window without spending a call (for replies that never reached the API)."""
        with self.lock:
            win = self.windows.get(bucket)
            if win is None or now >= win.start + win.window or win.limit != self.limit:
                win = self.windows[bucket] = RateWindow(self.limit, self.window, start=float(int(now)))
            return win

    def fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None


def make_handler(sim: OktaSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; without this, delayed ACKs add 40 ms a call.
        disable_nagle_algorithm = True
        server_version = "okta-simulator"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the simulator records exchanges instead of printing

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            scheme = "https" if sim.tls else "http"
            origin = f"{scheme}://{self.headers.get('Host') or sim.host_port}"
            fault = sim.traffic.fault_for(method, parts.path)
            if fault is not None and fault.drop:
                self.close_connection = True
                return
            reply = sim.dispatch(
                method, parts.path, dict(parse_qsl(parts.query)), origin, raw, self.headers, fault
            )
            if fault is not None and fault.delay:
                time.sleep(fault.delay)
            body = b"" if reply.body is None else json.dumps(reply.body).encode()
            headers: dict[str, str | list[str]] = {
                "Date": formatdate(sim.clock(), usegmt=True),
                "X-Okta-Request-Id": secrets.token_hex(10),
                **reply.headers,
            }
            if body:
                headers["Content-Type"] = "application/json;charset=UTF-8"
            headers["Content-Length"] = str(len(body))
            # Recorded before the reply goes out: a test reads the exchanges as soon as its call
            # returns, and a record made after the write raced it on a loaded machine.
            sim.record(
                Exchange(
                    method,
                    origin + self.path,
                    {k: v for k, v in self.headers.items()},
                    raw,
                    reply.status,
                    {k: ", ".join(v) if isinstance(v, list) else v for k, v in headers.items()},
                    body,
                )
            )
            try:
                # send_response() would add a second Date from the real clock; ours is the sim clock.
                self.send_response_only(reply.status)
                for name, value in headers.items():
                    for line in value if isinstance(value, list) else [value]:
                        self.send_header(name, line)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (e.g. its timeout fired)

    return Handler


def error_reply(error: ApiError) -> Reply:
    return Reply(
        error.status,
        {
            "errorCode": error.code,
            "errorSummary": error.summary,
            "errorLink": error.code,
            "errorId": "oae" + secrets.token_hex(10),
            "errorCauses": [{"errorSummary": c} for c in error.causes],
        },
        dict(error.headers),
    )


def authenticate(sim: OktaSimulator, method: str, url: str, headers: Any) -> ApiPrincipal:
    value = headers.get("Authorization") or ""
    scheme, _, credential = value.partition(" ")
    scheme = scheme.lower()
    if scheme == "ssws" and credential in sim.api_tokens:
        return sim.api_tokens[credential]
    if scheme in ("dpop", "bearer") and credential:
        try:
            grant = sim.oauth.access(scheme, credential, headers.get("DPoP"), method, url)
        except OAuthFailure as failure:
            challenge = {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": failure.nonce or ""}
            raise ApiError(401, "E0000011", "Invalid token provided", headers=challenge) from None
        if grant is not None:
            return ApiPrincipal("service", grant.client_id, grant.scopes)
    raise ApiError(401, "E0000011", "Invalid token provided")


def oauth_reply(sim: OktaSimulator, form_body: bytes, headers: Any, token_url: str) -> Reply:
    form = dict(parse_qsl(form_body.decode("utf-8", "replace")))
    try:
        return Reply(
            200, sim.oauth.token(form, headers.get("DPoP"), token_url), {"Cache-Control": "no-store"}
        )
    except OAuthFailure as failure:
        extra = {"DPoP-Nonce": failure.nonce} if failure.nonce else {}
        return Reply(
            failure.status, {"error": failure.error, "error_description": failure.description}, extra
        )


class SimulatorServer(ThreadingHTTPServer):
    """One thread per connection, kept alive between requests as Okta's are. `close_connections`
    ends the ones still open when the simulator stops: a client that never closed its pool left
    its thread blocked on the socket for the rest of the process, holding whatever that thread
    had picked up (a TUI's captured stderr, and with it the whole app)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            still_open = list(self._open)
        for connection in still_open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


Dispatch = Callable[..., Reply]
