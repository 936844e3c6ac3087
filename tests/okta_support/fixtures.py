"""Shared fixtures for the Okta tests; import the ones a module uses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from wizard.okta.auth import ApiTokenAuth, Auth
from wizard.okta.client import OktaClient
from wizard.okta.domains import parse_org_url
from wizard.okta.pacing import RetryPolicy
from wizard.okta_simulator import ManualClock, OktaSimulator

KANDJI_TOKEN = "kandji-test-token-0123456789"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[OktaSimulator]:
    with OktaSimulator(clock=clock) as simulator:
        yield simulator


@pytest.fixture
def scim() -> Iterator[Any]:
    from wizard.demo.scim_server import ScimServer

    with ScimServer(KANDJI_TOKEN) as server:
        yield server


@pytest.fixture
def make_client(sim: OktaSimulator, clock: ManualClock) -> Callable[..., OktaClient]:
    """Build clients on the simulator that share its clock; sleeping only advances it."""

    def build(auth: Auth | None = None, **kwargs: Any) -> OktaClient:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("sleep", clock.sleep)
        kwargs.setdefault("retry", RetryPolicy(jitter_max=0.0))
        org = parse_org_url(sim.base_url, allow_insecure_loopback=True)
        return OktaClient(org, auth or ApiTokenAuth(SecretStr(sim.api_token)), **kwargs)

    return build
