"""How many Okta calls `apply` makes, by tenant size, and on a rerun of a finished tenant.

Drives the product's own engine — `run_flow`, the code `apply` runs — against the Okta
simulator and the SCIM server (console steps done in the demo console, as `apply --demo` does),
with the tenant seeded with 100 and with 50,000 users. Polls (console detection while waiting,
step 24 waiting for the push) are counted apart: the targets are about the lookups and writes.

    python benchmarks/okta_calls.py

prints `users=100 calls=N`, `users=50000 calls=N` and `rerun calls=N` (plus the poll counts).
Targets: at most 14 calls for a fresh tenant, the same at both sizes, at most 8 for a rerun.
"""

from __future__ import annotations

import asyncio
import io
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wizard.commands.common import Out
from wizard.commands.flow import FlowOptions, run_flow
from wizard.demo.services import DemoServices
from wizard.okta.client import CallRecord

SIZES = ((100, 10, 3), (50_000, 5_000, 300))  # users, groups, apps
FRESH_TARGET = 14
RERUN_TARGET = 8


async def _no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


async def run_apply(demo: DemoServices) -> list[CallRecord]:
    """One `apply` through the engine; returns the Okta calls it made."""
    session = demo.open_session()
    try:
        okta = await demo.open_okta(sleep=_no_wait)
        try:
            ctx = demo.context(session, okta)
            ctx.sleep = _no_wait
            opts = FlowOptions(assume_yes=True, console_timeout=10.0, proof_timeout=30.0, demo=demo)
            result = await run_flow(ctx, demo.inputs(), opts, Out("apply", stdout=io.StringIO()))
            if not result.ok:
                raise SystemExit(f"apply did not finish: exit {int(result.exit)}")
            return list(okta.call_log)
        finally:
            await okta.aclose()
    finally:
        session.close()


def split(calls: list[CallRecord]) -> tuple[list[CallRecord], list[CallRecord]]:
    counted = [c for c in calls if not c.poll]
    return counted, [c for c in calls if c.poll]


def describe(calls: list[CallRecord]) -> str:
    counts = Counter(f"{c.method} {c.operation}" for c in calls)
    return ", ".join(f"{name}×{n}" if n > 1 else name for name, n in counts.items())


def main() -> int:
    verbose = "-v" in sys.argv
    fresh_counts = set()
    failed = False
    rerun_counted: list[CallRecord] = []
    for users, groups, apps in SIZES:
        with DemoServices() as demo:
            started = time.perf_counter()
            demo.okta_simulator.seed(users=users, groups=groups, apps=apps)
            seeded = time.perf_counter() - started
            started = time.perf_counter()
            counted, polls = split(asyncio.run(run_apply(demo)))
            elapsed = time.perf_counter() - started
            fresh_counts.add(len(counted))
            print(
                f"users={users} calls={len(counted)} polls={len(polls)} seconds={elapsed:.2f} "
                f"seed_seconds={seeded:.2f}"
            )
            if verbose:
                print(f"  counted: {describe(counted)}\n  polls: {describe(polls)}")
            failed |= len(counted) > FRESH_TARGET
            if users == SIZES[0][0]:
                rerun_counted, rerun_polls = split(asyncio.run(run_apply(demo)))
    print(f"rerun calls={len(rerun_counted)} polls={len(rerun_polls)}")
    if verbose:
        print(f"  counted: {describe(rerun_counted)}")
    if len(fresh_counts) != 1:
        print("FAIL: the call count depends on the tenant size", file=sys.stderr)
        failed = True
    if failed or len(rerun_counted) > RERUN_TARGET:
        print(f"FAIL: targets are <= {FRESH_TARGET} fresh and <= {RERUN_TARGET} rerun", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
