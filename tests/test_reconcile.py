"""reconcile: exact counts on 1,000 seeded users, the SCIM page size probed once and paged on
what the server returns, resume after an interruption and after a real kill, and pacing under a
small rate-limit bucket (a shared fake clock: nothing sleeps for real)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from wizard.demo.scim_server import ScimServer
from wizard.demo.seeding import IntegrationSeed, seed_integration
from wizard.kandji.urls import parse_kandji_url
from wizard.kandji.users import ScimUserPager
from wizard.okta.auth import ApiTokenAuth
from wizard.okta.client import OktaClient
from wizard.okta.domains import parse_org_url
from wizard.okta.pacing import RetryPolicy
from wizard.okta_simulator import ManualClock, OktaSimulator
from wizard.reconcile.journal import Journal
from wizard.reconcile.output import RowWriter
from wizard.reconcile.run import reconcile

TOKEN = "kandji-reconcile-test-token-0123456789"
SPEC = IntegrationSeed(users=1000, missing=20, errors=10, inactive=7, orphans=5, case_mismatch=4, direct=3)
SINCE = datetime.now(UTC) - timedelta(days=7)


@pytest.fixture
def seeded(request):
    clock = getattr(request, "param", None)
    options = {"clock": clock} if clock is not None else {}
    with ScimServer(TOKEN) as scim, OktaSimulator(**options) as sim:
        yield sim, scim, seed_integration(sim, scim, TOKEN, SPEC)


async def run(sim, scim, app_id, output: Path | None, *, journal=None, okta=None, **kw):
    org = parse_org_url(sim.base_url, allow_insecure_loopback=True)
    client = okta or OktaClient(org, ApiTokenAuth(SecretStr(sim.api_token)))
    kandji = parse_kandji_url(scim.base_url, allow_insecure_loopback=True)
    try:
        async with ScimUserPager(kandji, SecretStr(TOKEN)) as pager:
            with RowWriter(output, "json" if output and output.suffix == ".json" else "csv") as writer:
                return await reconcile(client, pager, app_id, writer, since=SINCE, journal=journal, **kw)
    finally:
        await client.aclose()


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def test_exact_counts_and_one_row_per_user_on_1000_users(seeded, tmp_path):
    sim, scim, seed = seeded
    result = await run(sim, scim, seed.app_id, tmp_path / "users.csv")
    summary = result.summary
    expected = seed.expected
    assert {k: getattr(summary, k) for k in expected} == expected
    assert summary.missing_with_reason == SPEC.errors
    found = rows(tmp_path / "users.csv")
    by_category: dict[str, list[dict[str, str]]] = {}
    for row in found:
        by_category.setdefault(row["category"], []).append(row)
    assert {c: len(v) for c, v in by_category.items()} == {
        "in_both": expected["in_both"],
        "missing": SPEC.missing,
        "inactive": SPEC.inactive,
        "orphan": SPEC.orphans,
        "case_mismatch": SPEC.case_mismatch,
    }
    missing = {r["okta_login"]: r for r in by_category["missing"]}
    assert set(missing) == set(seed.logins["missing"] + seed.logins["missing-error"])
    for login in seed.logins["missing-error"]:
        assert missing[login]["okta_sync_state"] == "ERROR"
        assert "System Log" not in missing[login]["reason"] and "(step" in missing[login]["reason"]
    for login in seed.logins["missing"]:
        assert "deleted in Kandji" in missing[login]["reason"]
    assert {r["kandji_user_name"] for r in by_category["orphan"]} == set(seed.logins["orphan"])
    assert {r["okta_login"] for r in by_category["case_mismatch"]} == set(seed.logins["case"])
    # Okta pages of 500 and Kandji pages as large as the server accepts.
    assert result.okta_calls <= 1003 / 500 + 20 and result.scim_calls <= 1003 / 100 + 5


async def test_json_output_is_one_valid_document(seeded, tmp_path):
    sim, scim, seed = seeded
    await run(sim, scim, seed.app_id, tmp_path / "users.json")
    document = json.loads((tmp_path / "users.json").read_text())
    assert document["summary"]["orphans"] == SPEC.orphans
    assert len(document["users"]) == SPEC.users + SPEC.direct + SPEC.orphans


async def test_the_scim_page_size_is_probed_once_and_paged_on_what_the_server_returns(seeded):
    _, scim, _ = seeded
    scim.seed_users({"userName": f"extra{i}@example.com", "displayName": f"Extra {i}"} for i in range(1012))
    kandji = parse_kandji_url(scim.base_url, allow_insecure_loopback=True)
    async with ScimUserPager(kandji, SecretStr(TOKEN), ask=1500) as pager:
        pages = [page async for page in pager.pages()]
    # scim2-server returns at most 1000 (its maxResults) whatever is asked: the rest follows that.
    assert [(p.start_index, len(p.users)) for p in pages] == [(1, 1000), (1001, 1000)]
    assert pages[-1].total == 2000 and pages[-1].next_index is None
    counts = [r.path for r in scim.requests if r.path.startswith("/api/v1/scim/Users")]
    assert "count=1500" in counts[0] and all("count=1000" in c for c in counts[1:])
    assert pager.calls == 2
    assert len(scim.requests) == 2  # stopped at totalResults: no empty page asked for


class Interrupt(Exception):
    pass


async def test_an_interrupted_run_resumes_from_the_last_finished_page(seeded, tmp_path):
    sim, scim, seed = seeded
    journal_file = tmp_path / "journal.jsonl"
    identity = {"org": sim.base_url, "app": seed.app_id, "kandji": scim.base_url}

    def stop_after_four_okta_pages(progress) -> None:
        if progress.phase == "okta" and progress.okta_read >= 400:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await run(
            sim,
            scim,
            seed.app_id,
            tmp_path / "first.csv",
            journal=Journal(journal_file, identity),
            on_progress=stop_after_four_okta_pages,
            okta_page_limit=100,
        )
    assert not (tmp_path / "first.csv").exists()  # no half report under the real name
    before = len(sim.exchanges)
    result = await run(
        sim,
        scim,
        seed.app_id,
        tmp_path / "second.csv",
        journal=Journal(journal_file, identity),
        okta_page_limit=100,
    )
    assert result.resumed_pages == 5  # Kandji's probe page and four Okta pages
    app_user_calls = [e.url for e in sim.exchanges[before:] if "/users" in e.url and "/apps/" in e.url]
    assert len(app_user_calls) == 7 and "after=" in app_user_calls[0]  # pages 5–11, from the cursor
    assert {k: getattr(result.summary, k) for k in seed.expected} == seed.expected
    assert not journal_file.exists()  # a finished run leaves no checkpoint
    clean = await run(sim, scim, seed.app_id, tmp_path / "clean.csv")
    assert sorted(map(str, rows(tmp_path / "second.csv"))) == sorted(map(str, rows(tmp_path / "clean.csv")))
    assert clean.resumed_pages == 0


async def test_a_journal_for_another_app_is_not_replayed(seeded, tmp_path):
    sim, scim, seed = seeded
    journal_file = tmp_path / "journal.jsonl"
    other = Journal(journal_file, {"org": sim.base_url, "app": "0oaother", "kandji": scim.base_url})
    other.open(resume=False)
    other.write({"kind": "okta", "next": None, "users": [["00ux", "ghost@x.com", "PROVISIONED", "", "", ""]]})
    other.close()
    identity = {"org": sim.base_url, "app": seed.app_id, "kandji": scim.base_url}
    result = await run(sim, scim, seed.app_id, None, journal=Journal(journal_file, identity))
    assert result.resumed_pages == 0 and result.summary.okta_users == SPEC.users + SPEC.direct


async def paced_run(sim, scim, seed, share: float):
    """A reconcile in pages of 50 under a bucket of 10 calls a minute, on the simulator's fake
    clock: the client's waits move that clock instead of sleeping."""
    clock = sim.clock
    sim.set_rate_limit(10, 60.0)
    org = parse_org_url(sim.base_url, allow_insecure_loopback=True)
    policy = RetryPolicy(budget_share=share, jitter_max=0.0)
    auth = ApiTokenAuth(SecretStr(sim.api_token))
    okta = OktaClient(org, auth, clock=clock, sleep=clock.sleep, retry=policy)
    return await run(sim, scim, seed.app_id, None, okta=okta, okta_page_limit=50, clock=clock)


@pytest.mark.parametrize("seeded", [ManualClock()], indirect=True)
async def test_pacing_keeps_to_half_of_a_small_bucket(seeded):
    sim, scim, seed = seeded
    clock = sim.clock
    started = clock()
    result = await paced_run(sim, scim, seed, 0.5)
    assert result.summary.okta_users == SPEC.users + SPEC.direct
    statuses = [e.status for e in sim.exchanges]
    assert 429 not in statuses
    remaining = [int(e.response_headers["X-Rate-Limit-Remaining"]) for e in sim.exchanges]
    assert min(remaining) >= 5  # never more than half of the bucket's 10
    assert clock.sleeps and clock() - started >= 60 * 3  # 21 app-user pages: at least 4 windows


@pytest.mark.parametrize("seeded", [ManualClock()], indirect=True)
async def test_fast_uses_the_whole_bucket(seeded):
    sim, scim, seed = seeded
    await paced_run(sim, scim, seed, 1.0)
    remaining = [int(e.response_headers["X-Rate-Limit-Remaining"]) for e in sim.exchanges]
    assert min(remaining) < 5


BIG = IntegrationSeed(users=3000, missing=30, errors=12, inactive=3, orphans=4, case_mismatch=2)


@pytest.fixture
def seeded_big():
    with ScimServer(TOKEN) as scim, OktaSimulator() as sim:
        yield sim, scim, seed_integration(sim, scim, TOKEN, BIG)


@pytest.mark.slow
def test_a_killed_reconcile_resumes(seeded_big, tmp_path, cli, monkeypatch):
    """A real process, killed with SIGKILL while it waits for Okta's rate-limit window, then
    run again: the second run starts from the cursor the first one reached."""
    sim, scim, seed = seeded_big
    # Half of 8 is 4 calls a minute: the app, then three of the six pages of app users; the
    # first run then waits for the window, and is killed there.
    sim.set_rate_limit(8, 60.0)
    monkeypatch.setenv("OKTA_API_TOKEN", sim.api_token)
    monkeypatch.setenv("KANDJI_SCIM_TOKEN", TOKEN)
    args = [
        "reconcile", "--org", sim.base_url, "--scim-url", scim.base_url, "--allow-insecure-loopback",
        "--app-id", seed.app_id, "--output", str(tmp_path / "users.csv"),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-m", "wizard", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    journals = Path(os.environ["OKTA_KANDJI_SETUP_STATE_DIR"]) / "reconcile"
    deadline = time.monotonic() + 30
    lines: list[str] = []
    while time.monotonic() < deadline:
        found = list(journals.glob("*.jsonl")) if journals.is_dir() else []
        lines = found[0].read_text().splitlines() if found else []
        if sum('"kind":"okta"' in line for line in lines) >= 2 or child.poll() is not None:
            break
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    _, err = child.communicate(timeout=10)
    assert sum('"kind":"okta"' in line for line in lines) >= 2, err
    assert not (tmp_path / "users.csv").exists()
    sim.set_rate_limit(600, 60.0)
    before = len(sim.exchanges)
    result = cli(*args)
    assert result.code == 1, result.err
    assert "Resumed:" in result.out
    first_user_page = next(e.url for e in sim.exchanges[before:] if f"/apps/{seed.app_id}/users" in e.url)
    assert "after=" in first_user_page
    counts = {r["category"] for r in rows(tmp_path / "users.csv")}
    assert counts == {"in_both", "missing", "inactive", "orphan", "case_mismatch"}
    assert f"missing in Kandji         {BIG.missing} " in result.out
