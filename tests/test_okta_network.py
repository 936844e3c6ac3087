"""Where the Okta client's traffic goes: through HTTPS_PROXY (a CONNECT proxy on loopback), with
the OS trust store plus SSL_CERT_FILE, never with credentials to another host, never redirected."""

from __future__ import annotations

import httpx
import pytest
from okta_support.proxy import ConnectProxy
from okta_support.tls import make_pki
from pydantic import SecretStr

from wizard.okta import errors as E
from wizard.okta.auth import ApiTokenAuth
from wizard.okta.client import OktaClient
from wizard.okta.domains import parse_org_url
from wizard.okta_simulator import OktaSimulator

ORG = "https://acme.okta.com"


@pytest.fixture
def tls_sim(tmp_path):
    pki = make_pki(tmp_path)
    with OktaSimulator(ssl_context=pki.server_context) as simulator:
        yield simulator, pki


@pytest.fixture
def no_proxy_env(monkeypatch):
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)


async def test_https_proxy_is_used_with_connect_and_ssl_cert_file_is_trusted(
    tls_sim, no_proxy_env, monkeypatch
):
    sim, pki = tls_sim
    with ConnectProxy({"acme.okta.com:443": ("127.0.0.1", sim.port)}) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
        for i in range(3):
            sim.tenant.add_app(f"Kandji SCIM App {i}")
        async with OktaClient(parse_org_url(ORG), ApiTokenAuth(SecretStr(sim.api_token))) as okta:
            org = await okta.get_org()
            assert await okta.find_app_by_label("Kandji SCIM App") is None
    assert org["subdomain"] == "acme"
    assert proxy.tunnels and set(proxy.tunnels) == {"acme.okta.com:443"}
    # The simulator saw the org host, so its Link headers point back through the proxy.
    assert all(ex.url.startswith("https://acme.okta.com/") for ex in sim.exchanges)


async def test_untrusted_certificate_is_a_tls_error_with_a_remedy(tls_sim, no_proxy_env, monkeypatch):
    sim, _ = tls_sim
    with ConnectProxy({"acme.okta.com:443": ("127.0.0.1", sim.port)}) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        async with OktaClient(parse_org_url(ORG), ApiTokenAuth(SecretStr(sim.api_token))) as okta:
            with pytest.raises(E.OktaTLSError) as info:
                await okta.get_org()
    assert "SSL_CERT_FILE" in info.value.remedy
    assert sim.api_token not in str(info.value)
    assert not sim.exchanges, "no request may reach Okta over an untrusted connection"


async def test_proxy_that_refuses_the_tunnel_is_a_proxy_error(tls_sim, no_proxy_env, monkeypatch):
    sim, pki = tls_sim
    with ConnectProxy({}) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
        async with OktaClient(parse_org_url(ORG), ApiTokenAuth(SecretStr(sim.api_token))) as okta:
            with pytest.raises(E.OktaProxyError) as info:
                await okta.get_org()
    assert proxy.refused == ["CONNECT acme.okta.com:443 HTTP/1.1"]
    assert "HTTPS_PROXY" in info.value.remedy


async def test_no_proxy_bypasses_the_proxy(no_proxy_env, monkeypatch):
    with OktaSimulator() as sim:
        org = parse_org_url(sim.base_url, allow_insecure_loopback=True)
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
        async with OktaClient(org, ApiTokenAuth(SecretStr(sim.api_token)), sleep=_no_sleep) as okta:
            with pytest.raises(E.OktaNetworkError):
                await okta.get_org()
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with OktaClient(org, ApiTokenAuth(SecretStr(sim.api_token))) as okta:
            assert (await okta.get_org())["subdomain"] == "acme"


def _mock_client(handler, **kwargs) -> OktaClient:
    org = parse_org_url("http://127.0.0.1:8080", allow_insecure_loopback=True)
    auth = ApiTokenAuth(SecretStr("00" + "t" * 40))
    return OktaClient(org, auth, transport=httpx.MockTransport(handler), **kwargs)


async def test_credentials_are_never_sent_to_a_host_named_in_a_link_header():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        link = '<https://attacker.example/api/v1/apps?after=x>; rel="next"'
        return httpx.Response(
            200, json=[{"id": "0oa1", "label": "Other", "signOnMode": "SAML_2_0"}], headers={"Link": link}
        )

    async with _mock_client(handler) as okta:
        with pytest.raises(E.OktaUnsafeRequestError) as info:
            await okta.find_app_by_label("Kandji SCIM App")
    assert seen == ["http://127.0.0.1:8080/api/v1/apps?q=Kandji+SCIM+App&limit=200"]
    assert "attacker.example" in str(info.value)
    assert "tttt" not in str(info.value)


async def test_redirects_are_not_followed():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://login.example/api/v1/org"})

    async with _mock_client(handler) as okta:
        with pytest.raises(E.OktaUnsafeRequestError):
            await okta.get_org()
    assert len(seen) == 1


async def test_connect_failure_is_explained(no_proxy_env):
    org = parse_org_url("http://127.0.0.1:9", allow_insecure_loopback=True)
    async with OktaClient(org, ApiTokenAuth(SecretStr("00" + "t" * 40)), sleep=_no_sleep) as okta:
        with pytest.raises(E.OktaConnectError) as info:
            await okta.get_org()
    assert "org URL" in info.value.remedy
    assert len(okta.call_log) == 4  # GET is retried


async def _no_sleep(seconds: float) -> None:
    return None
