"""httpx's one-off calls, for tests that talk to the loopback servers directly. `httpx.get()` and
friends build a new client each time, and with it a TLS context that loads the whole CA bundle
(about 20 ms of CPU) for an origin that is plain http: these use the process's one context."""

from __future__ import annotations

from typing import Any

import httpx

from wizard.plain_http import shared_context


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, url, verify=shared_context(), **kwargs)


def get(url: str, **kwargs: Any) -> httpx.Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    return request("POST", url, **kwargs)


def put(url: str, **kwargs: Any) -> httpx.Response:
    return request("PUT", url, **kwargs)


def delete(url: str, **kwargs: Any) -> httpx.Response:
    return request("DELETE", url, **kwargs)
