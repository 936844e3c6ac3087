"""Faults on every call of the automated path (issue 7 §1): 429 storms, 5xx bursts, answers
slower than the client's timeout, dropped connections and group search lag.

Each run of `apply`'s flow either completes with exactly one app, group, test person and
assignment, or stops with a message naming the call that failed and saying that rerunning
continues; then reruns complete with exactly one of each. Time is fake (a ManualClock shared by
the simulator and the client's sleeps), and an answer slower than the client's timeout is a
read timeout the client gets after the simulator did the work (LateAnswers): nothing waits for
real, so a loaded machine cannot turn a normal answer into a timeout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tests.engine_support import engine_context, run_action, run_until
from tests.hardening_support import (
    AUTOMATED_PATH,
    FAULTS,
    FIGURES,
    NOT_FRESH,
    WRITES,
    Call,
    LateAnswers,
    Run,
    arm,
    fired,
    objects,
    run_once,
    run_until_done,
)
from wizard.catalog import load_catalog
from wizard.commands.exit_codes import Exit
from wizard.demo.services import DemoServices
from wizard.engine import prove
from wizard.engine.group_steps import SEARCH_RETRY_DELAYS
from wizard.okta.errors import describe
from wizard.okta_simulator import ManualClock
from wizard.state import StateStore

# Calls whose failure the flow rides out by design (best-effort reads, polls that look again).
RIDDEN_OUT = {"get_user_provisioning_feature", "list_app_users", "query_provisioning_failures"}
# Reads made by the sign-in check only as a courtesy: a failure there is a warning.
SIGN_IN_PROBES = {"find_app_by_label", "find_group_by_name"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def demo(clock: ManualClock) -> Iterator[DemoServices]:
    with DemoServices(clock=clock) as services:
        yield services
        FIGURES.add(FAULTS, fired(services.okta_simulator))


def assert_actionable_stop(run: Run) -> str:
    """A stop names the Okta call that failed and says a rerun continues; returns the call's words."""
    assert run.code == Exit.FAILED, run.text
    assert "Traceback" not in run.text
    assert "rerun the same command to continue" in run.message, run.message
    failed = [line for line in run.text.splitlines() if line.lstrip().startswith("✗")]
    assert failed, run.text
    # The longest description that fits: "reading the app" is also the start of "reading the app's …".
    named = sorted(
        (
            c.name
            for c in AUTOMATED_PATH
            if re.search(f"Okta error while {re.escape(describe(c.name))}(?: \\(|:)", failed[-1])
        ),
        key=lambda name: len(describe(name)),
    )
    assert named, failed[-1]
    assert any(word in failed[-1] for word in ("again", "retry")), failed[-1]
    return named[-1]


def assert_one_of_each(demo: DemoServices) -> None:
    found = objects(demo)
    assert found.exactly_one_each, found
    assert found.kandji_users == 1, found
    # The saved progress is whole and says every step is finished.
    store = StateStore(demo.state_dir)
    (summary,), moved = store.list_tenants()
    assert not moved and summary.done_count == len(load_catalog().steps)


def stops_then_done(runs: list[Run]) -> list[str]:
    assert runs[-1].ok, runs[-1].text
    return [assert_actionable_stop(run) for run in runs[:-1]]


# -- every call at once, per kind of fault -------------------------------------------------------


async def test_429_storms_on_every_call_are_waited_out_in_one_run(demo, clock) -> None:
    sim = demo.okta_simulator
    storms = {call.name: arm(sim, call, status=429, times=3, retry_after=7) for call in AUTOMATED_PATH}
    run = await run_once(demo, clock)
    assert run.ok, run.text
    assert_one_of_each(demo)
    # Every call met its whole storm (the client's patience is 3 waits). The System Log is read
    # only when the proof fails, and NOT_FRESH calls are not made on a fresh tenant: no storm.
    not_made = NOT_FRESH | {"query_provisioning_failures"}
    assert {name: fault.fired for name, fault in storms.items()} == {
        call.name: 0 if call.name in not_made else 3 for call in AUTOMATED_PATH
    }
    # Each of those answers was waited out until the window's reset, 7 s later, and nothing else
    # waited but the group search's two second looks (SEARCH_RETRY_DELAYS) before creating.
    storm_waits = 3 * (len(AUTOMATED_PATH) - len(not_made))
    assert clock.sleeps.count(7.0) == storm_waits == 45
    assert [s for s in clock.sleeps if s != 7.0] == list(SEARCH_RETRY_DELAYS)
    # … which come after the storms of the calls made before creating the group.
    before_create = [c.name for c in AUTOMATED_PATH].index("create_group")
    assert clock.sleeps.index(SEARCH_RETRY_DELAYS[0]) == 3 * before_create


async def test_5xx_bursts_on_every_call_stop_cleanly_and_reruns_finish(demo, clock) -> None:
    sim = demo.okta_simulator
    for call in AUTOMATED_PATH:
        # One longer than the client retries reads and PUTs: each call fails once for real.
        arm(sim, call, status=503, times=4)
    runs = await run_until_done(demo, clock)
    named = stops_then_done(runs)
    # The app is read only by the console steps' polls on a fresh tenant (the create's answer is
    # the read-back), and polls look again.
    expected = {c.name for c in AUTOMATED_PATH} - RIDDEN_OUT - SIGN_IN_PROBES - NOT_FRESH - {"get_app"}
    assert expected <= set(named), expected - set(named)
    assert named.count("create_saml_app") == 4  # a POST is never repeated blindly
    assert_one_of_each(demo)


async def test_dropped_connections_on_every_call(demo, clock) -> None:
    sim = demo.okta_simulator
    for call in AUTOMATED_PATH:
        arm(sim, call, drop=True, times=2)
    runs = await run_until_done(demo, clock)
    named = stops_then_done(runs)
    # Reads and PUTs are retried; each POST stops the run twice and is then made once.
    assert sorted(set(named)) == sorted(c.name for c in WRITES if c.method == "POST")
    assert all("The connection to Okta closed" in r.text for r in runs[:-1])
    assert_one_of_each(demo)


async def test_answers_slower_than_the_timeout_on_every_call(demo, clock) -> None:
    late = LateAnswers()
    for call in AUTOMATED_PATH:
        # The simulator does the work, then answers too late: for a POST, the object exists.
        late.arm(call)
    runs = await run_until_done(demo, clock, transport=late)
    FIGURES.add(FAULTS, late.fired)
    named = stops_then_done(runs)
    assert set(named) == {c.name for c in WRITES if c.method == "POST"}
    assert all("did not answer in time" in r.text for r in runs[:-1])
    assert_one_of_each(demo)  # each POST that timed out was found by lookup, not made again


# -- one write at a time, beyond the client's patience --------------------------------------------


@pytest.mark.parametrize("call", WRITES, ids=lambda c: c.name)
async def test_a_429_storm_longer_than_the_client_waits_names_the_write(demo, clock, call: Call) -> None:
    arm(demo.okta_simulator, call, status=429, times=4)
    first = await run_once(demo, clock)
    assert assert_actionable_stop(first) == call.name
    assert "rate limit" in first.text
    second = await run_once(demo, clock)
    assert second.ok, second.text
    assert_one_of_each(demo)


# -- group search lag ----------------------------------------------------------------------------


CREATE_GROUP = next(c for c in WRITES if c.name == "create_group")


async def test_group_created_then_timed_out_under_search_lag_is_not_made_twice(demo, clock) -> None:
    sim = demo.okta_simulator
    sim.set_group_search_lag(20.0)  # search shows a new group 20 s late
    late = LateAnswers()
    late.arm(CREATE_GROUP)
    first = await run_once(demo, clock, transport=late)
    assert assert_actionable_stop(first) == "create_group"
    second = await run_once(demo, clock, transport=late)
    FIGURES.add(FAULTS, late.fired)
    assert second.ok, second.text
    # The rerun's search missed the group; Okta's "already exists" sent it looking until it showed.
    assert "Created the group" not in second.text
    assert_one_of_each(demo)


async def test_search_lag_longer_than_the_wizard_waits_explains_and_a_later_rerun_reuses(demo, clock) -> None:
    sim = demo.okta_simulator
    sim.set_group_search_lag(600.0)  # far longer than the wizard keeps looking
    late = LateAnswers()
    late.arm(CREATE_GROUP)
    first = await run_once(demo, clock, transport=late)
    assert assert_actionable_stop(first) == "create_group"
    second = await run_once(demo, clock, transport=late)
    FIGURES.add(FAULTS, late.fired)
    assert second.code == Exit.FAILED and "rerun the same command to continue" in second.message
    assert "search does not show it yet" in second.text and "Wait a minute" in second.text
    assert "choose a different value" not in second.text  # the group is ours: nothing to rename
    clock.advance(600.0)  # the admin waits, then reruns
    third = await run_once(demo, clock)
    assert third.ok, third.text
    assert_one_of_each(demo)


async def test_search_lag_alone_changes_nothing(demo, clock) -> None:
    demo.okta_simulator.set_group_search_lag(120.0)
    run = await run_once(demo, clock)
    assert run.ok, run.text
    again = await run_once(demo, clock)
    assert again.ok and "already done" in again.text
    assert_one_of_each(demo)


# -- the System Log, read when the proof fails ---------------------------------------------------


@pytest.mark.parametrize("times", [3, 4], ids=["burst-absorbed", "burst-too-long"])
async def test_system_log_faults_during_a_failed_proof(demo, clock, times: int) -> None:
    sim = demo.okta_simulator
    async with engine_context(demo, clock) as ctx:
        await run_until(ctx, demo, "group")
        app_id = ctx.session.state.steps["8"].evidence["app_id"]
        # The admin saved another token in Okta's SCIM settings: Kandji refuses Okta's pushes.
        sim.set_scim_connection(app_id, demo.kandji_base_url, SecretStr("not-the-kandji-token-0000"))
        for action in ("group", "test-user", "assign"):
            assert (await run_action(ctx, demo, action)).ok
        sim.settle()
        logs = next(c for c in AUTOMATED_PATH if c.name == "query_provisioning_failures")
        arm(sim, logs, status=503, times=times)
        result = await prove(ctx, timeout=60)
    assert not result.ok
    titles = [d.title for d in result.diagnoses]
    if times == 3:
        assert result.fix_step == "10.5", titles
    else:
        log = next(d for d in result.diagnoses if d.title == "The System Log could not be read")
        assert "reading the System Log" in log.detail and log.fix == "Run step 24 again to read it."
