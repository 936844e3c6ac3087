"""Hostile input (issue 7 §3): Okta org URLs, Kandji SCIM URLs, tokens, config files and the
CLI end to end. Every bad input gets a sentence saying what was wrong and what to do, never a
traceback; every case tried is counted in the figures. Hypothesis fills in what a list misses.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening_support import BAD_INPUTS, FIGURES, assert_no_traceback
from wizard.commands.config import ConfigError, load_config
from wizard.commands.exit_codes import Exit
from wizard.kandji.tokens import TokenInputError, clean_bearer_token
from wizard.kandji.urls import KandjiUrlError, parse_kandji_url
from wizard.okta.auth import clean_api_token
from wizard.okta.domains import OKTA_DOMAINS, OrgUrlError, parse_org_url

# A message is actionable when it tells the admin what to type, paste, use, add or remove.
ACTION = re.compile(
    r"\b(use|enter|remove|paste|retype|add|confirm|copy|expected|choose|put|set|check|correct"
    r"|continue only)\b",
    re.IGNORECASE,
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def tried(n: int = 1) -> None:
    FIGURES.add(BAD_INPUTS, n)


def assert_actionable(message: str) -> None:
    assert message.strip() and message.rstrip()[-1] in ".)!", message
    assert ACTION.search(message), message
    assert_no_traceback(message)


# -- Okta org URLs -------------------------------------------------------------------------------

BAD_ORG_URLS = [
    "",
    "   ",
    "https://acme-admin.okta.com",
    "acme-admin.oktapreview.com",
    "http://acme.okta.com",
    "ftp://acme.okta.com",
    "https://acme.okta.com/admin/dashboard",
    "https://acme.okta.com/?x=1",
    "https://acme.okta.com/#frag",
    "https://acme.okta.com:8443",
    "https://acme.okta.com:99999",
    "https://acme.okta.com:port",
    "https://{yourOktaDomain}",
    "{yourOktaDomain}",
    "https://${yourOktaDomain}",
    "https://<your-org>.okta.com",
    "https://your-okta-domain.okta.com",
    "https://yourorg.okta.com",
    "https://example.okta.com",
    "https://dev-123456.example.com",
    "https://acmé.okta.com",
    "https://ａｃｍｅ.okta.com",  # fullwidth letters
    "https://xn--acm-bma.okta.com",
    "https://acme.okta.com\u200b",  # zero-width space
    "https://ac me.okta.com",
    "https://acme.okta.com\nhttps://evil.example.org",
    "\thttps://acme.okta.com/ admin",
    "https://okta.com",
    "https://a.b.okta.com",
    "https://-acme.okta.com",
    "https://acme-.okta.com",
    "https://" + "a" * 64 + ".okta.com",
    "https://admin@acme.okta.com",
    "https://user:pass@acme.okta.com",
    "https://login.acme-corp.com",  # a custom domain, not confirmed
    "https://acme.okta.com.evil.io",
    "https://127.0.0.1:8080",
    "http://localhost",
    "https://[::1]:443",
    "https://",
    "://",
    "okta",
    "https://acme.okta.com]",
]


@pytest.mark.parametrize("text", BAD_ORG_URLS)
def test_bad_okta_org_urls_are_refused_with_what_to_type(text: str) -> None:
    tried()
    with pytest.raises(OrgUrlError) as caught:
        parse_org_url(text)
    assert_actionable(str(caught.value))


def test_a_custom_domain_is_accepted_only_when_confirmed() -> None:
    tried()
    assert parse_org_url("https://login.acme-corp.com", allow_custom=True).is_custom
    with pytest.raises(OrgUrlError, match="confirm it"):
        parse_org_url("https://login.acme-corp.com")


@FAST
@given(st.text(max_size=80))
def test_any_text_is_an_okta_org_url_or_a_sentence(text: str) -> None:
    tried()
    try:
        org = parse_org_url(text)
    except OrgUrlError as exc:
        assert_actionable(str(exc))
        return
    # Accepted: credentials can only ever go to https on one of Okta's own domains.
    assert org.base_url == f"https://{org.host}" and org.host.isascii()
    assert any(org.host.endswith("." + domain) for domain in OKTA_DOMAINS)
    assert not org.host.split(".")[0].endswith("-admin")


@FAST
@given(
    st.sampled_from(["http://", "https://", "", " ", "HTTPS://"]),
    st.from_regex(r"[a-z0-9-]{1,12}(-admin)?", fullmatch=True),
    st.sampled_from([*OKTA_DOMAINS, "okta.co", "example.com", "okta.com.evil.io"]),
    st.sampled_from(["", "/", "/admin", ":443", ":8443", "?a=b", " ", "\n"]),
)
def test_composed_org_urls_are_accepted_or_explained(scheme: str, sub: str, domain: str, tail: str) -> None:
    tried()
    text = f"{scheme}{sub}.{domain}{tail}"
    try:
        parse_org_url(text)
    except OrgUrlError as exc:
        assert_actionable(str(exc))
        return
    assert domain in OKTA_DOMAINS and not sub.endswith("-admin") and not scheme.strip().startswith("http:")


# -- Kandji SCIM URLs ----------------------------------------------------------------------------

BAD_KANDJI_URLS = [
    "",
    "http://acme.api.kandji.io/api/v1/scim",
    "https://acme.kandji.io",
    "https://acme.kandji.io/api/v1/scim",
    "https://acme.api.kandji.io:8443/api/v1/scim",
    "https://acme.api.kandji.io/api/v1/scim?token=abc",
    "https://acme.api.kandji.io/api//v1/scim",
    "https://{subdomain}.api.kandji.io/api/v1/scim",
    "https://<your-subdomain>.api.kandji.io/api/v1/scim",
    "https://your_company.api.kandji.io/api/v1/scim",
    "https://acmé.api.kandji.io/api/v1/scim",
    "https://acme.api.kandji.io/api/v1/scim extra",
    "https://user:pw@acme.api.kandji.io/api/v1/scim",
    "https://scim.example.org/api/v1/scim",  # unknown host, not confirmed
    "https://acme.api.kandji.io.evil.io/api/v1/scim",
    "https://127.0.0.1:8080/api/v1/scim",
    "https://",
    "not a url",
]


@pytest.mark.parametrize("text", BAD_KANDJI_URLS)
def test_bad_kandji_urls_are_refused_with_what_to_paste(text: str) -> None:
    tried()
    with pytest.raises(KandjiUrlError) as caught:
        parse_kandji_url(text)
    assert_actionable(str(caught.value))


@FAST
@given(st.text(max_size=80))
def test_any_text_is_a_kandji_url_or_a_sentence(text: str) -> None:
    tried()
    try:
        url = parse_kandji_url(text)
    except KandjiUrlError as exc:
        assert_actionable(str(exc))
        return
    assert url.base_url.startswith("https://") and url.is_known_host and "_" not in url.base_url


# -- tokens --------------------------------------------------------------------------------------

TOKEN = "kT9xQ2mVb7LpR4sW8yZ1nC6d"
OKTA_TOKEN = "00" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bD1fH3jL5nP7r"
BAD_TOKENS = [
    "",
    "   \n",
    '""',
    "Bearer ",
    "kT9x QYmV",  # split when copied
    f"{TOKEN[:10]}\n{TOKEN[10:]}",
    f"{TOKEN}\x00",
    f"{TOKEN}\x1b[0m",
    f"“{TOKEN}”x",
    f"{TOKEN}é",
    "short",
    TOKEN * 400,  # a whole page pasted
]
FIXABLE_TOKENS = [
    f"  {TOKEN}  ",
    f"{TOKEN}\n",
    f"\r\n{TOKEN}\r\n",
    f'"{TOKEN}"',
    f"'{TOKEN}'",
    f"“{TOKEN}”",
    f"Bearer {TOKEN}",
    f"bearer   {TOKEN}",
    f"Authorization: Bearer {TOKEN}",
    f'"Bearer {TOKEN}"',
]


@pytest.mark.parametrize("text", BAD_TOKENS)
@pytest.mark.parametrize("clean", [clean_bearer_token, clean_api_token], ids=["kandji", "okta"])
def test_unusable_tokens_are_refused_without_repeating_them(clean, text: str) -> None:
    tried()
    with pytest.raises(TokenInputError) as caught:
        clean(text)
    message = str(caught.value)
    assert_actionable(message)
    if len(text.strip()) >= 8:
        assert text.strip()[:8] not in message


@pytest.mark.parametrize("text", FIXABLE_TOKENS)
def test_paste_slips_around_a_token_are_removed_and_said(text: str) -> None:
    tried()
    token, notes = clean_bearer_token(text)
    assert token.get_secret_value() == TOKEN and notes


@pytest.mark.parametrize(
    "text",
    [f"SSWS {OKTA_TOKEN}", f"Authorization: SSWS {OKTA_TOKEN}", f" '{OKTA_TOKEN}'\n", f"Bearer {OKTA_TOKEN}"],
)
def test_okta_token_paste_slips_are_removed(text: str) -> None:
    tried()
    token, notes = clean_api_token(text)
    assert token.get_secret_value() == OKTA_TOKEN and notes


@FAST
@given(st.text(max_size=200))
def test_any_text_is_a_clean_token_or_a_sentence_without_it(text: str) -> None:
    tried()
    try:
        token, _ = clean_bearer_token(text)
    except TokenInputError as exc:
        assert_actionable(str(exc))
        if len(text.strip()) >= 8:
            assert text.strip() not in str(exc)
        return
    value = token.get_secret_value()
    assert value.isascii() and value.isprintable() and " " not in value and 8 <= len(value) <= 4096


# Through the product: OKTA_API_TOKEN as a headless run receives it.
@pytest.mark.parametrize(
    "value",
    [
        f"{OKTA_TOKEN[:20]}\n{OKTA_TOKEN[20:]}",
        f"{OKTA_TOKEN}\r\nX-Evil: 1",
        f"{OKTA_TOKEN}é",
        "x" * 100_000,
        "abc",
    ],
    ids=["newline-inside", "header-injection", "non-ascii", "very-long", "too-short"],
)
def test_a_hostile_okta_token_stops_at_step_1_without_echoing_it(cli, tmp_path, monkeypatch, value) -> None:
    tried()
    monkeypatch.setenv("OKTA_API_TOKEN", value)
    config = tmp_path / "setup.toml"  # nothing listens there: the token must stop before any call
    config.write_text(
        '[okta]\norg_url = "http://127.0.0.1:9"\n[kandji]\nscim_base_url = "http://127.0.0.1:9/api/v1/scim"\n'
    )
    result = cli("apply", "--config", str(config), "--yes", "--allow-insecure-loopback")
    text = result.out + result.err
    assert result.code == Exit.CREDENTIALS, text
    assert "OKTA_API_TOKEN (from environment) cannot be used" in text and "(step 1)" in text
    assert_no_traceback(text)
    assert value.strip()[:12] not in text or len(value.strip()) < 8
    assert_actionable(text.strip().splitlines()[-1])


@pytest.mark.parametrize("value", [f"SSWS {OKTA_TOKEN}", f'"Bearer {OKTA_TOKEN}"\n'])
def test_okta_token_with_a_prefix_or_quotes_still_signs_in(
    cli, sim_setup, demo_services, monkeypatch, value
) -> None:
    tried()
    real = demo_services.api_token.get_secret_value()
    monkeypatch.setenv("OKTA_API_TOKEN", value.replace(OKTA_TOKEN, real))
    result = cli("apply", "--config", str(sim_setup), "--yes", "--allow-insecure-loopback", "--timeout", "0")
    assert result.code == Exit.CONSOLE_STEP_9, result.out + result.err  # signed in, app made


# -- config files --------------------------------------------------------------------------------

GOOD = """\
[okta]
org_url = "https://acme.okta.com"

[kandji]
scim_base_url = "https://acme.api.kandji.io/api/v1/scim"
"""
BAD_CONFIGS = {
    "empty": "",
    "only-comments": "# nothing here\n",
    "not-toml": "okta = {\n",
    "binary": "\x00\x01\x02",
    "okta-is-a-string": 'okta = "https://acme.okta.com"\n[kandji]\nscim_base_url = "https://acme.api.kandji.io/api/v1/scim"\n',
    "org-url-number": GOOD.replace('"https://acme.okta.com"', "42"),
    "org-url-list": GOOD.replace('"https://acme.okta.com"', '["https://acme.okta.com"]'),
    "org-url-admin": GOOD.replace("acme.okta.com", "acme-admin.okta.com"),
    "org-url-placeholder": GOOD.replace("https://acme.okta.com", "https://{yourOktaDomain}"),
    "unknown-top-key": GOOD + "\n[extras]\nx = 1\n",
    "unknown-okta-key": GOOD.replace("[okta]\n", "[okta]\ntoken_file = 'x'\n"),
    "misspelt-key": GOOD.replace("org_url", "orgurl"),
    "auth-wrong": GOOD.replace("[okta]\n", "[okta]\nauth = 'token'\n"),
    "custom-domain-number": GOOD.replace("[okta]\n", "[okta]\ncustom_domain = 7\n"),
    "timeout-negative": GOOD + "\n[apply]\nconsole_timeout = -5\n",
    "timeout-string": GOOD + "\n[apply]\nproof_timeout = 'soon'\n",
    "login-not-email": GOOD + "\n[test_user]\nlogin = 'taylor'\n",
    "logins-not-list": GOOD + "\n[existing_users]\nlogins = 'ada@acme.com'\n",
    "both-user-tables": GOOD + "\n[test_user]\nlogin = 'a@b.co'\n[existing_users]\nlogins = []\n",
    "secret-in-config": GOOD.replace("[okta]\n", f"[okta]\nclient_id = 'SSWS {OKTA_TOKEN}'\n"),
    "label-empty": GOOD + "\n[app]\nlabel = ''\n",
    "label-too-long": GOOD + f"\n[app]\nlabel = '{'x' * 300}'\n",
    "kandji-missing": "[okta]\norg_url = 'https://acme.okta.com'\n",
    "kandji-http": GOOD.replace("https://acme.api.kandji.io", "http://acme.api.kandji.io"),
    "oauth-without-client": GOOD.replace("[okta]\n", "[okta]\nauth = 'oauth'\n"),
    "table-is-array": GOOD + "\n[[app]]\nlabel = 'a'\n",
}


@pytest.mark.parametrize("text", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_config_files_name_the_problem(tmp_path: Path, text: str) -> None:
    tried()
    path = tmp_path / "setup.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    for problem in caught.value.problems:
        assert problem.startswith(str(path)), problem
        assert_actionable(problem)


def test_unreadable_and_missing_config_files(tmp_path: Path) -> None:
    tried(3)
    (tmp_path / "latin1.toml").write_bytes(b'[okta]\norg_url = "caf\xe9"\n')
    (tmp_path / "dir.toml").mkdir()
    for name in ("latin1.toml", "dir.toml", "missing.toml"):
        with pytest.raises(ConfigError) as caught:
            load_config(tmp_path / name)
        assert str(tmp_path / name) in str(caught.value)


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
_KEYS = st.sampled_from(
    [
        ("okta", "org_url"),
        ("okta", "auth"),
        ("okta", "custom_domain"),
        ("okta", "client_id"),
        ("kandji", "scim_base_url"),
        ("kandji", "allow_unknown_host"),
        ("app", "label"),
        ("group", "name"),
        ("test_user", "login"),
        ("existing_users", "logins"),
        ("assignment", "locale"),
        ("apply", "console_timeout"),
        ("okta", "nonsense"),
        ("surprise", "key"),
    ]
)


@FAST
@given(st.lists(st.tuples(_KEYS, _VALUES), min_size=1, max_size=4))
def test_any_config_is_loaded_or_explained(tmp_path_factory: pytest.TempPathFactory, edits) -> None:
    import tomllib

    tried()
    data = tomllib.loads(GOOD)
    for (table, key), value in edits:
        if value is None:
            data.get(table, {}).pop(key, None)
        else:
            data.setdefault(table, {})[key] = value
    path = tmp_path_factory.mktemp("cfg") / "setup.toml"
    path.write_text(_dump(data), encoding="utf-8")
    try:
        load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            assert_actionable(problem)


def _dump(data: dict) -> str:
    """Just enough TOML for the generated values (tomllib reads, it does not write)."""
    import json
    import math

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
        if isinstance(v, dict):
            return (
                "{"
                + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {value(x)}" for k, x in v.items())
                + "}"
            )
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v, ensure_ascii=False)

    lines = []
    for table, keys in data.items():
        lines.append(f"[{table}]")
        lines += [f"{json.dumps(k, ensure_ascii=False)} = {value(v)}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


# -- the CLI end to end --------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize("name", ["empty", "org-url-admin", "unknown-okta-key", "timeout-string", "not-toml"])
def test_cli_with_a_bad_config_exits_2_with_the_line(cli, tmp_path: Path, command: str, name: str) -> None:
    tried()
    path = tmp_path / "bad.toml"
    path.write_text(BAD_CONFIGS[name], encoding="utf-8")
    args = [command, "--config", str(path)] + (["--yes"] if command == "apply" else [])
    result = cli(*args)
    assert result.code == Exit.USAGE, result.out + result.err
    assert_no_traceback(result.out + result.err)
    assert "the configuration file has problems" in result.err and str(path) in result.err


@pytest.mark.slow
def test_a_real_process_with_bad_input_never_prints_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_CONFIGS["org-url-placeholder"], encoding="utf-8")
    cases = [
        ["plan", "--config", str(bad)],
        ["plan", "--config", str(tmp_path / "missing.toml")],
        ["apply", "--config", str(bad), "--yes"],
        ["apply", "--demo", "--config", str(bad)],
        ["apply", "--config", str(bad), "--timeout", "-1"],
        ["status", "--tenant", "https://{yourOktaDomain}"],
        ["kandji-check", "--url", "https://acme.kandji.io"],
    ]
    tried(len(cases))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OKTA_KANDJI_SETUP_STATE_DIR": str(tmp_path / "s")}
    for args in cases:
        done = subprocess.run(
            [sys.executable, "-m", "wizard", *args],
            capture_output=True,
            text=True,
            env=env,
            input="",
            timeout=60,
            cwd=Path(__file__).resolve().parents[1],
        )
        assert done.returncode in (Exit.USAGE, Exit.NOT_FOUND, 1), (args, done.stderr)
        assert_no_traceback(done.stdout + done.stderr)
        assert done.stderr.strip(), args
