"""Diagnosis that points at the right step (issue 11): a Kandji URL problem at B.1, missing Okta
rights at step 1, offline is not a typo (and no raw errno), a proxy's 407, and the config's
`allow_unknown_host` and `/Users` suffix."""

from __future__ import annotations

import socket

import pytest
from okta_support.proxy import ConnectProxy
from pydantic import SecretStr

from tests.test_cli_fixtures import app_ids
from wizard.commands.config import load_config
from wizard.commands.exit_codes import Exit
from wizard.kandji.preflight import run_preflight
from wizard.kandji.urls import parse_kandji_url
from wizard.okta import errors as E
from wizard.okta.auth import ApiTokenAuth
from wizard.okta.client import OktaClient
from wizard.okta.domains import parse_org_url
from wizard.okta_simulator import ManualClock

LOOPBACK = "--allow-insecure-loopback"


def apply(cli, config, *extra: str):
    return cli("apply", "--config", str(config), "--yes", "--timeout", "0", LOOPBACK, *extra)


def closing(result) -> str:
    return result.out.strip().splitlines()[-1]


# -- the closing line names the step that needs fixing ---------------------------------------------


def test_a_kandji_url_problem_is_fixed_at_b1_not_b2(cli, sim_setup) -> None:
    text = sim_setup.read_text()
    url = text.split('scim_base_url = "', 1)[1].split('"', 1)[0]
    sim_setup.write_text(text.replace(url, url.replace("/api/v1/scim", "/wrong")))
    result = apply(cli, sim_setup)
    assert result.code == Exit.FAILED, result.out
    line = closing(result)
    assert "fix at step B.1" in line and "Kandji SCIM base URL" in line, line
    assert "secret" not in line


def test_missing_okta_rights_at_the_app_create_are_fixed_at_step_1(cli, sim_setup, demo_services) -> None:
    sim = demo_services.okta_simulator
    # A token whose admin may read but not create apps, and whose roles step 1 cannot judge.
    token = sim.create_api_token(roles=["CUSTOM"])
    import os

    os.environ["OKTA_API_TOKEN"] = token  # sim_setup's monkeypatch restores it afterwards
    result = apply(cli, sim_setup)
    assert result.code == Exit.CREDENTIALS, result.out
    line = closing(result)
    assert "fix at step 1" in line and "admin role" in line, line
    assert app_ids(demo_services) == []
    assert "creating the SAML app (403 E0000006)" in result.out, result.out


# -- offline is not a typo ---------------------------------------------------------------------------


@pytest.fixture
def dns(monkeypatch):
    """Name lookups for anything but loopback fail; `dns.online` decides for the control names."""
    real = socket.getaddrinfo

    class Dns:
        online = True

    def fake(host, *args, **kwargs):
        if host in ("127.0.0.1", "localhost", "::1"):
            return real(host, *args, **kwargs)
        if Dns.online and host in ("okta.com", "kandji.io"):
            return real("127.0.0.1", *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    return Dns


@pytest.mark.parametrize("online", [True, False])
async def test_okta_offline_is_not_a_misspelled_org(dns, online: bool) -> None:
    dns.online = online
    clock = ManualClock()  # the client's retries wait on it, not in real seconds
    org = parse_org_url("https://acmee.okta.com")
    async with OktaClient(org, ApiTokenAuth(SecretStr("00x")), clock=clock, sleep=clock.sleep) as okta:
        with pytest.raises(E.OktaConnectError) as raised:
            await okta.get_org()
    text = str(raised.value)
    assert "Errno" not in text
    if online:
        assert "acmee.okta.com does not exist in DNS" in text and "typo" in text
    else:
        assert "offline" in text and "VPN" in text and "proxy" in text and "typo" not in text


@pytest.mark.parametrize("online", [True, False])
async def test_kandji_offline_is_not_a_misspelled_subdomain(dns, online: bool) -> None:
    dns.online = online
    report = await run_preflight(parse_kandji_url("https://acmee.api.kandji.io/api/v1/scim"), SecretStr("t"))
    failure = report.failures[0]
    words = f"{failure.detail} {failure.cause} {failure.fix}"
    assert failure.key == "dns" and "Errno" not in words
    if online:
        assert "misspelled" in words
    else:
        assert "offline" in words and "VPN" in words and "misspelled" not in words


# -- a proxy that wants credentials ------------------------------------------------------------------


async def test_a_proxy_refusing_the_connect_with_407_gets_the_proxy_auth_message(monkeypatch) -> None:
    with ConnectProxy({}, refuse_status="407 Proxy Authentication Required") as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        report = await run_preflight(
            parse_kandji_url("https://acme.api.kandji.io/api/v1/scim"), SecretStr("t")
        )
        async with OktaClient(parse_org_url("https://acme.okta.com"), ApiTokenAuth(SecretStr("00x"))) as okta:
            with pytest.raises(E.OktaProxyError) as raised:
                await okta.get_org()
    failure = report.failures[0]
    assert "Proxy Authentication Required" in failure.detail
    assert "wants its own credentials" in failure.cause and "HTTPS_PROXY" in failure.fix
    assert "407" in str(raised.value) and "its own credentials" in raised.value.remedy


# -- the config file's [kandji] table ----------------------------------------------------------------


@pytest.mark.parametrize("first", [True, False])
def test_allow_unknown_host_is_honoured_wherever_it_stands(tmp_path, first: bool) -> None:
    lines = ['scim_base_url = "https://scim.example-proxy.net/api/v1/scim"', "allow_unknown_host = true"]
    if first:
        lines.reverse()
    path = tmp_path / "setup.toml"
    path.write_text('[okta]\norg_url = "https://acme.okta.com"\n\n[kandji]\n' + "\n".join(lines) + "\n")
    config = load_config(path)
    assert config.kandji.allow_unknown_host
    assert config.kandji.scim_base_url.startswith("https://scim.example-proxy.net")


def test_apply_says_when_it_drops_a_users_suffix(cli, sim_setup) -> None:
    text = sim_setup.read_text()
    url = text.split('scim_base_url = "', 1)[1].split('"', 1)[0]
    sim_setup.write_text(text.replace(url, url + "/Users"))
    result = apply(cli, sim_setup)
    assert result.code == Exit.CONSOLE_STEP_9, result.out
    assert "removed '/Users' from the end: Okta adds it itself" in result.out
