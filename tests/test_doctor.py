"""doctor: each finding against the Okta simulator and the SCIM server, seeded with an existing
integration that has exactly that problem; a healthy one has none; locating by id, label and
candidates; read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from wizard.commands.doctor import render
from wizard.demo.scim_server import ScimServer
from wizard.demo.seeding import IntegrationSeed, seed_integration
from wizard.doctor.checks import Doctor, KandjiSide
from wizard.doctor.locate import IntegrationAmbiguous, IntegrationNotFound, locate
from wizard.kandji.urls import parse_kandji_url
from wizard.okta.auth import ApiTokenAuth
from wizard.okta.client import OktaClient
from wizard.okta.domains import parse_org_url
from wizard.okta_simulator import OktaSimulator

TOKEN = "kandji-doctor-test-token-0123456789"
HEALTHY = IntegrationSeed(users=12, missing=0, errors=0, inactive=0, orphans=0, case_mismatch=0)


@pytest.fixture
def servers():
    with ScimServer(TOKEN) as scim, OktaSimulator() as sim:
        yield sim, scim


async def diagnose(sim, scim, *, app_id: str | None = None, kandji_token: str | None = TOKEN, **locate_kw):
    org = parse_org_url(sim.base_url, allow_insecure_loopback=True)
    kandji = KandjiSide(
        parse_kandji_url(scim.base_url, allow_insecure_loopback=True),
        SecretStr(kandji_token) if kandji_token else None,
        "test",
        "test",
    )
    async with OktaClient(org, ApiTokenAuth(SecretStr(sim.api_token))) as okta:
        located = await locate(okta, app_id=app_id, **locate_kw)
        since = datetime.now(UTC) - timedelta(days=7)
        return await Doctor(okta, org, located.app, located_by=located.how, since=since, kandji=kandji).run()


def titles(report) -> list[str]:
    return [f.title for f in report.ranked()]


async def test_a_healthy_integration_has_no_findings(servers):
    sim, scim = servers
    seed_integration(sim, scim, TOKEN, HEALTHY)
    report = await diagnose(sim, scim)
    assert report.findings == [], titles(report)
    assert report.healthy
    assert [c.key for c in report.checks] == [
        "app", "scim", "connection", "push", "groups", "profile", "app-users", "system-log", "kandji"
    ]  # fmt: skip
    kandji = report.checks[-1]
    assert kandji.evidence["kandji_users"] == 12 and kandji.evidence["okta_provisioned"] == 12


def _with(**changes) -> IntegrationSeed:
    from dataclasses import replace

    return replace(HEALTHY, **changes)


@pytest.mark.parametrize(
    ("seed", "severity", "title", "step"),
    [
        (_with(create_users=False), "critical", "To App Create Users is off", "12"),
        (_with(update_users=False), "medium", "To App Update User Attributes is off", "13"),
        (_with(deactivate_users=False), "medium", "To App Deactivate Users is off", "14"),
        (_with(empty_group="Kandji Pilot"), "high", "group 'Kandji Pilot' has 0 members", "18.1"),
        (_with(direct=37), "low", "37 users assigned directly, not via the group", "19"),
        (_with(assignment_profile={"preferredLanguage": "en"}), "low", "has no locale", "22"),
        (_with(hidden=False), "low", "The app shows on end users' dashboards", "5"),
        (_with(missing=3, errors=3), "critical", "Kandji refuses Okta's token (3 failures in", "10.5"),
        (_with(missing=3, errors=3), "high", "3 users are in sync error", "10.5"),
        (
            _with(missing=4, errors=4),
            "high",
            "Kandji already has a user with this userName (1 failure in the last 7 days)",
            "10.2",
        ),
        (_with(missing=2), "medium", "Kandji holds fewer users (10) than Okta reports provisioned (12)",
         "24"),
    ],
)
async def test_each_seeded_problem_is_found_with_its_step_and_link(servers, seed, severity, title, step):
    sim, scim = servers
    seeded = seed_integration(sim, scim, TOKEN, seed)
    report = await diagnose(sim, scim)
    matching = [f for f in report.findings if title in f.title]
    assert matching, titles(report)
    finding = matching[0]
    assert (finding.severity, finding.step) == (severity, step)
    assert finding.evidence and finding.fix
    if step in ("12", "13", "14", "10.5", "10.2", "19", "22"):
        assert finding.link and seeded.app_id in finding.link
    if title.startswith("group"):
        assert finding.link and finding.link.endswith(f"/admin/group/{seeded.empty_group_id}")


async def test_push_new_users_off_on_the_connection_is_found_at_10_3(servers):
    sim, scim = servers
    seeded = seed_integration(sim, scim, TOKEN, HEALTHY)
    with sim.tenant.lock:
        sim.tenant.app_settings[seeded.app_id].connection.push_new_users = False
    report = await diagnose(sim, scim)
    [finding] = [f for f in report.findings if "Push New Users" in f.title]
    assert (finding.severity, finding.step) == ("high", "10.3")
    assert "PUSH_PROFILE_UPDATES" in finding.evidence and "PUSH_NEW_USERS" not in finding.evidence
    assert "Supported provisioning actions" in finding.fix
    connection = next(c for c in report.checks if c.key == "connection")
    assert connection.evidence["push"] == {"PUSH_NEW_USERS": False, "PUSH_PROFILE_UPDATES": True}


async def test_an_inactive_app_and_scim_off_are_critical(servers):
    sim, scim = servers
    seeded = seed_integration(sim, scim, TOKEN, _with(scim_enabled=False))
    sim.tenant.set_app_status(seeded.app_id, "INACTIVE")
    # With SCIM off, Okta never pushed anyone: the app users are not synced.
    for user in sim.tenant.app_users[seeded.app_id].values():
        user.update(syncState="DISABLED", status="ACTIVE", externalId=None)
    report = await diagnose(sim, scim, app_id=seeded.app_id)
    critical = {f.step: f.title for f in report.findings if f.severity == "critical"}
    assert critical["8"].startswith("The app is inactive")
    assert critical["9"] == "SCIM provisioning is off for the app"
    assert report.ranked()[0].severity == "critical"


async def test_no_group_assigned_and_a_wrong_connector_url(servers):
    sim, scim = servers
    seeded = seed_integration(sim, scim, TOKEN, HEALTHY)
    sim.tenant.app_groups[seeded.app_id].clear()
    sim.tenant.app_settings[seeded.app_id].connection.base_url = scim.origin + "/scim/v2"
    report = await diagnose(sim, scim)
    by_step = {f.step: f for f in report.findings}
    assert by_step["19"].title == "No group is assigned to the app"
    assert "not Kandji's SCIM URL" in by_step["10.1"].title or "another SCIM URL" in by_step["10.1"].title


async def test_a_refused_kandji_token_is_a_finding_and_without_one_kandji_is_skipped(servers):
    sim, scim = servers
    seed_integration(sim, scim, TOKEN, HEALTHY)
    refused = await diagnose(sim, scim, kandji_token="not-the-kandji-token-at-all-000")
    assert any(f.step == "B.2" and "pre-flight" in f.title for f in refused.findings), titles(refused)
    skipped = await diagnose(sim, scim, kandji_token=None)
    assert skipped.checks[-1].status == "skip" and "token" in skipped.checks[-1].summary
    assert skipped.healthy


async def test_findings_are_ranked_most_severe_first(servers):
    sim, scim = servers
    seed_integration(
        sim, scim, TOKEN, _with(missing=3, errors=3, direct=2, deactivate_users=False, empty_group="Empty")
    )
    report = await diagnose(sim, scim)
    ranks = [("critical", "high", "medium", "low").index(f.severity) for f in report.ranked()]
    assert ranks == sorted(ranks) and len(ranks) >= 5


async def test_locate_by_label_by_id_and_among_candidates(servers):
    sim, scim = servers
    seeded = seed_integration(sim, scim, TOKEN, HEALTHY)
    org = parse_org_url(sim.base_url, allow_insecure_loopback=True)
    async with OktaClient(org, ApiTokenAuth(SecretStr(sim.api_token))) as okta:
        assert (await locate(okta, app_label="Kandji SCIM App")).app["id"] == seeded.app_id
        assert (await locate(okta)).how == "the only candidate"
        with pytest.raises(IntegrationNotFound):
            await locate(okta, app_id="0oanosuchapp00000000")
        with pytest.raises(IntegrationNotFound):
            await locate(okta, app_label="Kandji")
        sim.tenant.add_app("Kandji SSO", "SAML_2_0")
        sim.tenant.add_app("Payroll", "SAML_2_0")
        with pytest.raises(IntegrationAmbiguous) as ambiguous:
            await locate(okta)
        labels = [c.label for c in ambiguous.value.candidates]
        assert labels == ["Kandji SCIM App", "Kandji SSO"]  # provisioning first; Payroll is no candidate


async def test_doctor_only_reads(servers):
    sim, scim = servers
    seed_integration(sim, scim, TOKEN, _with(missing=2, errors=1, empty_group="Empty"))
    await diagnose(sim, scim)
    methods = {e.method for e in sim.exchanges}
    assert methods == {"GET"}
    assert {r.method for r in scim.requests} == {"GET"}


def test_the_tui_reaches_a_saved_setup_through_its_settings_and_the_keyring(tmp_path, memory_keyring):
    from wizard.doctor.access import for_org
    from wizard.secrets import Purpose, SecretStore
    from wizard.state import StateStore, StepStatus

    org = parse_org_url("https://acme.okta.com")
    store = StateStore(tmp_path / "state")
    session = store.open(org.base_url, org.host)
    session.update_settings(kandji_base_url="https://acme.api.kandji.io/api/v1/scim")
    session.set_status("8", StepStatus.DONE, evidence={"app_id": "0oa1saved000000000001"})
    session.close()
    secrets = SecretStore(backend=memory_keyring)
    access = for_org(org, secrets, store)
    assert not access.has_credentials and access.saved_app_id == "0oa1saved000000000001"
    assert access.kandji.url is not None and access.kandji.url.host == "acme.api.kandji.io"
    secrets.put(org.host, Purpose.OKTA_API_TOKEN, SecretStr("00" + "t" * 40))
    secrets.put(org.host, Purpose.KANDJI_SCIM_TOKEN, SecretStr("k" * 40))
    access = for_org(org, secrets, store)
    assert access.has_credentials and access.kandji.token is not None
    assert access.kandji.token_source == "keyring"


async def test_control_characters_from_the_servers_never_reach_the_report(servers):
    sim, scim = servers
    seeded = seed_integration(sim, scim, TOKEN, _with(missing=1, errors=1))
    for event in sim.tenant.logs:
        event["outcome"]["reason"] = "refused \x1b[2J\x1b]0;pwned\x07 by Kandji 401"
    sim.tenant.groups[seeded.group_id]["profile"]["name"] = "Kandji\x1b[31m Users"
    sim.tenant.apps[seeded.app_id]["label"] = "Kandji\x1b]0;title\x07 SCIM App"
    report = await diagnose(sim, scim, app_id=seeded.app_id)
    shown = "\n".join(render(report))  # what `doctor` prints; --json escapes them as data
    assert "\x1b" not in shown and "\x07" not in shown
    assert "refused" in shown and "Kandji [31m Users" in shown
