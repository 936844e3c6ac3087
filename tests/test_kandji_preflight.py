"""The pre-flight against real servers on loopback: every case of issue 4, with its message."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from pydantic import SecretStr

from tests import loopback_http as web
from tests.kandji_servers import CannedServer, SilentServer, html, plain_json, redirect_to, self_signed_tls
from wizard.demo.scim_server import ScimServer
from wizard.kandji.checks import CheckResult, PreflightReport
from wizard.kandji.preflight import CHECKS, run_preflight
from wizard.kandji.urls import parse_kandji_url

TOKEN = "kandji-good-token-0123456789abcdef"
REQUIRED = [key for key, _, required in CHECKS if required]


def loopback(text: str):
    return parse_kandji_url(text, allow_insecure_loopback=True)


async def preflight(base_url: str, token: str = TOKEN, **kwargs) -> PreflightReport:
    return await run_preflight(loopback(base_url), SecretStr(token), **kwargs)


def statuses(report: PreflightReport) -> dict[str, str]:
    return {r.key: r.status for r in report.results}


def assert_no_token_in(report: PreflightReport, token: str = TOKEN) -> None:
    assert token not in report.to_json()
    assert token not in repr(report)


async def test_good_token_passes_every_required_check_and_reports_each_as_it_completes() -> None:
    seen: list[CheckResult] = []
    with ScimServer(TOKEN) as server:
        report = await preflight(server.base_url, on_result=seen.append)
        methods = [(r.method, r.path.split("?")[0], r.status) for r in server.requests]
    assert report.ok, report.to_json()
    assert [r.key for r in seen] == [key for key, _, _ in CHECKS]
    assert seen == report.results
    assert all(statuses(report)[key] == "pass" for key in REQUIRED)
    assert statuses(report)["groups"] == statuses(report)["discovery"] == "info"
    assert report.get("token").request == "GET /Users?startIndex=1&count=2 · Bearer ****cdef"
    assert report.get("token").detail == "ListResponse with 0 users in total."
    # Read-only: nothing but GETs reached the server.
    assert {m for m, _, _ in methods} == {"GET"}
    assert ("GET", "/api/v1/scim/Users", 401) in methods  # the made-up token was refused
    assert_no_token_in(report)


async def test_good_token_with_existing_users_still_passes() -> None:
    with ScimServer(TOKEN) as server:

        user = {"userName": "jane@acme.com", "name": {"formatted": "Jane"}, "active": True}
        for n in range(3):
            web.post(
                f"{server.base_url}/Users",
                headers={"Authorization": f"Bearer {TOKEN}"},
                json={**user, "userName": f"user{n}@acme.com"},
            ).raise_for_status()
        report = await preflight(server.base_url)
    assert report.ok
    assert report.get("token").detail == "ListResponse with 3 users in total."


async def test_wrong_token_fails_with_create_a_new_token() -> None:
    with ScimServer(TOKEN) as server:
        report = await preflight(server.base_url, token="rotated-old-token-0000000000")
    assert not report.ok
    token = report.get("token")
    assert token.status == "fail"
    assert token.detail.startswith("HTTP 401 Unauthorized")
    assert "rotated" in token.cause
    assert "create a new token" in token.fix
    assert statuses(report)["wrong_token"] == "pass"
    assert all(statuses(report)[k] == "skip" for k in ("filter", "unknown_id", "groups", "discovery"))
    assert_no_token_in(report, "rotated-old-token-0000000000")


async def test_base_url_without_scim_path_answered_by_html_names_the_missing_path() -> None:
    with CannedServer(html()) as server:
        report = await preflight(server.origin)
    assert not report.ok
    token = report.get("token")
    assert token.status == "fail"
    assert token.detail == "HTTP 200 with an HTML page, not SCIM JSON."
    assert "lacks Kandji's SCIM path /api/v1/scim" in token.cause
    assert token.fix.startswith(f"Use {server.origin}/api/v1/scim")


async def test_scim_server_root_without_path_names_the_missing_path() -> None:
    with ScimServer(TOKEN) as server:
        report = await preflight(server.origin)
    assert "lacks Kandji's SCIM path" in report.get("token").cause
    assert report.get("token").fix.startswith(f"Use {server.base_url}")


async def test_html_page_at_the_right_path_points_at_a_proxy_or_web_page() -> None:
    with CannedServer(html()) as server:
        report = await preflight(server.origin + "/api/v1/scim")
    token = report.get("token")
    assert token.status == "fail"
    assert "web page answered instead of the SCIM API" in token.cause
    assert "proxy" in token.cause


async def test_non_scim_json_is_named_as_another_api() -> None:
    with CannedServer(plain_json()) as server:
        report = await preflight(server.origin + "/api/v1/scim")
    assert not report.ok
    for key in ("wrong_token", "token"):
        result = report.get(key)
        assert result.status == "fail"
        assert result.detail == "HTTP 200 with JSON that is not SCIM (keys: count, next, results)."
        assert "not its SCIM endpoint" in result.cause
        assert "ends in /api/v1/scim" in result.fix


async def test_server_accepting_any_token_fails_as_unprotected() -> None:
    with ScimServer(TOKEN, accept_any_token=True) as server:
        report = await preflight(server.base_url)
    assert not report.ok
    wrong = report.get("wrong_token")
    assert wrong.status == "fail"
    assert wrong.detail == "HTTP 200: a made-up token was accepted."
    assert "does not check tokens" in wrong.cause
    assert wrong.fix.startswith("Do not give Okta this URL.")
    assert statuses(report)["token"] == "pass"  # the other checks still tell what they saw


async def test_server_that_never_answers_times_out_within_the_limit() -> None:
    with SilentServer() as server:
        started = time.monotonic()
        report = await preflight(server.origin + "/api/v1/scim", timeout=0.3, total_timeout=2.0)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5, elapsed
    connection = report.get("connection")
    assert connection.status == "fail"
    assert connection.detail == "No answer within 0.3 s."
    assert "accepted the connection but sent no answer within 0.3 s" in connection.cause
    assert "Retry in a few minutes" in connection.fix
    assert all(statuses(report)[k] == "skip" for k in ("wrong_token", "token", "filter", "unknown_id"))


async def test_total_timeout_bounds_the_whole_run() -> None:
    with SilentServer() as server:
        started = time.monotonic()
        report = await preflight(server.origin + "/api/v1/scim", timeout=5.0, total_timeout=0.4)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5, elapsed
    connection = report.get("connection")
    assert connection.status == "fail"
    assert connection.detail == "Stopped: the whole check exceeded its 0.4 s limit."
    assert not report.ok


async def test_connection_refused_names_host_and_port() -> None:
    with CannedServer(html()) as server:
        origin = server.origin
    report = await preflight(origin + "/api/v1/scim", timeout=1.0)
    connection = report.get("connection")
    assert connection.status == "fail"
    assert connection.detail == "Connection refused."
    assert f"127.0.0.1:{origin.rsplit(':', 1)[1]}" in connection.cause


async def test_self_signed_certificate_names_its_issuer(tmp_path) -> None:
    context, _ = self_signed_tls(tmp_path, issuer="Acme Corp Root CA")
    with ScimServer(TOKEN, ssl_context=context) as server:
        report = await preflight(server.base_url, timeout=2.0)
        reached = len(server.requests)
    assert reached == 0  # the token never crossed an untrusted connection
    connection = report.get("connection")
    assert connection.status == "fail"
    assert connection.detail.startswith("Certificate issued by “Acme Corp / Acme Corp Root CA” (self-signed)")
    assert "which this computer does not trust" in connection.cause
    assert "TLS-inspecting proxy" in connection.cause
    assert "SSL_CERT_FILE" in connection.fix
    assert statuses(report)["token"] == "skip"


async def test_inspection_product_issuer_is_called_a_proxy(tmp_path) -> None:
    context, _ = self_signed_tls(tmp_path, issuer="Zscaler Root CA")
    with ScimServer(TOKEN, ssl_context=context) as server:
        report = await preflight(server.base_url, timeout=2.0)
    assert "“Zscaler / Zscaler Root CA” is a TLS-inspecting proxy product" in report.get("connection").cause


async def test_ssl_cert_file_is_respected(tmp_path, monkeypatch) -> None:
    context, cert_path = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with ScimServer(TOKEN, ssl_context=context) as server:
        report = await preflight(server.base_url, timeout=2.0)
    assert report.ok, report.to_json()
    assert report.get("connection").detail.startswith("TLS verified (TLSv1.")


async def test_os_trust_store_path_also_rejects_the_self_signed_certificate(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    context, _ = self_signed_tls(tmp_path)
    with ScimServer(TOKEN, ssl_context=context) as server:
        report = await preflight(server.base_url, timeout=2.0)
    assert report.get("connection").status == "fail"
    assert "Acme Corp Root CA" in report.get("connection").cause


async def test_redirect_to_another_host_is_reported_and_the_token_never_reaches_it() -> None:
    with CannedServer(lambda m, p, h: (200, {"Content-Type": "application/scim+json"}, b"{}")) as other:
        with CannedServer(redirect_to(other.origin)) as first:
            report = await preflight(first.origin + "/api/v1/scim")
            first_auth = {s.headers.get("authorization") for s in first.seen}
        assert other.seen == []
    assert f"Bearer {TOKEN}" in first_auth  # it did reach the host it belongs to
    token = report.get("token")
    assert token.status == "fail"
    assert token.detail.startswith(f"HTTP 302 redirect to {other.origin}/api/v1/scim/Users")
    assert "the token was not sent there" in token.cause
    assert "127.0.0.1" in token.cause
    assert not report.ok


async def test_redirect_on_the_same_host_says_okta_needs_the_final_url() -> None:
    def handler(method, path, headers):
        return (301, {"Location": path.replace("/api/v1/scim", "/api/v1/scim/v2", 1)}, b"")

    with CannedServer(handler) as server:
        report = await preflight(server.origin + "/api/v1/scim")
    assert "Okta does not follow redirects, so it needs the final URL" in report.get("token").cause


async def test_filter_ignored_by_the_server_fails() -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 1,
        "startIndex": 1,
        "itemsPerPage": 1,
        "Resources": [{"id": "1", "userName": "someone@acme.com"}],
    }

    def handler(method, path, headers):
        if headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"Content-Type": "application/scim+json"}, b'{"status": "401"}'
        if "/Users/" in path:
            return 404, {"Content-Type": "application/scim+json"}, b'{"status": "404"}'
        return 200, {"Content-Type": "application/scim+json"}, json.dumps(body).encode()

    with CannedServer(handler) as server:
        report = await preflight(server.origin + "/api/v1/scim")
    assert statuses(report)["token"] == "pass"
    assert report.get("filter").status == "fail"
    assert "ignores the filter" in report.get("filter").cause
    assert statuses(report)["unknown_id"] == "pass"


async def test_string_paging_fields_fail_the_token_check() -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": "0",
        "startIndex": "1",
        "itemsPerPage": 0,
        "Resources": [],
    }

    def handler(method, path, headers):
        if headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {}, b""
        return 200, {"Content-Type": "application/scim+json"}, json.dumps(body).encode()

    with CannedServer(handler) as server:
        report = await preflight(server.origin + "/api/v1/scim")
    token = report.get("token")
    assert token.status == "fail"
    assert token.detail == "HTTP 200, but totalResults, startIndex are not an integer."


async def test_server_errors_and_rate_limits_get_their_own_advice() -> None:
    for status, words in ((503, "Retry in a few minutes"), (429, "Wait a minute")):
        with CannedServer(lambda m, p, h, s=status: (s, {}, b"")) as server:
            report = await preflight(server.origin + "/api/v1/scim")
        assert words in report.get("token").fix


async def test_dns_failure_for_a_kandji_host_mentions_the_region(monkeypatch) -> None:
    import socket

    real = asyncio.base_events.BaseEventLoop.getaddrinfo

    async def no_such_host(self, host, port, **kwargs):
        if host in ("okta.com", "kandji.io"):  # other names resolve: online, so a wrong host
            return await real(self, "127.0.0.1", port, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr("asyncio.base_events.BaseEventLoop.getaddrinfo", no_such_host)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    url = parse_kandji_url("https://acme.api.kandji.io/api/v1/scim")
    report = await run_preflight(url, SecretStr(TOKEN), timeout=1.0)
    dns = report.get("dns")
    assert dns.status == "fail"
    assert dns.detail == "acme.api.kandji.io does not exist in DNS."
    assert "acme.api.eu.kandji.io" in dns.cause
    assert dns.fix.startswith("Copy the SCIM base URL again from Kandji")
    assert [r.status for r in report.results[1:]] == ["skip"] * 7


async def test_report_json_shape() -> None:
    with ScimServer(TOKEN) as server:
        report = await preflight(server.base_url)
    data = json.loads(report.to_json())
    assert set(data) == {"base_url", "ok", "summary", "checks"}
    assert data["ok"] is True
    fields = {"key", "title", "status", "request", "detail", "cause", "fix", "required", "kind", "fix_step"}
    assert set(data["checks"][0]) == fields


@pytest.mark.parametrize("bad", ["", "Bearer"])
def test_mask_never_reveals_short_tokens(bad) -> None:
    from wizard.kandji.tokens import mask_token

    assert mask_token(bad + "short") == "****"


def test_the_list_model_is_built_once_per_process() -> None:
    # pydantic holds `ListResponse[User]` weakly: rebuilt after each garbage collection, it cost
    # about 10 ms of CPU per pre-flight check.
    import gc

    from wizard.kandji import preflight
    from wizard.kandji.diagnose import LIST_RESPONSE_URN

    first = preflight._user_list_model()
    gc.collect()
    assert preflight._user_list_model() is first
    body = {"schemas": [LIST_RESPONSE_URN], "totalResults": 0, "Resources": []}
    assert preflight._scim_models_problem(body) is None
    assert "malformed" in (preflight._scim_models_problem({**body, "totalResults": "many"}) or "")
