"""A hostile server in front of the Okta simulator, for the hostile-answers matrix and the
memory benchmark: a loopback HTTP server that passes every call through to the simulator,
except those a rule answers itself — a redirect, a web page, a body far too large (streamed,
never held whole), JSON nested 200,000 deep, an answer cut short.

It is a test tool, not a model of Okta: Okta never answers like this. Proxies, captive
portals and wrong URLs do.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from wizard.serving import stop_promptly

CHUNK = 64 * 1024


@dataclass
class Answer:
    """What a rule sends back: status, headers, and the body as chunks (a generator keeps a
    50 MB body from being held by the server)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterator[bytes] | bytes = b""
    length: int | None = None  # Content-Length to announce; None: the body's, or chunked
    cut_after: int | None = None  # close the connection after this many body bytes


@dataclass
class Rule:
    method: str
    regex: str
    answer: object  # a zero-argument callable returning a fresh Answer
    times: int = 1_000_000
    hits: int = 0

    def wants(self, method: str, path: str, query: str) -> bool:
        target = f"{path}?{query}" if query else path
        matched = re.fullmatch(self.regex, target) is not None
        return self.hits < self.times and method == self.method and matched


def big_json_list(size: int) -> Answer:
    """A JSON list of app-shaped objects, about `size` bytes, generated while it is sent."""
    item = b'{"id":"0oa%08d","label":"Not the app","signOnMode":"BOOKMARK","pad":"' + b"x" * 900 + b'"}'
    count = max(1, size // (len(item % 0) + 1))

    def chunks() -> Iterator[bytes]:
        yield b"["
        for start in range(0, count, 64):
            batch = b",".join(item % n for n in range(start, min(start + 64, count)))
            yield batch + (b"," if start + 64 < count else b"")
        yield b"]"

    return Answer(200, {"Content-Type": "application/json"}, chunks())


def deep_json(depth: int = 200_000) -> Answer:
    return Answer(200, {"Content-Type": "application/json"}, b"[" * depth + b"]" * depth)


def html_page(status: int = 200) -> Answer:
    page = b"<!DOCTYPE html><html><head><title>Sign in to the network</title></head><body>Portal</body>"
    return Answer(status, {"Content-Type": "text/html; charset=utf-8"}, page)


def redirect(location: str = "https://login.portal.example/start", status: int = 302) -> Answer:
    return Answer(status, {"Location": location})


def cut_short() -> Answer:
    body = b'[{"id":"0oa1","label":"Kandji SCIM App","signOnMode":"SAML_2_0"'
    headers = {"Content-Type": "application/json"}
    return Answer(200, headers, body, length=len(body) + 500, cut_after=len(body))


class HostileOkta:
    """`with HostileOkta(upstream_origin) as hostile:` — `hostile.url` is the org URL to use."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rules: list[Rule] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, method: str, regex: str, answer: object, times: int = 1_000_000) -> Rule:
        rule = Rule(method, regex, answer, times)
        with self.lock:
            self.rules.append(rule)
        return rule

    def __enter__(self) -> HostileOkta:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        stop_promptly(self.server)
        self.server.server_close()

    def _rule_for(self, method: str, path: str, query: str) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if rule.wants(method, path, query):
                    rule.hits += 1
                    return rule
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PUT(self) -> None:
                self._serve("PUT")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                rule = hostile._rule_for(method, parts.path, parts.query)
                try:
                    if rule is not None:
                        self._send(rule.answer())  # type: ignore[operator]
                    else:
                        self._forward(method, raw)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _send(self, answer: Answer) -> None:
                body = answer.chunks
                self.send_response_only(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if isinstance(body, bytes):
                    self.send_header("Content-Length", str(answer.length or len(body)))
                    self.end_headers()
                    sent = body if answer.cut_after is None else body[: answer.cut_after]
                    self.wfile.write(sent)
                    if answer.cut_after is not None:
                        self.close_connection = True
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for chunk in body:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")

            def _forward(self, method: str, raw: bytes) -> None:
                upstream = http.client.HTTPConnection(*hostile.upstream, timeout=30)
                try:
                    # The Host header stays ours: the simulator's `Link` URLs then point back here.
                    skip = {"content-length", "connection"}
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                    upstream.request(method, self.path, body=raw or None, headers=headers)
                    reply = upstream.getresponse()
                    body = reply.read()
                    self.send_response_only(reply.status)
                    for name, value in reply.getheaders():
                        if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    upstream.close()

        return Handler
