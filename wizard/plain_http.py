"""One TLS context per process for HTTP clients whose own origin is plain http on loopback (the
demo's Okta and Kandji, and the tests'): httpx would otherwise build a fresh context for each
client, loading the whole CA bundle (about 25 ms of CPU every time), for a client that never
opens TLS to its origin. The shared context verifies like httpx's default, so nothing trusts more."""

from __future__ import annotations

import functools
import ssl

import httpx


def is_plain_http(url: str) -> bool:
    return url.lower().startswith("http://")


@functools.cache
def shared_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
