"""The OAuth token endpoint answering 429: the client waits for the window's reset (on the
clock it was given), then asks again, and the calls it was making go through."""

from __future__ import annotations

import pytest
from okta_support import fixtures
from okta_support.keys import service_app_auth

from wizard.okta.errors import OktaRateLimitError
from wizard.okta.pacing import RetryPolicy
from wizard.okta_simulator.api import Reply

clock, sim, make_client = fixtures.clock, fixtures.sim, fixtures.make_client


def _token_endpoint_busy(sim, times: int, reset_in: int) -> list[float]:
    """The next `times` token requests get Okta's 429, with the window resetting `reset_in`
    seconds later; returns the simulator-clock times of those requests."""
    seen: list[float] = []
    dispatch = sim.dispatch

    def busy(method, path, *args):
        if method == "POST" and path == "/oauth2/v1/token" and len(seen) < times:
            seen.append(sim.clock())
            return Reply(
                429,
                {
                    "errorCode": "E0000047",
                    "errorSummary": "API call exceeded rate limit due to too many requests.",
                    "errorLink": "E0000047",
                    "errorId": "oae429",
                    "errorCauses": [],
                },
                {
                    "X-Rate-Limit-Limit": "600",
                    "X-Rate-Limit-Remaining": "0",
                    "X-Rate-Limit-Reset": str(int(sim.clock()) + reset_in),
                },
            )
        return dispatch(method, path, *args)

    sim.dispatch = busy
    return seen


async def test_a_429_from_the_token_endpoint_is_waited_out_until_the_reset(sim, clock, make_client):
    refused = _token_endpoint_busy(sim, times=1, reset_in=7)
    auth = service_app_auth(sim)
    started = clock()
    async with make_client(auth) as okta:
        org = await okta.get_org()
    assert org["subdomain"] == "acme"
    assert refused == [started]
    # One wait, exactly until the reset (no jitter in the tests' retry policy), then the nonce
    # dance and the token.
    assert clock.sleeps == [7.0]
    assert [r.status for r in okta.call_log if r.operation == "oauth_token"] == [429, 400, 200]
    # The token request after the wait was signed at the new time, not the refused one's.
    token_requests = [ex for ex in sim.exchanges if ex.url.endswith("/oauth2/v1/token")]
    assert [ex.status for ex in token_requests] == [429, 400, 200]
    assert clock() == started + 7.0


async def test_the_wait_follows_the_reset_okta_names(sim, clock, make_client):
    _token_endpoint_busy(sim, times=1, reset_in=31)
    async with make_client(service_app_auth(sim)) as okta:
        await okta.get_org()
    assert clock.sleeps == [31.0]


async def test_a_token_endpoint_that_stays_busy_is_reported_as_a_rate_limit(sim, clock, make_client):
    # Every token request answered 429: after the policy's waits the admin reads that Okta's
    # rate limit is used up, not that Okta kept asking for a DPoP nonce.
    refused = _token_endpoint_busy(sim, times=100, reset_in=5)
    async with make_client(service_app_auth(sim)) as okta:
        with pytest.raises(OktaRateLimitError) as raised:
            await okta.get_org()
    waits = RetryPolicy().max_rate_limit_waits
    assert len(refused) == waits + 1
    assert clock.sleeps == [5.0] * waits
    assert raised.value.retry_after == 5.0
    assert "nonce" not in str(raised.value).lower()


async def test_three_429s_then_the_nonce_dance_still_gets_a_token(sim, clock, make_client):
    # The 429 waits and the nonce retries have separate budgets.
    _token_endpoint_busy(sim, times=3, reset_in=2)
    async with make_client(service_app_auth(sim)) as okta:
        org = await okta.get_org()
    assert org["subdomain"] == "acme"
    assert clock.sleeps == [2.0, 2.0, 2.0]
    assert [r.status for r in okta.call_log if r.operation == "oauth_token"] == [429, 429, 429, 400, 200]
