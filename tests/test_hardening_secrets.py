"""Secret hygiene, measured (issue 7 §4): the whole demo flow with KNOWN secret values, then every
file the wizard wrote (progress, call log, report, support bundle and what is inside it) and
everything it printed is searched for those values, raw and encoded: zero hits. The loopback
servers' own records show each secret went only to the host it belongs to.
"""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.hardening_support import FIGURES, SECRET_HITS, SECRET_PLACES
from wizard.commands.exit_codes import Exit

OKTA_TOKEN = "00KnownOktaToken-for-the-hygiene-scan-7Qz"
KANDJI_TOKEN = "kandji-known-token-for-the-hygiene-scan-3Xv9"
PASSWORD = "Known-Passw0rd-for-the-scan-Pw9"
ROTATED = "kandji-rotated-token-for-the-hygiene-scan-8Wq2"  # what `rotate-token --demo` regenerates
SECRETS = {
    "Okta API token": OKTA_TOKEN,
    "Kandji token": KANDJI_TOKEN,
    "test password": PASSWORD,
    "rotated Kandji token": ROTATED,
}


def forms(value: str) -> dict[str, str]:
    raw = value.encode()
    return {
        "raw": value,
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "url-encoded": quote(value, safe=""),
        "form-encoded": quote_plus(value),
        # A value base64-encoded inside a larger blob starts at another offset: its core survives.
        "base64 (offset 1)": base64.b64encode(b"x" + raw).decode()[4:-4],
        "base64 (offset 2)": base64.b64encode(b"xy" + raw).decode()[4:-4],
    }


def find(name: str, text: str) -> list[str]:
    return [
        f"{what} ({form}) in {name}"
        for what, value in SECRETS.items()
        for form, shown in forms(value).items()
        if shown in text
    ]


def hits_in(name: str, text: str) -> list[str]:
    found = find(name, text)
    FIGURES.add(SECRET_PLACES)
    FIGURES.add(SECRET_HITS, len(found))
    return found


@pytest.mark.parametrize("value", SECRETS.values())
def test_the_scan_sees_every_form(value: str) -> None:
    raw = value.encode()
    for text in (
        f"x{value}y",
        "Authorization: Basic " + base64.b64encode(b"user:" + raw).decode(),
        json.dumps({"t": base64.urlsafe_b64encode(b"ab" + raw).decode()}),
        "https://h/?t=" + quote_plus(value),
    ):
        assert find("sample", text), text


@pytest.fixture
def known_demo(monkeypatch):
    """`apply --demo` with known secrets; the services it started stay reachable for checks."""
    import wizard.demo.services as services

    started: list[services.DemoServices] = []

    class KnownDemo(services.DemoServices):
        def __init__(self, **kwargs) -> None:
            super().__init__(known_secrets=(OKTA_TOKEN, KANDJI_TOKEN, PASSWORD), **kwargs)
            self.next_kandji_token = ROTATED
            started.append(self)

    monkeypatch.setattr(services, "DemoServices", KnownDemo)
    return started


def test_nothing_written_or_printed_holds_a_secret(cli, fast_cli, known_demo, tmp_path: Path) -> None:
    printed: list[tuple[str, str]] = []

    def run(*args: str, expect: int = 0) -> None:
        result = cli(*args)
        assert result.code == expect, (args, result.out, result.err)
        printed.append((f"`{' '.join(args)}` stdout", result.out))
        printed.append((f"`{' '.join(args)}` stderr", result.err))

    outputs = tmp_path / "outputs"
    outputs.mkdir()
    run("apply", "--demo", "--yes")
    run("apply", "--demo", "--yes", "--json")  # a second, fresh demo: JSON output too
    run("status", "--json")
    run("status")
    run("report", "--tenant", "demo", "--output", str(outputs / "report.md"))
    run("report", "--tenant", "demo", "--format", "json", "--output", str(outputs / "report.json"))
    run("support-bundle", "--tenant", "demo", "--output", str(outputs / "bundle.zip"))
    run("verify", "--tenant", "demo", expect=Exit.NOT_FOUND)
    run("canary", "--demo", "--json")
    run("rotate-token", "--demo")  # the rotated token goes into the keyring, into Okta, then away
    run("rotate-token", "--demo", "--json")
    run("report", "--tenant", "demo", "--output", str(outputs / "report-after-rotation.md"))
    run("support-bundle", "--tenant", "demo", "--output", str(outputs / "bundle-after-rotation.zip"))
    demo, *_others = known_demo
    rotated = known_demo[-1]
    assert rotated.scim.requests and any(
        r.authorization == f"Bearer {ROTATED}" for r in rotated.scim.requests
    )
    assert demo.test_person.password.get_secret_value() == PASSWORD  # the known values were used

    hits: list[str] = []
    for name, text in printed:
        hits += hits_in(name, text)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".jsonl" for p in files) and any(p.name.endswith(".json") for p in files)
    for path in files:
        data = path.read_bytes()
        hits += hits_in(str(path.relative_to(tmp_path)), data.decode("utf-8", "replace"))
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as bundle:
                names = bundle.namelist()
                assert names
                for member in names:
                    hits += hits_in(f"{path.name}:{member}", bundle.read(member).decode("utf-8", "replace"))
    assert hits == [], hits


def test_each_secret_reaches_only_its_own_host(cli, fast_cli, known_demo) -> None:
    assert cli("apply", "--demo", "--yes").code == 0
    (demo,) = known_demo

    # Kandji's SCIM server: only bearer tokens, never the Okta token or the password.
    scim_auth = {r.authorization or "" for r in demo.scim.requests}
    assert f"Bearer {KANDJI_TOKEN}" in scim_auth  # pre-flight, step 11 and Okta's own pushes
    for header in scim_auth:
        assert OKTA_TOKEN not in header and PASSWORD not in header
        assert header == "" or header.startswith("Bearer ")

    # The Okta simulator: the Okta token only as `SSWS` in Authorization; the password only in
    # the body that creates the test person; the Kandji token never over Okta's API (in the demo
    # the admin's console paste goes through the console controls, not the API).
    exchanges = demo.okta_simulator.exchanges
    assert exchanges
    password_bodies = []
    for exchange in exchanges:
        headers = {k.lower(): v for k, v in exchange.request_headers.items()}
        wire = json.dumps(headers) + exchange.url + exchange.request_body.decode("utf-8", "replace")
        answer = json.dumps(exchange.response_headers) + exchange.response_body.decode("utf-8", "replace")
        assert KANDJI_TOKEN not in wire + answer, exchange
        assert OKTA_TOKEN not in answer and OKTA_TOKEN not in exchange.url, exchange
        assert OKTA_TOKEN not in exchange.request_body.decode("utf-8", "replace"), exchange
        assert headers.get("authorization") == f"SSWS {OKTA_TOKEN}", exchange
        assert PASSWORD not in answer and PASSWORD not in exchange.url
        if PASSWORD in exchange.request_body.decode("utf-8", "replace"):
            password_bodies.append(f"{exchange.method} {exchange.url}")
    assert len(password_bodies) == 1 and password_bodies[0].startswith("POST ")
    assert "/api/v1/users?activate=true" in password_bodies[0]
