"""Contract: every request doctor and reconcile send to Okta, and every simulator answer, match
Okta's OpenAPI spec (DESIGN §7): the app list, app users pages of 500, group members, the
provisioning connection, USER_PROVISIONING and the System Log query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from okta_support import fixtures
from okta_support.contract import load_spec, validate_all
from okta_support.fixtures import KANDJI_TOKEN
from pydantic import SecretStr

from wizard.demo.seeding import IntegrationSeed, seed_integration
from wizard.doctor.checks import KandjiSide
from wizard.doctor.run import diagnose
from wizard.kandji.urls import parse_kandji_url
from wizard.kandji.users import ScimUserPager
from wizard.okta.domains import parse_org_url
from wizard.reconcile.output import RowWriter
from wizard.reconcile.run import reconcile

clock, sim, scim, make_client = fixtures.clock, fixtures.sim, fixtures.scim, fixtures.make_client


@pytest.fixture(scope="module")
def spec():
    return load_spec()


async def test_doctor_and_reconcile_requests_and_answers_match_the_spec(spec, sim, scim, make_client):
    seed = IntegrationSeed(users=620, missing=6, errors=3, direct=2, empty_group="Kandji Pilot")
    seeded = seed_integration(sim, scim, KANDJI_TOKEN, seed)
    since = datetime.fromtimestamp(sim.clock(), UTC) - timedelta(days=7)
    org = parse_org_url(sim.base_url, allow_insecure_loopback=True)
    kandji_url = parse_kandji_url(scim.base_url, allow_insecure_loopback=True)
    async with make_client() as okta:
        kandji = KandjiSide(kandji_url, SecretStr(KANDJI_TOKEN))
        report = await diagnose(okta, org, since=since, kandji=kandji)
        assert report.app["id"] == seeded.app_id and report.findings
        async with ScimUserPager(kandji_url, SecretStr(KANDJI_TOKEN)) as pager:
            with RowWriter(None) as writer:
                result = await reconcile(okta, pager, seeded.app_id, writer, since=since)
    assert result.summary.missing == seed.missing
    paths = {ex.url.split("?")[0].split(sim.base_url)[-1] for ex in sim.exchanges}
    assert f"/api/v1/apps/{seeded.app_id}/connections/default" in paths and "/api/v1/logs" in paths
    assert any("limit=500" in ex.url and "after=" in ex.url for ex in sim.exchanges)  # page 2 of app users
    assert validate_all(spec, sim.exchanges) >= 10
