"""Reconcile at scale: seed 1,000 and 50,000 users (2% missing in Kandji, 1% in sync error,
0.5% orphans in Kandji), run a real reconcile against the Okta simulator and the demo SCIM
server over loopback HTTP, and print one line per size:

    users=N okta_calls=… scim_calls=… seconds=… peak_rss_mb=… missing=… errors=… orphans=…

The servers run in their own process, so `peak_rss_mb` is reconcile's own peak memory (the
process doing the comparison, with its journal and CSV output), not the simulated tenants'.
The found counts are checked against the seeded ones; any difference fails the run.
Targets at 50,000: Okta calls ≤ N/500 + 20, SCIM calls ≤ N/100 + 5, peak memory ≤ 200 MB.

Usage: python benchmarks/reconcile.py [N ...]   (default: 1000 50000)
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import tempfile
from pathlib import Path

TOKEN = "kandji-benchmark-token-0123456789abcdef"


def spec(users: int):
    from wizard.demo.seeding import IntegrationSeed

    return IntegrationSeed(
        users=users,
        missing=users * 2 // 100,
        errors=users // 100,
        orphans=users * 5 // 1000,
        inactive=0,
        case_mismatch=0,
    )


def serve(users: int, conn) -> None:
    """Child process: seed both servers, hand their addresses over, serve until told to stop."""
    from wizard.demo.scim_server import ScimServer
    from wizard.demo.seeding import seed_integration
    from wizard.okta_simulator import OktaSimulator

    with ScimServer(TOKEN) as scim, OktaSimulator(record=False) as sim:
        seeded = seed_integration(sim, scim, TOKEN, spec(users))
        conn.send((sim.base_url, sim.api_token, scim.base_url, seeded.app_id, seeded.expected))
        conn.recv()  # "stop"


def measure(okta_url: str, api_token: str, scim_url: str, app_id: str, conn) -> None:
    """Child process: one reconcile, as the command runs it (paced, journaled, CSV out)."""
    import asyncio
    import resource
    import time
    from datetime import UTC, datetime, timedelta

    from pydantic import SecretStr

    from wizard.kandji.urls import parse_kandji_url
    from wizard.kandji.users import ScimUserPager
    from wizard.okta.auth import ApiTokenAuth
    from wizard.okta.client import OktaClient
    from wizard.okta.domains import parse_org_url
    from wizard.okta.pacing import RetryPolicy
    from wizard.reconcile.journal import Journal
    from wizard.reconcile.output import RowWriter
    from wizard.reconcile.run import reconcile

    async def run(folder: Path):
        org = parse_org_url(okta_url, allow_insecure_loopback=True)
        kandji = parse_kandji_url(scim_url, allow_insecure_loopback=True)
        identity = {"org": okta_url, "app": app_id, "kandji": scim_url}
        okta = OktaClient(org, ApiTokenAuth(SecretStr(api_token)), retry=RetryPolicy(budget_share=0.5))
        async with okta, ScimUserPager(kandji, SecretStr(TOKEN)) as pager:
            with RowWriter(folder / "users.csv", "csv") as writer:
                return await reconcile(
                    okta,
                    pager,
                    app_id,
                    writer,
                    since=datetime.now(UTC) - timedelta(days=7),
                    journal=Journal(folder / "journal.jsonl", identity),
                )

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = asyncio.run(run(Path(folder)))
        seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    conn.send((result.summary.to_dict(), result.okta_calls, result.scim_calls, seconds, peak_mb))


def bench(users: int) -> bool:
    ctx = mp.get_context("spawn")
    server_end, here = ctx.Pipe()
    server = ctx.Process(target=serve, args=(users, server_end), daemon=True)
    server.start()
    okta_url, api_token, scim_url, app_id, expected = here.recv()
    result_end, results = ctx.Pipe()
    worker = ctx.Process(target=measure, args=(okta_url, api_token, scim_url, app_id, result_end))
    worker.start()
    summary, okta_calls, scim_calls, seconds, peak_mb = results.recv()
    worker.join()
    here.send("stop")
    server.join(timeout=30)
    print(
        f"users={users} okta_calls={okta_calls} scim_calls={scim_calls} seconds={seconds:.1f} "
        f"peak_rss_mb={peak_mb:.0f} missing={summary['missing']} errors={summary['errors']} "
        f"orphans={summary['orphans']}",
        flush=True,
    )
    exact = all(summary[key] == expected[key] for key in ("missing", "errors", "orphans", "in_both"))
    if not exact:
        print(f"  counts differ from the seeded ones: expected {expected}, found {summary}", file=sys.stderr)
    return exact


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [1000, 50000]
    ok = all([bench(n) for n in sizes])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main(sys.argv[1:]))
