"""The read-only Kandji SCIM pre-flight (DESIGN §5), and user verification for step 24.

It mirrors what Okta does when an admin clicks "Test Connector Configuration" and what Okta's
SCIM spec test probes, but runs before anything is pasted into Okta and names the cause of
each failure. Every request has its own timeout and the whole run a total one. The token goes
only to the validated Kandji origin: redirects are reported, never followed, and a request
hook refuses to attach it anywhere else.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import socket
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from wizard.kandji import diagnose
from wizard.kandji.checks import CheckResult, CheckStatus, PreflightReport, UserVerification
from wizard.kandji.client import build_client
from wizard.kandji.diagnose import LIST_RESPONSE_URN, Diagnosis
from wizard.kandji.tls import fetch_certificate_info, find_verification_error
from wizard.kandji.tokens import mask_token
from wizard.kandji.urls import KandjiUrl
from wizard.kandji.verify import verify_users
from wizard.netcheck import nothing_resolves

__all__ = ["CheckResult", "PreflightReport", "UserVerification", "run_preflight", "verify_users"]

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
Auth = Literal["none", "token", "wrong"]
Check = Callable[[], Awaitable[CheckResult]]

# key, title, required — in the order they run.
CHECKS: tuple[tuple[str, str, bool], ...] = (
    ("dns", "DNS resolves the host", True),
    ("connection", "Connection and TLS", True),
    ("wrong_token", "A wrong token is refused", True),
    ("token", "The token is accepted", True),
    ("filter", "Filter on an unknown userName", True),
    ("unknown_id", "Unknown user id answers 404", True),
    ("groups", "Groups endpoint (informational)", False),
    ("discovery", "Discovery endpoints (informational)", False),
)


class _Preflight:
    def __init__(self, url: KandjiUrl, token: SecretStr, timeout: float, client: httpx.AsyncClient) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout
        self.client = client
        self.wrong_token = "okta-kandji-setup-wrong-" + secrets.token_urlsafe(18)
        self.probe_user = f"okta-kandji-setup-probe-{secrets.token_hex(6)}@invalid.example"

    # -- requests ---------------------------------------------------------------------------
    def describe(self, path: str, auth: Auth) -> str:
        credential = {
            "none": "no token",
            "token": f"Bearer {mask_token(self.token)}",
            "wrong": "Bearer <made-up token>",
        }[auth]
        return f"GET {path} · {credential}"

    async def get(self, path: str, auth: Auth, params: dict[str, str] | None = None) -> httpx.Response:
        headers = {}
        if auth == "token":
            headers["Authorization"] = f"Bearer {self.token.get_secret_value()}"
        elif auth == "wrong":
            headers["Authorization"] = f"Bearer {self.wrong_token}"
        return await self.client.get(self.url.base_url + path, params=params, headers=headers)

    def result(
        self, key: str, status: CheckStatus, request: str, detail: str, d: Diagnosis | None = None
    ) -> CheckResult:
        title, required = _META[key]
        return CheckResult(
            key=key,
            title=title,
            status=status,
            request=request,
            detail=detail,
            cause=d.cause if d else "",
            fix=d.fix if d else "",
            required=required,
            kind=d.kind if d else "",
            fix_step=d.fix_step if d else "B.1",
        )

    def failure(self, key: str, request: str, d: Diagnosis) -> CheckResult:
        return self.result(key, "fail", request, d.detail, d)

    def unexpected(
        self, key: str, request: str, response: httpx.Response, *, sent_token: bool
    ) -> CheckResult:
        d = diagnose.unexpected_response(
            response, self.url, sent_token=sent_token, secret=self.token.get_secret_value()
        )
        return self.failure(key, request, d)

    async def transport_failure(self, key: str, request: str, exc: httpx.HTTPError) -> CheckResult:
        cert = None
        if find_verification_error(exc) is not None:
            port = urlsplit(self.url.base_url).port or 443
            cert = await asyncio.to_thread(fetch_certificate_info, self.url.host, port, self.timeout)
        return self.failure(key, request, diagnose.transport_error(exc, self.url, self.timeout, cert))

    # -- checks -----------------------------------------------------------------------------
    async def check_dns(self) -> CheckResult:
        host = self.url.host
        request = f"DNS lookup {host}"
        port = urlsplit(self.url.base_url).port or 443
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.timeout):
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError:
            d = Diagnosis(
                f"No DNS answer within {self.timeout:g} s.",
                "The DNS server did not answer: the network is down or DNS is blocked.",
                "Check the network connection or VPN and retry.",
            )
            return self.failure("dns", request, d)
        except OSError as exc:
            if _proxy_for(self.url):
                return self.result(
                    "dns", "pass", request, "Not resolvable here, but a proxy is configured and resolves it."
                )
            offline = await nothing_resolves()
            return self.failure("dns", request, diagnose.dns_failure(self.url, exc, offline=offline))
        addresses = sorted({str(info[4][0]) for info in infos})
        if addresses == [host]:
            return self.result("dns", "pass", request, f"{host} is an IP address; no lookup needed.")
        shown = ", ".join(addresses[:3]) + (" …" if len(addresses) > 3 else "")
        return self.result("dns", "pass", request, f"{host} → {shown}")

    async def check_connection(self) -> CheckResult:
        path = "/ServiceProviderConfig"
        request = self.describe(path, "none")
        try:
            response = await self.get(path, "none")
        except httpx.HTTPError as exc:
            return await self.transport_failure("connection", request, exc)
        tls = _tls_version(response)
        how = f"TLS verified ({tls})" if tls else "TLS verified"
        if not self.url.base_url.startswith("https"):
            how = "plain http (loopback only)"
        return self.result(
            "connection", "pass", request, f"{how}; the server answered HTTP {response.status_code}."
        )

    async def check_wrong_token(self) -> CheckResult:
        path = "/Users?startIndex=1&count=1"
        request = self.describe(path, "wrong")
        try:
            response = await self.get("/Users", "wrong", {"startIndex": "1", "count": "1"})
        except httpx.HTTPError as exc:
            return await self.transport_failure("wrong_token", request, exc)
        if response.status_code in (401, 403):
            return self.result(
                "wrong_token", "pass", request, f"Refused with HTTP {response.status_code}, as it should be."
            )
        if response.is_success and _list_response_problem(diagnose.parse_json(response)) is None:
            d = Diagnosis(
                f"HTTP {response.status_code}: a made-up token was accepted.",
                "The endpoint accepted a made-up token, so it does not check tokens: it is not "
                "Kandji's SCIM API, or something in between answers for it.",
                "Do not give Okta this URL. Check it is exactly the URL Kandji shows under "
                "Integrations → SCIM; if it is, contact Kandji support.",
            )
            return self.failure("wrong_token", request, d)
        return self.unexpected("wrong_token", request, response, sent_token=False)

    async def check_token(self) -> CheckResult:
        path = "/Users?startIndex=1&count=2"
        request = self.describe(path, "token")
        try:
            response = await self.get("/Users", "token", {"startIndex": "1", "count": "2"})
        except httpx.HTTPError as exc:
            return await self.transport_failure("token", request, exc)
        if response.status_code != 200:
            return self.unexpected("token", request, response, sent_token=True)
        body = diagnose.parse_json(response)
        if body is None or not diagnose._is_scim(body):
            return self.unexpected("token", request, response, sent_token=True)
        problem = _list_response_problem(body)
        if problem:
            d = Diagnosis(
                f"HTTP 200, but {problem}.",
                "The answer is SCIM but not the ListResponse Okta expects, so Okta's connector test "
                "would fail.",
                "Check the URL is Kandji's SCIM base URL; if it is, contact Kandji support and quote "
                "this message.",
            )
            return self.failure("token", request, d)
        total = body["totalResults"]
        return self.result(
            "token", "pass", request, f"ListResponse with {total} user{'s' if total != 1 else ''} in total."
        )

    async def check_filter(self) -> CheckResult:
        expression = f'userName eq "{self.probe_user}"'
        request = self.describe(f"/Users?filter={expression}", "token")
        try:
            response = await self.get(
                "/Users", "token", {"filter": expression, "startIndex": "1", "count": "1"}
            )
        except httpx.HTTPError as exc:
            return await self.transport_failure("filter", request, exc)
        body = diagnose.parse_json(response)
        if response.status_code == 400:
            d = Diagnosis(
                f"HTTP 400 ({diagnose.clip(diagnose.scim_error_detail(body)) or 'filter refused'}).",
                "Kandji refused a userName filter. Okta looks each user up with exactly this filter "
                "before creating it, so provisioning would fail.",
                'Contact Kandji support: their SCIM endpoint must support filter=userName eq "…".',
            )
            return self.failure("filter", request, d)
        if response.status_code != 200 or body is None or not diagnose._is_scim(body):
            return self.unexpected("filter", request, response, sent_token=True)
        problem = _list_response_problem(body)
        if problem:
            d = Diagnosis(
                f"HTTP 200, but {problem}.", "The filter answer is not a ListResponse.", diagnose.COPY_URL_FIX
            )
            return self.failure("filter", request, d)
        if body["totalResults"] != 0 or body.get("Resources"):
            d = Diagnosis(
                f"A userName that cannot exist matched {body['totalResults']} user(s).",
                "Kandji ignores the filter and returns other users; Okta would then link its users to "
                "the wrong Kandji users.",
                "Do not turn on provisioning yet; contact Kandji support about filter=userName eq.",
            )
            return self.failure("filter", request, d)
        return self.result("filter", "pass", request, "HTTP 200 with no results, as expected.")

    async def check_unknown_id(self) -> CheckResult:
        path = f"/Users/{uuid.uuid4()}"
        request = self.describe(path, "token")
        try:
            response = await self.get(path, "token")
        except httpx.HTTPError as exc:
            return await self.transport_failure("unknown_id", request, exc)
        if response.status_code == 404 and not diagnose.is_html(response):
            return self.result("unknown_id", "pass", request, "HTTP 404, as expected.")
        if response.is_success:
            d = Diagnosis(
                f"HTTP {response.status_code} for a user id that does not exist.",
                "The endpoint answers success for a user that does not exist, so Okta could not tell "
                "deleted users from present ones.",
                "Check the URL is Kandji's SCIM base URL; if it is, contact Kandji support.",
            )
            return self.failure("unknown_id", request, d)
        return self.unexpected("unknown_id", request, response, sent_token=True)

    async def check_groups(self) -> CheckResult:
        path = "/Groups?startIndex=1&count=1"
        request = self.describe(path, "token")
        try:
            response = await self.get("/Groups", "token", {"startIndex": "1", "count": "1"})
        except httpx.HTTPError as exc:
            d = diagnose.transport_error(exc, self.url, self.timeout)
            return self.result("groups", "info", request, d.detail)
        body = diagnose.parse_json(response)
        if response.status_code == 200 and _list_response_problem(body) is None:
            detail = f"Answers: {body['totalResults']} group(s). The Kandji setup does not push groups."
        else:
            detail = f"HTTP {response.status_code}: no usable /Groups. Fine: the setup pushes users only."
        return self.result("groups", "info", request, detail)

    async def check_discovery(self) -> CheckResult:
        parts: list[str] = []
        for path in ("/ServiceProviderConfig", "/ResourceTypes", "/Schemas"):
            try:
                response = await self.get(path, "token")
            except httpx.HTTPError:
                parts.append(f"{path[1:]} no answer")
                continue
            parts.append(f"{path[1:]} {response.status_code}")
            if path == "/ServiceProviderConfig" and response.status_code == 200:
                features = _service_provider_features(diagnose.parse_json(response))
                if features:
                    parts[-1] += f" ({features})"
        request = "GET /ServiceProviderConfig, /ResourceTypes, /Schemas · Bearer " + mask_token(self.token)
        return self.result("discovery", "info", request, "; ".join(parts) + ".")


_META: dict[str, tuple[str, bool]] = {key: (title, required) for key, title, required in CHECKS}


def _proxy_for(url: KandjiUrl) -> bool:
    proxies = urllib.request.getproxies()
    scheme = urlsplit(url.base_url).scheme
    return bool(proxies.get(scheme) or proxies.get("all")) and not urllib.request.proxy_bypass(url.host)


def _tls_version(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    try:
        ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
        return ssl_object.version() if ssl_object is not None else None
    except Exception:  # the stream may already be closed; the version is only a nicety
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list_response_problem(body: Any) -> str | None:
    """What keeps `body` from being a ListResponse Okta can page through, or None."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    if LIST_RESPONSE_URN not in (body.get("schemas") or []):
        return "the schemas do not include ListResponse"
    if "totalResults" not in body:
        return "totalResults is missing"
    bad = [k for k in ("totalResults", "startIndex", "itemsPerPage") if k in body and not _is_int(body[k])]
    if bad:
        return f"{', '.join(bad)} {'is' if len(bad) == 1 else 'are'} not an integer"
    resources = body.get("Resources", [])
    if not isinstance(resources, list):
        return "Resources is not a list"
    if any(not isinstance(r, dict) or not r.get("id") or not r.get("userName") for r in resources):
        return "a listed user has no id or userName"
    return _scim_models_problem(body)


@functools.cache
def _user_list_model() -> Any:
    """`ListResponse[User]`, built once. pydantic keeps parametrized models only weakly, so
    writing `ListResponse[User]` at each check rebuilt the class (about 10 ms of CPU) whenever
    the garbage collector had run since the last one."""
    from scim2_models import ListResponse, User

    return ListResponse[User]


def _scim_models_problem(body: dict[str, Any]) -> str | None:
    """Validate the envelope with scim2-models; users may carry Kandji's own extra attributes."""
    from pydantic import ValidationError
    from scim2_models import Context

    # Users are reduced to the fields Okta relies on, so vendor attributes do not fail the check.
    envelope = {k: v for k, v in body.items() if k != "Resources"}
    if body.get("Resources"):
        envelope["Resources"] = [
            {"schemas": [USER_URN], "id": r["id"], "userName": r["userName"]} for r in body["Resources"]
        ]
    try:
        _user_list_model().model_validate(envelope, scim_ctx=Context.SEARCH_RESPONSE)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        return f"the ListResponse is malformed at {where} ({first.get('msg', 'invalid')})"
    return None


def _service_provider_features(body: Any) -> str:
    from pydantic import ValidationError
    from scim2_models import ServiceProviderConfig

    if not isinstance(body, dict):
        return ""
    try:
        config = ServiceProviderConfig.model_validate(body)
    except ValidationError:
        return "not a valid ServiceProviderConfig"
    flags = []
    for name, feature in (("filter", config.filter), ("patch", config.patch), ("bulk", config.bulk)):
        supported = getattr(feature, "supported", None)
        if supported is not None:
            flags.append(f"{name} {'yes' if supported else 'no'}")
    return ", ".join(flags)


async def run_preflight(
    url: KandjiUrl,
    token: SecretStr,
    *,
    timeout: float = 10.0,
    total_timeout: float = 30.0,
    on_result: Callable[[CheckResult], None] | None = None,
) -> PreflightReport:
    """Run every check in order and return the report; `on_result` sees each as it completes."""
    report = PreflightReport(url.base_url)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + total_timeout

    def emit(result: CheckResult) -> None:
        report.results.append(result)
        if on_result is not None:
            on_result(result)

    async with build_client(url, timeout) as client:
        run = _Preflight(url, token, timeout, client)
        plan: dict[str, Check] = {
            "dns": run.check_dns,
            "connection": run.check_connection,
            "wrong_token": run.check_wrong_token,
            "token": run.check_token,
            "filter": run.check_filter,
            "unknown_id": run.check_unknown_id,
            "groups": run.check_groups,
            "discovery": run.check_discovery,
        }
        stopped: str | None = None
        for key, check in plan.items():
            if stopped is not None:
                emit(run.result(key, "skip", "", stopped))
                continue
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    raise TimeoutError
                async with asyncio.timeout(remaining):
                    result = await check()
            except TimeoutError:
                d = Diagnosis(
                    f"Stopped: the whole check exceeded its {total_timeout:g} s limit.",
                    "Kandji, the network or a proxy answers too slowly for the check to finish.",
                    "Retry in a few minutes; if it keeps happening, check the network and "
                    "Kandji's status page.",
                )
                result = run.failure(key, "", d) if _META[key][1] else run.result(key, "info", "", d.detail)
                stopped = "Not run: the time limit was reached."
            emit(result)
            if result.status == "fail" and stopped is None:
                if key in ("dns", "connection"):
                    stopped = "Not run: the server could not be reached."
                elif key == "token":
                    stopped = "Not run: the token check failed."
    return report
