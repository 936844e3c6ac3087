"""Retries, rate-limit waits and pacing, checked against a controllable clock (no real sleeping
except where a socket timeout must really fire)."""

from __future__ import annotations

import httpx
import pytest
from okta_support import fixtures
from pydantic import SecretStr

from wizard.okta import errors as E
from wizard.okta.pacing import RetryPolicy, pause_before_next, rate_limit_state, wait_after_429

clock, sim, make_client = fixtures.clock, fixtures.sim, fixtures.make_client


def calls(okta, path_prefix: str = "/api/") -> list[tuple[str, str, int | None]]:
    return [(r.method, r.path, r.status) for r in okta.call_log if r.path.startswith(path_prefix)]


async def test_429_waits_exactly_until_the_reset_measured_from_the_response_date(sim, clock, make_client):
    group_id = sim.add_group("Kandji Users")
    sim.inject("/api/v1/groups/*", status=429, retry_after=7)
    async with make_client() as okta:
        group = await okta.get_group(group_id)
    assert group["id"] == group_id
    assert clock.sleeps == [7.0]
    assert [s for _, _, s in calls(okta)] == [429, 200]


async def test_429_wait_adds_jitter_and_is_capped(sim, clock, make_client):
    group_id = sim.add_group("Kandji Users")
    sim.inject("/api/v1/groups/*", status=429, retry_after=500)
    policy = RetryPolicy(jitter_max=1.0, rate_limit_cap=90.0)
    async with make_client(retry=policy) as okta:
        await okta.get_group(group_id)
    assert clock.sleeps == [90.0]
    sim.inject("/api/v1/groups/*", status=429, retry_after=7)
    clock.sleeps.clear()
    async with make_client(retry=RetryPolicy(jitter_max=1.0)) as okta:
        await okta.get_group(group_id)
    (wait,) = clock.sleeps
    assert 7.0 <= wait <= 8.0


async def test_a_post_answered_429_is_repeated_because_okta_did_not_process_it(sim, clock, make_client):
    sim.inject("/api/v1/groups", method="POST", status=429, retry_after=3)
    async with make_client() as okta:
        await okta.create_group("Kandji Users", "d")
    assert [(m, s) for m, _, s in calls(okta)] == [("POST", 429), ("POST", 200)]
    assert len(sim.tenant.groups_by_name["kandji users"]) == 1


async def test_client_slows_down_before_the_budget_runs_out(sim, clock, make_client):
    sim.set_rate_limit(10)
    group_id = sim.add_group("Kandji Users")
    async with make_client() as okta:
        for _ in range(12):
            await okta.get_group(group_id)
    statuses = [s for _, _, s in calls(okta)]
    assert 429 not in statuses, "pacing should keep the client under the limit"
    assert len(statuses) == 12
    assert clock.sleeps, "the client must spread out its last calls"
    assert sum(clock.sleeps) == pytest.approx(60.0, abs=1.0)


async def test_503_on_get_backs_off_exponentially_then_succeeds(sim, clock, make_client):
    group_id = sim.add_group("Kandji Users")
    sim.inject("/api/v1/groups/*", status=503, times=3)
    async with make_client() as okta:
        await okta.get_group(group_id)
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert [s for _, _, s in calls(okta)] == [503, 503, 503, 200]


async def test_503_that_persists_raises_a_server_error_with_a_remedy(sim, clock, make_client):
    group_id = sim.add_group("Kandji Users")
    sim.inject("/api/v1/groups/*", status=503, times=10)
    async with make_client() as okta:
        with pytest.raises(E.OktaServerError) as info:
            await okta.get_group(group_id)
    assert len(calls(okta)) == 4
    assert "status.okta.com" in info.value.remedy


async def test_put_is_retried_on_5xx(sim, clock, make_client):
    group_id = sim.add_group("Kandji Users")
    user_id = sim.add_user("someone@acme.example.com")
    sim.inject("/api/v1/groups/*/users/*", method="PUT", status=502)
    async with make_client() as okta:
        await okta.add_user_to_group(group_id, user_id)
    assert [s for _, _, s in calls(okta)] == [502, 204]
    assert user_id in sim.tenant.members[group_id]


async def test_post_is_never_repeated_after_a_5xx(sim, clock, make_client):
    sim.inject("/api/v1/groups", method="POST", status=500)
    async with make_client() as okta:
        with pytest.raises(E.OktaServerError):
            await okta.create_group("Kandji Users", "d")
    assert [(m, s) for m, _, s in calls(okta)] == [("POST", 500)]
    assert clock.sleeps == []


async def test_post_that_times_out_is_not_repeated_and_the_lookup_finds_the_object(sim, clock, make_client):
    # Okta creates the group but the answer arrives after the client's read timeout.
    sim.inject("/api/v1/groups", method="POST", delay=0.4)
    async with make_client(timeout=httpx.Timeout(5.0, read=0.1)) as okta:
        with pytest.raises(E.OktaTimeoutError) as info:
            await okta.create_group("Kandji Users", "d")
        assert "looks the object up first" in info.value.remedy
        assert [(r.method, r.status, r.error) for r in okta.call_log] == [("POST", None, "OktaTimeoutError")]
        found = await okta.find_group_by_name("Kandji Users")
    assert found is not None and found["profile"]["name"] == "Kandji Users"
    assert len(sim.tenant.groups_by_name["kandji users"]) == 1


async def test_get_whose_connection_drops_is_retried(sim, clock, make_client):
    group_id = sim.add_group("Kandji Users")
    sim.inject("/api/v1/groups/*", drop=True)
    async with make_client() as okta:
        await okta.get_group(group_id)
    assert [r.error for r in okta.call_log] == ["OktaConnectionDropped", None]
    assert clock.sleeps == [0.5]


async def test_post_whose_connection_drops_is_not_retried(sim, clock, make_client):
    sim.inject("/api/v1/groups", method="POST", drop=True)
    async with make_client() as okta:
        with pytest.raises(E.OktaConnectionDropped):
            await okta.create_group("Kandji Users", "d")
    assert len(okta.call_log) == 1


async def test_new_group_lags_in_search_but_is_found_once_search_catches_up(sim, clock, make_client):
    sim.set_group_search_lag(5.0)
    async with make_client() as okta:
        created = await okta.create_group("Kandji Users", "d")
        assert await okta.find_group_by_name("Kandji Users") is None
        assert (await okta.get_group(created["id"]))["id"] == created["id"]
        clock.advance(5.0)
        assert (await okta.find_group_by_name("Kandji Users"))["id"] == created["id"]


async def test_one_request_in_flight(sim, clock, make_client):
    import asyncio

    group_id = sim.add_group("Kandji Users")
    in_flight = 0
    peak = 0

    async def hook(request: httpx.Request) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)

    async def done(response: httpx.Response) -> None:
        nonlocal in_flight
        in_flight -= 1

    async with make_client() as okta:
        okta._http.event_hooks["request"].append(hook)
        okta._http.event_hooks["response"].append(done)
        await asyncio.gather(*(okta.get_group(group_id) for _ in range(8)))
    assert peak == 1


def test_rate_limit_arithmetic_uses_the_response_date_not_the_local_clock():
    headers = {
        "x-rate-limit-limit": "100",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": "1800000060",
        "date": "Fri, 15 Jan 2027 08:00:00 GMT",  # 1800000000
    }
    state = rate_limit_state(headers, now=1800000050.0)  # local clock 50 s ahead of Okta's
    assert state.reset_in == 60.0
    policy = RetryPolicy(jitter_max=0)
    assert wait_after_429(state, policy) == 60.0
    assert pause_before_next(state, policy) == 60.0
    plenty = rate_limit_state({**headers, "x-rate-limit-remaining": "50"}, now=0)
    assert pause_before_next(plenty, policy) == 0.0


async def test_call_log_holds_no_secrets(sim, clock, make_client):
    async with make_client() as okta:
        login = "a.b@acme.example.com"
        profile = {"firstName": "A", "lastName": "B", "email": login, "login": login}
        await okta.create_user(profile, SecretStr("Sup3r-Secret-Pass"), [])
    text = repr(okta.call_log)
    assert sim.api_token not in text and "Sup3r-Secret-Pass" not in text
    assert okta.call_log[0].request_id
