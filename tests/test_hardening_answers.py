"""Hostile answers (issue 15 §2–3): what a server, a proxy or a captive portal can send back.
Every answer body is read in a stream and refused past 10 MB; JSON that cannot be decoded (cut
short, not text, nested 200,000 deep) is one sentence, never a traceback; and the run's closing
line and exit code name what really happened — a redirect, a web page, an untrusted
certificate, an answer too large — instead of "a secret is missing" or "Okta had a server error".

`apply` runs in-process against the Okta simulator behind `tests.hostile_answers.HostileOkta`,
which passes every call through except the one a case aims at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from tests import hostile_answers as H
from tests.hardening_support import FIGURES, HOSTILE_ANSWERS, ConsoleAdmin, assert_no_traceback
from tests.test_cli_fixtures import CONFIG
from wizard.commands.exit_codes import Exit

APPS_SEARCH = r"/api/v1/apps\?q=.*"
MB = 1024 * 1024


def _config(tmp_path: Path, demo, org_url: str) -> Path:
    path = tmp_path / "hostile.toml"
    path.write_text(
        CONFIG.format(org_url=org_url, kandji_url=demo.kandji_base_url, login=demo.test_person.login)
    )
    return path


def _apply(cli, config: Path):
    result = cli("apply", "--config", str(config), "--yes", "--timeout", "0", "--allow-insecure-loopback")
    text = result.out + result.err
    assert_no_traceback(text)
    assert "was never awaited" not in text
    return result


def _closing(result) -> str:
    """The run's last line: its verdict."""
    return (result.out + result.err).rstrip().splitlines()[-1]


# -- the closing line names the cause; the exit code follows it -----------------------------------

Case = tuple[str, str, Callable[[], H.Answer], str]
CASES: dict[str, Case] = {
    "302 on the first call": (
        "GET",
        r"/api/v1/org",
        H.redirect,
        r"redirect \(HTTP 302\) to https://login\.portal",
    ),
    "301 on the app search": ("GET", APPS_SEARCH, lambda: H.redirect(status=301), r"redirect \(HTTP 301\)"),
    "a web page with 200 on the first call": (
        "GET",
        r"/api/v1/org",
        H.html_page,
        r"web page \(HTTP 200, text/html\)",
    ),
    "a web page with 200 on a create": ("POST", r"/api/v1/apps", H.html_page, r"web page \(HTTP 200"),
    "50 MB list on the app search": (
        "GET",
        APPS_SEARCH,
        lambda: H.big_json_list(50 * MB),
        r"answered GET /api/v1/apps with more than 10 MB",
    ),
    "200,000-deep JSON on the app search": ("GET", APPS_SEARCH, H.deep_json, r"nested too deeply"),
    "200,000-deep JSON on the first call": ("GET", r"/api/v1/org", H.deep_json, r"nested too deeply"),
    "not UTF-8 on reading the admin": (
        "GET",
        r"/api/v1/users/me",
        lambda: H.Answer(200, {"Content-Type": "application/json"}, b'["\xff\xfe"]'),
        r"not text in UTF-8",
    ),
    "a 60 MB Content-Length announced": (
        "GET",
        r"/api/v1/org",
        lambda: H.Answer(200, {"Content-Type": "application/json"}, b"{}", length=60 * MB, cut_after=2),
        r"60 MB \(as announced\)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_answer_ends_apply_with_its_real_cause(case: str, cli, sim_setup, demo_services, tmp_path):
    FIGURES.add(HOSTILE_ANSWERS)
    method, regex, answer, expected = CASES[case]
    with H.HostileOkta(demo_services.org_url) as hostile:
        hostile.add(method, regex, answer)
        result = _apply(cli, _config(tmp_path, demo_services, hostile.url))
    closing = _closing(result)
    assert result.code == Exit.BAD_ANSWER, result.out + result.err
    assert re.search(expected, closing), closing
    assert "(exit 8)" in closing
    text = result.out + result.err
    assert "a secret is missing" not in text and "status.okta.com" not in text
    assert "Traceback" not in text


KANDJI_CASES: dict[str, tuple[Callable[[], H.Answer], str]] = {
    "a redirect": (lambda: H.redirect("https://sso.portal.example/"), r"HTTP 302 redirect to https://sso\.portal"),
    "a web page": (H.html_page, r"HTML page, not SCIM JSON"),
    "50 MB": (lambda: H.big_json_list(50 * MB), r"larger than 10 MB"),
}


@pytest.mark.parametrize("case", list(KANDJI_CASES))
def test_a_hostile_kandji_answer_at_b2_ends_apply_with_its_real_cause(
    case: str, cli, sim_setup, demo_services, tmp_path
) -> None:
    FIGURES.add(HOSTILE_ANSWERS)
    answer, expected = KANDJI_CASES[case]
    scim_path = httpx.URL(demo_services.kandji_base_url).path
    with H.HostileOkta(demo_services.kandji_base_url) as hostile:
        hostile.add("GET", re.escape(scim_path) + r"/Users\?.*", answer)
        config = tmp_path / "kandji.toml"
        config.write_text(
            CONFIG.format(
                org_url=demo_services.org_url,
                kandji_url=hostile.url + scim_path,
                login=demo_services.test_person.login,
            )
        )
        result = _apply(cli, config)
    closing = _closing(result)
    assert result.code == Exit.BAD_ANSWER, result.out + result.err
    assert "Kandji's SCIM address did not answer as a SCIM API" in closing, closing
    assert re.search(expected, closing), closing


def test_an_untrusted_certificate_ends_apply_naming_tls_not_a_secret(
    cli, sim_setup, demo_services, tmp_path, monkeypatch
) -> None:
    """acme.okta.com reached through a CONNECT proxy, answered with a certificate from a CA this
    machine does not trust (what a TLS-inspecting proxy does)."""
    from okta_support.proxy import ConnectProxy
    from okta_support.tls import make_pki

    from wizard.okta_simulator import OktaSimulator
    from wizard.state import StateStore, StepStatus

    FIGURES.add(HOSTILE_ANSWERS)
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    # B.2 would test a real Kandji host: it is marked done, and no Kandji token is given.
    monkeypatch.delenv("KANDJI_SCIM_TOKEN")
    with StateStore(Path(os.environ["OKTA_KANDJI_SETUP_STATE_DIR"])).open(
        "https://acme.okta.com", "acme.okta.com"
    ) as session:
        for step in ("B.1", "B.2"):
            session.set_status(step, StepStatus.DONE)
    pki = make_pki(tmp_path)
    with (
        OktaSimulator(ssl_context=pki.server_context) as sim,
        ConnectProxy({"acme.okta.com:443": ("127.0.0.1", sim.port)}) as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        config = tmp_path / "tls.toml"
        config.write_text(
            CONFIG.format(
                org_url="https://acme.okta.com",
                kandji_url="https://acme.api.kandji.io/api/v1/scim",
                login=demo_services.test_person.login,
            )
        )
        result = _apply(cli, config)
    closing = _closing(result)
    assert result.code == Exit.BAD_ANSWER, result.out + result.err
    assert "TLS certificate presented for acme.okta.com was not trusted" in closing, closing
    assert "a secret is missing" not in result.out + result.err


def test_a_deeply_nested_error_answer_is_read_as_no_body(cli, sim_setup, demo_services, tmp_path) -> None:
    """An error status whose body is 200,000-deep JSON: the status still decides (here 401)."""
    FIGURES.add(HOSTILE_ANSWERS)
    deep_401 = lambda: H.Answer(401, {"Content-Type": "application/json"}, b"[" * 200_000)  # noqa: E731
    with H.HostileOkta(demo_services.org_url) as hostile:
        hostile.add("GET", r"/api/v1/org", deep_401)
        result = _apply(cli, _config(tmp_path, demo_services, hostile.url))
    assert result.code == Exit.CREDENTIALS, result.out + result.err
    assert "Okta did not accept the credentials (HTTP 401)" in _closing(result)


def test_a_missing_secret_is_named_as_missing(cli, sim_setup, monkeypatch) -> None:
    FIGURES.add(HOSTILE_ANSWERS)
    monkeypatch.delenv("OKTA_API_TOKEN")
    result = _apply(cli, sim_setup)
    assert result.code == Exit.CREDENTIALS and "No Okta API token:" in result.err


def test_a_test_password_left_out_is_named_in_the_closing_line(
    cli, sim_setup, demo_services, monkeypatch
) -> None:
    FIGURES.add(HOSTILE_ANSWERS)
    ConsoleAdmin(demo_services)  # does the console steps 9–14 as soon as the app exists
    monkeypatch.delenv("OKTA_TEST_USER_PASSWORD")
    result = cli("apply", "--config", str(sim_setup), "--yes", "--timeout", "20", "--allow-insecure-loopback")
    assert_no_traceback(result.out + result.err)
    closing = _closing(result)
    assert result.code == Exit.CREDENTIALS, result.out
    assert "a secret is missing or refused, or the keyring is locked" not in closing
    assert "password" in closing.lower(), closing


# -- the clients on their own: the cap, the stream, decode errors -----------------------------------


async def test_the_okta_client_refuses_a_big_answer_without_holding_it(demo_services) -> None:
    from wizard.okta.auth import ApiTokenAuth
    from wizard.okta.client import OktaClient
    from wizard.okta.domains import parse_org_url
    from wizard.okta.unusable import OktaAnswerTooLarge

    FIGURES.add(HOSTILE_ANSWERS)
    with H.HostileOkta(demo_services.org_url) as hostile:
        hostile.add("GET", APPS_SEARCH, lambda: H.big_json_list(50 * MB))
        org = parse_org_url(hostile.url, allow_insecure_loopback=True)
        async with OktaClient(org, ApiTokenAuth(demo_services.api_token)) as okta:
            with pytest.raises(OktaAnswerTooLarge) as info:
                await okta.find_app_by_label("Kandji SCIM App")
            assert await okta.get_org()  # the client is still usable afterwards
    assert "127.0.0.1 answered GET /api/v1/apps with more than 10 MB" in str(info.value)
    (record,) = [r for r in okta.call_log if r.operation == "find_app_by_label"]
    assert record.error == "OktaAnswerTooLarge"


def _kandji_hostile(demo, path_regex: str, answer: Callable[[], H.Answer]) -> H.HostileOkta:
    hostile = H.HostileOkta(demo.kandji_base_url)
    hostile.add("GET", path_regex, answer)
    return hostile


@pytest.mark.parametrize(
    ("case", "path", "answer", "expected"),
    [
        ("50 MB", r"/ServiceProviderConfig", lambda: H.big_json_list(50 * MB), "larger than 10 MB"),
        ("200,000-deep JSON", r"/Users\?.*", H.deep_json, "not JSON"),
    ],
)
async def test_kandji_preflight_refuses_a_hostile_answer_in_one_sentence(
    case: str, path: str, answer, expected: str, demo_services
) -> None:
    from wizard.kandji.preflight import run_preflight
    from wizard.kandji.urls import parse_kandji_url

    FIGURES.add(HOSTILE_ANSWERS)
    scim_path = httpx.URL(demo_services.kandji_base_url).path
    with _kandji_hostile(demo_services, re.escape(scim_path) + path, answer) as hostile:
        url = parse_kandji_url(hostile.url + scim_path, allow_insecure_loopback=True)
        report = await run_preflight(url, demo_services.kandji_token)
    failed = report.failures[0]
    assert expected in f"{failed.detail} {failed.cause}", failed


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(lambda: H.big_json_list(50 * MB), "larger than 10 MB"), (H.deep_json, "not JSON")],
)
async def test_kandji_user_lookup_at_step_24_refuses_a_hostile_answer(
    answer, expected, demo_services
) -> None:
    from wizard.kandji.urls import parse_kandji_url
    from wizard.kandji.verify import verify_users

    FIGURES.add(HOSTILE_ANSWERS)
    scim_path = httpx.URL(demo_services.kandji_base_url).path
    with _kandji_hostile(demo_services, re.escape(scim_path) + r"/Users\?.*", answer) as hostile:
        url = parse_kandji_url(hostile.url + scim_path, allow_insecure_loopback=True)
        (seen,) = await verify_users(url, SecretStr(demo_services.kandji_token.get_secret_value()), ["a@b.c"])
    assert seen.status == "error" and expected in seen.detail, seen


def _gzip_bomb(size: int) -> bytes:
    """A JSON list of `size` bytes, gzip-compressed (in steps, never held whole) to ~200 KB."""
    import zlib

    packer = zlib.compressobj(9, wbits=31)
    step = b"0," * (MB // 2)
    parts = [packer.compress(b"[")]
    parts += [packer.compress(step) for _ in range(size // MB)]
    parts.append(packer.compress(b"0]") + packer.flush())
    return b"".join(parts)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw deflate"])
async def test_a_compressed_answer_is_read_like_any_other(encoding: str, demo_services) -> None:
    import zlib

    from wizard.okta.auth import ApiTokenAuth
    from wizard.okta.client import OktaClient
    from wizard.okta.domains import parse_org_url

    FIGURES.add(HOSTILE_ANSWERS)
    wbits = {"gzip": 31, "deflate": 15, "raw deflate": -15}[encoding]
    packer = zlib.compressobj(wbits=wbits)
    body = packer.compress(b'{"id": "00o1", "subdomain": "squeezed"}') + packer.flush()
    header = "gzip" if encoding == "gzip" else "deflate"
    answer = lambda: H.Answer(200, {"Content-Type": "application/json", "Content-Encoding": header}, body)  # noqa: E731
    with H.HostileOkta(demo_services.org_url) as hostile:
        hostile.add("GET", r"/api/v1/org", answer)
        org = parse_org_url(hostile.url, allow_insecure_loopback=True)
        async with OktaClient(org, ApiTokenAuth(demo_services.api_token)) as okta:
            assert (await okta.get_org())["subdomain"] == "squeezed"


async def test_a_gzip_bomb_is_refused_without_inflating_it_in_memory(demo_services) -> None:
    """60 MB of JSON in ~60 KB of gzip: refused at 10 MB, and never more than a little over
    10 MB held (inflating each network read whole, as httpx does, held 137 MB)."""
    import tracemalloc

    from wizard.okta.auth import ApiTokenAuth
    from wizard.okta.client import OktaClient
    from wizard.okta.domains import parse_org_url
    from wizard.okta.unusable import OktaAnswerTooLarge

    FIGURES.add(HOSTILE_ANSWERS)
    bomb = _gzip_bomb(60 * MB)
    gzipped = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    with H.HostileOkta(demo_services.org_url) as hostile:
        hostile.add("GET", APPS_SEARCH, lambda: H.Answer(200, gzipped, bomb))
        org = parse_org_url(hostile.url, allow_insecure_loopback=True)
        async with OktaClient(org, ApiTokenAuth(demo_services.api_token)) as okta:
            await okta.get_org()
            tracemalloc.start()
            try:
                with pytest.raises(OktaAnswerTooLarge):
                    await okta.find_app_by_label("Kandji SCIM App")
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    assert len(bomb) < MB and peak < 32 * MB, f"{peak / MB:.1f} MB held while refusing a gzip bomb"


@pytest.mark.parametrize(
    ("case", "answer", "expected"),
    [
        ("a redirect", H.redirect, "OktaRedirectError"),
        ("a web page", H.html_page, "OktaHtmlAnswer"),
        ("200,000-deep JSON", H.deep_json, "OktaMalformedAnswer"),
    ],
)
async def test_the_oauth_token_endpoint_answering_like_no_okta_says_what_it_was(
    case: str, answer, expected: str, demo_services
) -> None:
    """A service app's sign-in: the token request is answered by something else."""
    from okta_support.keys import service_app_auth

    from wizard.okta.client import OktaClient
    from wizard.okta.domains import parse_org_url

    FIGURES.add(HOSTILE_ANSWERS)
    with H.HostileOkta(demo_services.org_url) as hostile:
        hostile.add("POST", r"/oauth2/v1/token", answer)
        org = parse_org_url(hostile.url, allow_insecure_loopback=True)
        async with OktaClient(org, service_app_auth(demo_services.okta_simulator)) as okta:
            with pytest.raises(Exception) as info:
                await okta.get_org()
    assert type(info.value).__name__ == expected, repr(info.value)
    assert info.value.operation == "oauth_token"


def test_verify_names_a_redirect_instead_of_saying_the_steps_no_longer_hold(
    cli, sim_setup, demo_services, tmp_path
) -> None:
    FIGURES.add(HOSTILE_ANSWERS)
    with H.HostileOkta(demo_services.org_url) as hostile:
        config = _config(tmp_path, demo_services, hostile.url)
        assert _apply(cli, config).code == Exit.CONSOLE_STEP_9
        hostile.add("GET", r"/api/v1/.*", H.redirect)
        result = cli("verify")
    assert_no_traceback(result.out + result.err)
    closing = _closing(result)
    assert result.code == Exit.BAD_ANSWER, result.out + result.err
    assert "because Okta answered with a redirect (HTTP 302) to https://login.portal" in closing, closing
