"""Name the likely cause of a failed Kandji request, and its fix, in the admin's words.

Each function returns a `Diagnosis` (detail, cause, fix). The wording lives here, in one
place, so the TUI, the headless command and the closing notes all say the same thing.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from wizard.bounded import AnswerTooLarge, MalformedJson, decode_json, megabytes
from wizard.kandji.tls import CertificateInfo, find_ssl_error, find_verification_error
from wizard.kandji.urls import SCIM_PATH, KandjiUrl
from wizard.netcheck import without_errno

LIST_RESPONSE_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
COPY_URL_FIX = "Copy the SCIM base URL again from Kandji (Integrations → SCIM) and paste it exactly."
NEW_TOKEN_FIX = (
    "In Kandji open Integrations → SCIM, create a new token (Kandji shows it only once), and enter it here."
)


@dataclass(frozen=True)
class Diagnosis:
    detail: str
    cause: str = ""
    fix: str = ""
    # What answered, when it cannot have been Kandji's SCIM API: "redirect", "web page", "tls",
    # "too large", "not JSON". The closing line of a run names it (exit 8).
    kind: str = ""
    fix_step: str = "B.1"  # B.2 only when Kandji refused the token itself


def parse_json(response: httpx.Response) -> Any | None:
    """The body as JSON, or None when it is not usable JSON (depth errors included)."""
    try:
        return decode_json(response.content)
    except MalformedJson:
        return None


def is_html(response: httpx.Response) -> bool:
    content_type = response.headers.get("content-type", "").lower()
    if "html" in content_type:
        return True
    return response.content.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))


def scim_error_detail(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return body["detail"]
    return ""


def clip(text: str, secret: str | None = None, limit: int = 160) -> str:
    """Server text made safe to show: the token removed, control characters dropped, short."""
    if secret:
        text = text.replace(secret, "****")
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- transport failures -------------------------------------------------------------------------
def transport_error(
    exc: httpx.HTTPError, url: KandjiUrl, timeout: float, cert: CertificateInfo | None = None
) -> Diagnosis:
    host, port = url.host, urlsplit(url.base_url).port or (443 if url.base_url.startswith("https") else 80)
    if isinstance(exc, AnswerTooLarge):
        return Diagnosis(
            f"The answer to {exc.call} was larger than {megabytes(exc.limit)}"
            f"{f' ({exc.size})' if exc.declared else ''}; it was not read further.",
            f"No SCIM answer to these requests comes near that size: something other than Kandji's "
            f"SCIM API answered at {host} (a file, a proxy's page), or the server misbehaves.",
            f"{COPY_URL_FIX} If it is already exact, retry later, and ask IT whether a proxy "
            "rewrites answers from *.kandji.io.",
            kind="too large",
        )
    if find_verification_error(exc) is not None:
        return certificate_failure(url, exc, cert)
    if isinstance(exc, httpx.ConnectTimeout):
        return Diagnosis(
            f"No connection within {timeout:g} s.",
            f"Nothing answered at {host}:{port} within {timeout:g} s: a firewall or proxy blocks the "
            "connection, or the network is down.",
            "Check the network or VPN. If your company requires a proxy, set HTTPS_PROXY and retry.",
        )
    if isinstance(exc, httpx.TimeoutException):
        return Diagnosis(
            f"No answer within {timeout:g} s.",
            f"{host} accepted the connection but sent no answer within {timeout:g} s: the server or "
            "a proxy in between is stuck or very slow.",
            "Retry in a few minutes. If it keeps happening, check Kandji's status page, or ask IT "
            "whether a proxy holds requests to Kandji.",
        )
    ssl_error = find_ssl_error(exc)
    if ssl_error is not None:
        return Diagnosis(
            f"TLS handshake failed ({clip(ssl_error.reason or str(ssl_error))}).",
            f"The secure connection to {host} could not be set up: a proxy or firewall interferes with "
            "TLS, or the server does not speak TLS on this port.",
            "Retry from another network; if it works there, ask IT to let *.kandji.io through "
            "without TLS inspection.",
            kind="tls",
        )
    if isinstance(exc, httpx.ConnectError) and _refused(exc):
        return Diagnosis(
            "Connection refused.",
            f"Nothing accepts connections at {host}:{port}.",
            f"Check the host and port of the URL. {COPY_URL_FIX}",
        )
    if isinstance(exc, httpx.ProxyError) and "407" in str(exc):
        return PROXY_AUTH  # the proxy refused the CONNECT itself
    if isinstance(exc, httpx.ProxyError):
        return Diagnosis(
            f"Proxy error: {clip(str(exc))}.",
            "The proxy set in HTTPS_PROXY refused or failed the connection to Kandji.",
            "Check the HTTPS_PROXY setting (and its credentials) with IT, or unset it if this network "
            "needs no proxy.",
        )
    return Diagnosis(
        f"Connection failed: {clip(without_errno(str(exc))) or type(exc).__name__}.",
        f"The connection to {host} failed before any answer arrived: the network dropped it, or a "
        "proxy or firewall closed it.",
        "Check the network or VPN and retry; if it persists, ask IT whether *.kandji.io is blocked.",
    )


PROXY_AUTH = Diagnosis(
    "HTTP 407 Proxy Authentication Required.",
    "A proxy between this computer and Kandji wants its own credentials.",
    "Put the proxy credentials in HTTPS_PROXY (ask IT for the proxy address), then retry.",
)


def _refused(exc: BaseException) -> bool:
    current: BaseException | None = exc
    for _ in range(10):
        if current is None:
            return False
        if isinstance(current, ConnectionRefusedError):
            return True
        current = current.__cause__ or current.__context__
    return "refused" in str(exc).lower()


def certificate_failure(url: KandjiUrl, exc: BaseException, cert: CertificateInfo | None) -> Diagnosis:
    error = find_verification_error(exc)
    reason = clip(error.verify_message) if error is not None and error.verify_message else "not trusted"
    if cert is None:
        return Diagnosis(
            f"Certificate verification failed ({reason}).",
            f"The certificate {url.host} presented is not trusted by this computer. If your company "
            "inspects TLS traffic, its proxy replaced Kandji's certificate with its own.",
            "Ask IT to exempt *.kandji.io from TLS inspection, or install the company's root "
            "certificate in the system trust store (or point SSL_CERT_FILE at it), then retry.",
            kind="tls",
        )
    kind = " (self-signed)" if cert.self_signed else ""
    proxy = (
        f" “{cert.issuer}” is a TLS-inspecting proxy product: it intercepts the connection."
        if cert.looks_like_inspection
        else " If that is your company's name or a security product, a TLS-inspecting proxy "
        "intercepts the connection; Kandji's real certificate comes from a public authority."
    )
    return Diagnosis(
        f"Certificate issued by “{cert.issuer}”{kind}: {reason}.",
        f"The certificate {url.host} presented was issued by “{cert.issuer}”{kind}, which this "
        f"computer does not trust.{proxy}",
        "Ask IT to exempt *.kandji.io from TLS inspection, or install the issuing root certificate "
        "in the system trust store (or point SSL_CERT_FILE at it), then retry. Okta connects from "
        "its own cloud, so this only affects the wizard's check.",
        kind="tls",
    )


def dns_failure(url: KandjiUrl, exc: OSError, *, offline: bool = False) -> Diagnosis:
    if offline:
        from wizard.netcheck import OFFLINE_CAUSE, OFFLINE_FIX

        return Diagnosis(f"{url.host} could not be looked up: no name resolves.", OFFLINE_CAUSE, OFFLINE_FIX)
    if isinstance(exc, socket.gaierror) and exc.errno in (
        socket.EAI_NONAME,
        getattr(socket, "EAI_NODATA", -5),
    ):
        region_hint = ""
        if url.is_known_host and url.subdomain:
            other = (
                f"{url.subdomain}.api.kandji.io"
                if url.region == "eu"
                else f"{url.subdomain}.api.eu.kandji.io"
            )
            region_hint = f" If your Kandji tenant is in another region, its host is e.g. {other}."
        return Diagnosis(
            f"{url.host} does not exist in DNS.",
            "The host name does not exist: the subdomain is misspelled, or the tenant lives in another "
            "region than the host says." + region_hint,
            COPY_URL_FIX,
        )
    return Diagnosis(
        f"DNS lookup failed ({clip(without_errno(str(exc)))}).",
        f"This computer could not look up {url.host}: there is no network, no DNS server, or the "
        "name is only known inside a VPN.",
        "Check the network connection or VPN and retry.",
    )


# -- unexpected answers --------------------------------------------------------------------------
def unexpected_response(
    response: httpx.Response, url: KandjiUrl, *, sent_token: bool, secret: str | None = None
) -> Diagnosis:
    """Describe an answer that is not what a SCIM server sends for this request."""
    status = response.status_code
    body = parse_json(response)
    scim_detail = clip(scim_error_detail(body), secret)
    detail_suffix = f" ({scim_detail})" if scim_detail else ""

    if 300 <= status < 400:
        return redirect(response, url)
    if status in (401, 403) and sent_token:
        return token_refused(status, scim_detail)
    if status == 407:
        return PROXY_AUTH
    if status == 429:
        return Diagnosis(
            "HTTP 429 Too Many Requests.",
            "Kandji is rate-limiting requests from this token or network.",
            "Wait a minute and run the check again.",
        )
    if status >= 500:
        return Diagnosis(
            f"HTTP {status}{detail_suffix}.",
            f"The server failed with HTTP {status}: Kandji, or a proxy in between, is having trouble.",
            "Retry in a few minutes; if it persists, contact Kandji support with the time of the check.",
        )
    if is_html(response):
        return html_page(response, url)
    if status == 404:
        if not url.has_scim_path:
            return missing_scim_path(url, f"HTTP 404{detail_suffix}.")
        return Diagnosis(
            f"HTTP 404{detail_suffix}.",
            "This host has no SCIM endpoint at this path for your tenant: the subdomain or the region "
            "in the URL is wrong.",
            COPY_URL_FIX + " EU tenants use <subdomain>.api.eu.kandji.io.",
        )
    if body is not None and not _is_scim(body):
        return non_scim_json(body, url, status)
    if body is None:
        kind = response.headers.get("content-type", "no content type")
        return Diagnosis(
            f"HTTP {status}, {clip(kind)}, not JSON.",
            "The answer is not JSON, so this is not a SCIM API.",
            COPY_URL_FIX,
            kind="not JSON",
        )
    return Diagnosis(
        f"Unexpected HTTP {status}{detail_suffix}.",
        f"Kandji answered HTTP {status}, which a SCIM server does not send for this request.",
        "Retry; if it persists, contact Kandji support and quote this message.",
    )


def _is_scim(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    schemas = body.get("schemas")
    return isinstance(schemas, list) and any(
        isinstance(s, str) and s.startswith("urn:ietf:params:scim:") for s in schemas
    )


def token_refused(status: int, scim_detail: str = "") -> Diagnosis:
    suffix = f" ({scim_detail})" if scim_detail else ""
    if status == 403:
        return Diagnosis(
            f"HTTP 403 Forbidden{suffix}.",
            "Kandji knows the request but refuses it: the token has no SCIM access, or the SCIM "
            "integration was disabled or deleted in Kandji.",
            "Check the SCIM integration is still enabled in Kandji (Integrations → SCIM). " + NEW_TOKEN_FIX,
            fix_step="B.2",
        )
    return Diagnosis(
        f"HTTP 401 Unauthorized{suffix}.",
        "Kandji refused the token: it was mistyped or copied incompletely, or it was rotated in "
        "Kandji since (creating a new token invalidates the old one).",
        NEW_TOKEN_FIX,
        fix_step="B.2",
    )


def missing_scim_path(url: KandjiUrl, detail: str) -> Diagnosis:
    return Diagnosis(
        detail,
        f"The URL lacks Kandji's SCIM path {SCIM_PATH}, so the web server answered instead of the SCIM API.",
        f"Use {url.origin}{SCIM_PATH} — the SCIM base URL ends in {SCIM_PATH}, exactly as Kandji shows it.",
    )


def html_page(response: httpx.Response, url: KandjiUrl) -> Diagnosis:
    detail = f"HTTP {response.status_code} with an HTML page, not SCIM JSON."
    if not url.has_scim_path:
        return missing_scim_path(url, detail)
    return Diagnosis(
        detail,
        "A web page answered instead of the SCIM API: the URL points at a website, or a proxy, "
        "captive portal or sign-in page intercepted the request.",
        f"{COPY_URL_FIX} If it is already exact, open the URL in a browser on this network to see "
        "which page answers, and ask IT to let *.kandji.io through.",
        kind="web page",
    )


def non_scim_json(body: Any, url: KandjiUrl, status: int) -> Diagnosis:
    keys = ", ".join(sorted(str(k) for k in body)[:5]) if isinstance(body, dict) else type(body).__name__
    return Diagnosis(
        f"HTTP {status} with JSON that is not SCIM (keys: {clip(keys, limit=60)}).",
        "The server answered JSON without SCIM's schemas: this URL is another API (for example "
        "Kandji's device API), not its SCIM endpoint.",
        f"Use the SCIM base URL Kandji shows under Integrations → SCIM; it ends in {SCIM_PATH}.",
    )


def redirect(response: httpx.Response, url: KandjiUrl) -> Diagnosis:
    location = response.headers.get("location", "")
    target = urljoin(str(response.request.url), location) if location else "(no Location header)"
    target_parts = urlsplit(target)
    target_origin = f"{target_parts.scheme}://{target_parts.netloc}" if target_parts.netloc else ""
    shown = clip(target, limit=100)
    if target_origin and target_origin != url.origin:
        return Diagnosis(
            f"HTTP {response.status_code} redirect to {shown}; not followed.",
            f"The server redirected to another host ({target_parts.netloc}). The wizard never "
            "follows redirects, so the token was not sent there; Okta does not follow them either, "
            "so provisioning would fail.",
            f"{COPY_URL_FIX} If it is already exact, a proxy or captive portal is redirecting: "
            "ask IT to let *.kandji.io through.",
            kind="redirect",
        )
    return Diagnosis(
        f"HTTP {response.status_code} redirect to {shown}; not followed.",
        "The server redirects this URL to another address on the same host; Okta does not follow "
        "redirects, so it needs the final URL.",
        f"{COPY_URL_FIX} It must end in {SCIM_PATH} with no trailing slash.",
        kind="redirect",
    )
