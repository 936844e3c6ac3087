"""Retry and rate-limit pacing rules for the Okta client (DESIGN §4.2 Rate limits).

Pure arithmetic over response headers and an injected clock, so tests can check every wait
exactly without sleeping.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Idempotent methods: repeating them after a 5xx or a dropped connection cannot duplicate
# anything. Real Okta was recorded answering `DELETE /api/v1/apps/{id}` 500, 500, then 204.
RETRYABLE_METHODS = frozenset({"GET", "PUT", "DELETE"})


@dataclass
class RetryPolicy:
    """How patient the client is. Defaults suit an interactive wizard."""

    max_attempts: int = 4  # for 5xx and network failures on GET/PUT/DELETE
    max_rate_limit_waits: int = 3  # 429s in a row before giving up
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    rate_limit_cap: float = 90.0  # never wait longer than this for one reset
    jitter_max: float = 1.0
    # Start spreading calls out when this share of the window's budget is left.
    slow_down_below: float = 0.1
    # The share of each bucket this client may use. A bucket is shared with everything else the
    # customer runs against the org, so a long bulk read (reconcile) keeps to half of it.
    budget_share: float = 1.0
    rng: random.Random = field(default_factory=random.Random)

    def jitter(self) -> float:
        return self.rng.uniform(0.0, self.jitter_max) if self.jitter_max > 0 else 0.0

    def backoff(self, attempt: int) -> float:
        """Wait before retry number `attempt` (1-based) after a 5xx or network failure."""
        return min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1))) + self.jitter()


@dataclass(frozen=True)
class RateLimitState:
    limit: int | None
    remaining: int | None
    reset_in: float  # seconds from the response's Date until the window resets

    @property
    def known(self) -> bool:
        return self.remaining is not None


def rate_limit_state(headers: Mapping[str, str], now: float) -> RateLimitState:
    """Read `X-Rate-Limit-*`; `reset_in` is measured against the response `Date`, not our clock."""
    limit = _int(headers.get("x-rate-limit-limit"))
    remaining = _int(headers.get("x-rate-limit-remaining"))
    reset = _int(headers.get("x-rate-limit-reset"))
    reference = _http_date(headers.get("date")) or now
    reset_in = max(0.0, float(reset) - reference) if reset is not None else 0.0
    return RateLimitState(limit, remaining, reset_in)


def wait_after_429(state: RateLimitState, policy: RetryPolicy) -> float:
    """Until the reset, plus jitter so parallel clients do not stampede, capped."""
    base = state.reset_in if state.reset_in > 0 else policy.backoff_base
    return min(policy.rate_limit_cap, base + policy.jitter())


def pause_before_next(state: RateLimitState, policy: RetryPolicy) -> float:
    """Spread the remaining budget over the rest of the window once it runs low. With a
    `budget_share` below 1, the part of the window reserved for others never counts as ours:
    once it is all that is left, wait for the reset."""
    if not state.known or state.limit is None or state.remaining is None or state.reset_in <= 0:
        return 0.0
    reserved = state.limit * (1.0 - policy.budget_share)
    usable = state.remaining - reserved
    ours = state.limit * policy.budget_share
    if usable > max(1, int(ours * policy.slow_down_below)):
        return 0.0
    if usable <= 0:
        return min(policy.rate_limit_cap, state.reset_in)
    return min(policy.rate_limit_cap, state.reset_in / (usable + 1))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
