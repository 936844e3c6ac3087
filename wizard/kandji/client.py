"""The HTTP client for one Kandji origin: verified TLS, no redirects, the token kept at home."""

from __future__ import annotations

import httpx

from wizard import __version__
from wizard.bounded import body_limit
from wizard.kandji.tls import make_ssl_context
from wizard.kandji.urls import KandjiUrl
from wizard.plain_http import is_plain_http, shared_context


class TokenLeakGuard(RuntimeError):
    """Raised by the request hook if a token were about to leave the Kandji origin (a bug)."""


def build_client(url: KandjiUrl, timeout: float) -> httpx.AsyncClient:
    """An AsyncClient for `url`'s origin. Redirects are never followed (DESIGN §6), and a request
    hook refuses any request carrying an Authorization header to another origin."""

    async def guard(request: httpx.Request) -> None:
        origin = f"{request.url.scheme}://{request.url.netloc.decode()}"
        if "authorization" in request.headers and origin != url.origin:
            raise TokenLeakGuard(f"refusing to send the Kandji token to {request.url.host}")

    return httpx.AsyncClient(
        verify=shared_context() if url.is_loopback and is_plain_http(url.base_url) else make_ssl_context(),
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        # Proxies from the environment matter on corporate networks, never for loopback.
        trust_env=not url.is_loopback,
        headers={
            "Accept": "application/scim+json, application/json",
            "User-Agent": f"okta-kandji-setup/{__version__}",
        },
        # Every body is read by body_limit, in a stream, and refused past its cap.
        event_hooks={"request": [guard], "response": [body_limit()]},
    )
