"""`okta-kandji-setup kandji-check`: exit codes, output, JSON shape, and where the token comes from."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kandji_servers import CannedServer, html
from wizard.cli import main
from wizard.demo.scim_server import ScimServer
from wizard.kandji.command import run_check

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "kandji-good-token-0123456789abcdef"


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def check(url: str, *, stdin: str = "", **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_check(
        url, allow_insecure_loopback=True, stdin=io.StringIO(stdin), stdout=out, stderr=err, **kwargs
    )
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def server():
    with ScimServer(TOKEN) as running:
        yield running


def test_good_token_from_env_exits_0_and_prints_each_check(server, monkeypatch) -> None:
    monkeypatch.setenv("KANDJI_SCIM_TOKEN", TOKEN)
    code, out, err = check(server.base_url)
    assert code == 0, out + err
    assert out.startswith(f"Checking {server.base_url}\n")
    assert "✓ The token is accepted: ListResponse with 0 users in total." in out
    assert "GET /Users?startIndex=1&count=2 · Bearer ****cdef" in out
    assert out.rstrip().endswith("Kandji's SCIM endpoint is ready for Okta.")
    assert TOKEN not in out + err


def test_token_from_stdin_with_paste_slips_is_cleaned(server) -> None:
    code, out, _ = check(server.base_url, stdin=f'  "Bearer {TOKEN}"\n')
    assert code == 0
    assert "Note: removed the 'Bearer ' prefix; the wizard adds it itself" in out


def test_tty_stdin_prompts_without_echo(server, monkeypatch) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str, stream=None) -> str:
        prompts.append(prompt)
        return TOKEN

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    out, err = io.StringIO(), io.StringIO()
    code = run_check(server.base_url, allow_insecure_loopback=True, stdin=FakeTTY(), stdout=out, stderr=err)
    assert code == 0
    assert prompts == ["Kandji SCIM token (input hidden): "]


def test_wrong_token_exits_1_with_cause_and_fix(server) -> None:
    code, out, _ = check(server.base_url, stdin="rotated-token-00000000\n")
    assert code == 1
    assert "✗ The token is accepted: HTTP 401 Unauthorized" in out
    assert "Cause: Kandji refused the token" in out
    assert "Fix:   In Kandji open Integrations → SCIM, create a new token" in out
    assert "rotated-token-00000000" not in out


def test_json_output_shape(server) -> None:
    code, out, err = check(server.base_url, stdin=TOKEN, as_json=True)
    assert code == 0, err
    data = json.loads(out)
    assert data["ok"] is True
    assert data["base_url"] == server.base_url
    assert [c["key"] for c in data["checks"]] == [
        "dns", "connection", "wrong_token", "token", "filter", "unknown_id", "groups", "discovery",
    ]  # fmt: skip
    assert data["notes"] == []
    assert TOKEN not in out


def test_json_output_for_a_failing_endpoint_exits_1() -> None:
    with CannedServer(html()) as site:
        code, out, _ = check(site.origin, stdin=TOKEN, as_json=True)
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert any("lacks Kandji's SCIM path" in c["cause"] for c in data["checks"])


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://acme.api.kandji.io", "Suggested: --url https://acme.api.kandji.io/api/v1/scim"),
        ("https://scim.corp-proxy.net/api/v1/scim", "run again with --allow-unknown-host"),
        ("https://acme_x.api.kandji.io/api/v1/scim", "contains '_'"),
        ("not a url", "spaces"),
    ],
)
def test_bad_url_exits_2_before_reading_the_token(url: str, words: str) -> None:
    code, out, err = check(url, stdin=TOKEN)
    assert code == 2
    assert words in err
    assert "Traceback" not in err
    assert out == ""


def test_loopback_needs_the_opt_in() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run_check("http://127.0.0.1:9/api/v1/scim", stdin=io.StringIO(TOKEN), stdout=out, stderr=err)
    assert code == 2
    assert "--allow-insecure-loopback" in err.getvalue()


@pytest.mark.parametrize(
    ("stdin", "words"),
    [("", "No token. Set KANDJI_SCIM_TOKEN"), ("abc def ghi jkl\n", "inside it"), ("short\n", "too short")],
)
def test_bad_token_input_exits_2(server, stdin: str, words: str) -> None:
    code, _, err = check(server.base_url, stdin=stdin)
    assert code == 2
    assert words in err
    assert len(server.requests) == 0  # nothing was sent


def test_bad_url_in_json_mode_prints_a_json_error() -> None:
    code, out, _ = check("https://acme.api.kandji.io", stdin=TOKEN, as_json=True)
    assert code == 2
    assert json.loads(out) == {
        "ok": False,
        "error": "The URL is missing Kandji's SCIM path /api/v1/scim. Use https://acme.api.kandji.io/api/v1/scim."
        " Suggested: --url https://acme.api.kandji.io/api/v1/scim",
    }


def test_the_token_is_not_an_argument() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["kandji-check", "--url", "https://acme.api.kandji.io/api/v1/scim", "--token", TOKEN])
    assert caught.value.code == 2


def test_main_dispatches_to_kandji_check(server, monkeypatch, capsys) -> None:
    monkeypatch.setenv("KANDJI_SCIM_TOKEN", TOKEN)
    code = main(["kandji-check", "--url", server.base_url, "--allow-insecure-loopback", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


@pytest.mark.slow
def test_installed_command_reads_stdin_and_never_echoes_the_token(server) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KANDJI_SCIM_TOKEN"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "kandji-check",
            "--url",
            server.base_url,
            "--allow-insecure-loopback",
        ],
        input=TOKEN + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "required checks passed" in result.stdout
    assert TOKEN not in result.stdout + result.stderr
    assert {r.authorization for r in server.requests} >= {f"Bearer {TOKEN}"}
