"""Each lookup once per run (issue 11): within `apply`, reads are cached and a write drops them;
polls always ask again; outside a run nothing is cached."""

from __future__ import annotations

import io

from okta_support import fixtures

from wizard.commands.common import Out
from wizard.commands.flow import FlowOptions, run_flow
from wizard.okta_simulator import ManualClock

clock, sim, make_client = fixtures.clock, fixtures.sim, fixtures.make_client


def gets(sim, path_end: str) -> int:
    return sum(1 for ex in sim.exchanges if ex.method == "GET" and ex.url.split("?")[0].endswith(path_end))


async def test_within_a_run_a_read_is_asked_once_until_a_write(sim, make_client) -> None:
    app = sim.tenant.add_app("Kandji SCIM App")
    async with make_client() as okta:
        await okta.get_app(app["id"])
        await okta.get_app(app["id"])
        assert gets(sim, app["id"]) == 2  # outside a run: every read asks Okta
        with okta.one_run():
            first = await okta.get_app(app["id"])
            first["label"] = "changed by the caller"  # a caller's change never leaks into the cache
            again = await okta.get_app(app["id"])
            assert gets(sim, app["id"]) == 3 and again["label"] == "Kandji SCIM App"
            assert await okta.find_user("nobody@acme.example.com") is None
            assert await okta.find_user("nobody@acme.example.com") is None
            assert gets(sim, "nobody%40acme.example.com") == 1  # "not there" is an answer too
            await okta.create_group("Kandji Users", "x")  # a write drops every read
            await okta.get_app(app["id"])
            assert gets(sim, app["id"]) == 4
            with okta.polling():
                await okta.get_app(app["id"])
            assert gets(sim, app["id"]) == 5  # a poll asks again
    polls = [r for r in okta.call_log if r.poll]
    assert [r.operation for r in polls] == ["get_app"]


async def test_apply_asks_each_lookup_once_and_stays_within_the_call_targets(demo_services) -> None:
    demo = demo_services
    demo.okta_simulator.seed(users=200, groups=20, apps=5)
    time = ManualClock()

    async def run() -> list:
        session = demo.open_session()
        okta = await demo.open_okta(sleep=time.sleep)
        try:
            ctx = demo.context(session, okta)
            ctx.sleep, ctx.clock = time.sleep, time
            opts = FlowOptions(assume_yes=True, console_timeout=10.0, proof_timeout=30.0, demo=demo)
            result = await run_flow(ctx, demo.inputs(), opts, Out("apply", stdout=io.StringIO()))
            assert result.ok, [a.messages for a in result.actions]
            return list(okta.call_log)
        finally:
            await okta.aclose()
            session.close()

    fresh = await run()
    counted = [r for r in fresh if not r.poll]
    assert len(counted) <= 14, [f"{r.method} {r.operation}" for r in counted]
    # No read repeated with no write in between.
    seen: set[tuple[str, str]] = set()
    for record in counted:
        if record.method != "GET":
            seen.clear()
            continue
        key = (record.operation, record.path)
        assert key not in seen, f"{key} asked twice within one run"
        seen.add(key)
    rerun = [r for r in await run() if not r.poll]
    assert len(rerun) <= 8, [f"{r.method} {r.operation}" for r in rerun]
    assert all(r.method == "GET" for r in rerun)  # a finished tenant: nothing written
