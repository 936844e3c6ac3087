"""`support-bundle`: what the zip holds, and refusing to write it when a secret leaks in."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from wizard.commands.exit_codes import Exit

LEAK = "kandji-token-that-must-never-leak-" + "7" * 12


@pytest.fixture
def demo_tenant(cli, fast_cli) -> dict:
    assert cli("apply", "--demo", "--yes").code == 0
    return json.loads(cli("status", "--json").out)["tenants"][0]


def test_bundle_holds_redacted_state_call_log_and_versions(cli, demo_tenant, tmp_path) -> None:
    target = tmp_path / "bundle.zip"
    result = cli("support-bundle", "--tenant", "demo", "--output", str(target), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["file"] == str(target)
    assert target.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(target) as bundle:
        names = set(bundle.namelist())
        assert names == {"state.json", "calls.jsonl", "report.md", "versions.json", "README.txt"}
        state = json.loads(bundle.read("state.json"))
        calls = [json.loads(line) for line in bundle.read("calls.jsonl").decode().splitlines()]
        versions = json.loads(bundle.read("versions.json"))
    assert state["org_host"] == "127.0.0.1" and state["steps"]["24"]["status"] == "done"
    assert calls and {"method", "path", "status", "request_id", "duration_ms"} <= set(calls[0])
    assert any(c["method"] == "POST" and c["path"] == "/api/v1/apps" and c["status"] == 200 for c in calls)
    assert all(c["request_id"] for c in calls if c["status"])
    assert versions["okta-kandji-setup"] and "httpx" in versions["packages"]


@pytest.mark.parametrize("where", ["state", "call log"])
def test_bundle_is_refused_when_a_known_secret_is_inside(
    cli, demo_tenant, tmp_path, monkeypatch, where
) -> None:
    monkeypatch.setenv("KANDJI_SCIM_TOKEN", LEAK)
    state_file = Path(demo_tenant["state_file"])
    if where == "state":
        # A bug that slipped a token into a note, written behind the state store's guard.
        data = json.loads(state_file.read_text())
        data["steps"]["11"]["note"] = f"connector said {LEAK}"
        state_file.write_text(json.dumps(data))
    else:
        log = state_file.with_name("127.0.0.1.calls.jsonl")
        log.write_text(log.read_text() + json.dumps({"path": f"/api/v1/x?{LEAK}"}) + "\n")
    target = tmp_path / "bundle.zip"
    result = cli("support-bundle", "--tenant", "demo", "--output", str(target), "--json")
    assert result.code == Exit.SECRET_FOUND == 7
    expected_file = "state.json" if where == "state" else "calls.jsonl"
    found = json.loads(result.out)["found"]
    assert {"file": expected_file, "secret": "KANDJI_SCIM_TOKEN (environment)"} in found
    assert "No bundle was written" in result.err
    assert not target.exists() and not list(tmp_path.glob(".support-*"))
    assert LEAK not in result.out + result.err


def test_bundle_refuses_credential_shaped_text_too(cli, demo_tenant, tmp_path) -> None:
    state_file = Path(demo_tenant["state_file"])
    data = json.loads(state_file.read_text())
    data["steps"]["1"]["note"] = "Authorization: SSWS 00abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"
    state_file.write_text(json.dumps(data))
    result = cli("support-bundle", "--tenant", "demo", "--output", str(tmp_path / "b.zip"))
    assert result.code == Exit.SECRET_FOUND and "shaped like a credential" in result.err
    assert not (tmp_path / "b.zip").exists()


def test_bundle_for_an_unknown_tenant(cli) -> None:
    assert cli("support-bundle", "--tenant", "nobody.okta.com").code == Exit.NOT_FOUND
