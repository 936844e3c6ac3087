"""Day two from the command line (issue 14): `canary`, `rotate-token`, `verify --canary`, and a
rerun of `apply` that proves step 24 live instead of repeating saved results. In-process, on
the loopback services, with the commands' clock faked (no real waiting)."""

from __future__ import annotations

import json

import pytest

from tests.test_cli_apply import _finish, apply
from tests.test_cli_fixtures import app_ids
from wizard.commands.exit_codes import Exit
from wizard.secrets import Purpose, SecretStore


@pytest.fixture
def okta_keeps_up(demo_services, fast_cli, monkeypatch):
    """Each fake-time pause first lets the simulator finish its pushes, so a loaded machine
    cannot make the canary's (fake) timeout pass before Okta's (real) push thread has run."""
    import asyncio

    from wizard.commands.runtime import RUNTIME

    fake = RUNTIME.sleep

    async def sleep(seconds: float) -> None:
        await asyncio.to_thread(demo_services.okta_simulator.settle)
        await fake(seconds)

    monkeypatch.setattr(RUNTIME, "sleep", sleep)


def test_canary_demo_reports_both_delivery_times(cli, fast_cli) -> None:
    result = cli("canary", "--demo", "--json")
    assert result.code == Exit.OK, result.out + result.err
    data = json.loads(result.out)
    canary = data["canary"]
    assert data["ok"] and data["demo"] and canary["ok"]
    times = canary["delivery_seconds"]
    # The demo's Okta takes 2 s to push; the canary looks at 0, 1 and 2.5 s.
    assert times == {"change": 2.5, "restore": 2.5}
    assert canary["attribute"] == "title" and canary["old_value"] is None
    assert "Okta → Kandji, change:  arrived after 2.5 s" in result.err  # human text on stderr
    assert "Delivered: Okta → Kandji in 2.5 s (change) and 2.5 s (restore)" in result.err


def test_rotate_token_demo_goes_from_outage_to_proof(cli, fast_cli) -> None:
    result = cli("rotate-token", "--demo")
    assert result.code == Exit.OK, result.out + result.err
    out = result.out
    order = [
        "Kandji now refuses the old token at once (it answers 401 to the old token)",
        "is STAGED / sync ERROR",
        "System Log application.provision.user.push FAILURE: Automatic provisioning of user Ada Lovelace "
        "to app Kandji SCIM App failed: Error while verifying if user ada.lovelace@demo.example.com exists: "
        "Unauthorized. Errors reported by remote server",
        "All 6 required checks passed",
        "✗ Kandji rejected Okta's token [System Log]",
        "→ step 10.5",
        "Test Connector Configuration → Connector configured successfully",
        "Delivered: Okta → Kandji in",
        "now in Kandji: ada.lovelace@demo.example.com, taylor.test@demo.example.com",
        "Rotation proved: outage seen, token replaced, delivery proved.",
    ]
    positions = [out.find(text) for text in order]
    assert all(p >= 0 for p in positions), [t for t, p in zip(order, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    # Recorded in the progress and the report: when, and proved; never the token.
    report = cli("report", "--tenant", "demo", "--format", "json")
    rotations = json.loads(report.out)["day_two"]["rotations"]
    assert (
        len(rotations) == 1
        and rotations[0]["proved"] is True
        and rotations[0]["okta_updated"] == "demo console"
    )
    markdown = cli("report", "--tenant", "demo").out
    assert "Kandji token rotated" in markdown and "proved by the canary" in markdown


def test_verify_canary_for_cron_keeps_verify_exit_codes(
    cli, sim_setup, demo_services, monkeypatch, okta_keeps_up
) -> None:
    demo = demo_services
    _finish(cli, sim_setup, demo)
    ok = cli("verify", "--canary", "--canary-timeout", "600", "--json")
    assert ok.code == Exit.OK, ok.out + ok.err
    data = json.loads(ok.out)
    assert data["ok"] and data["canary"]["ok"]
    assert set(data["canary"]["delivery_seconds"]) == {"change", "restore"}
    assert all(isinstance(v, float) for v in data["canary"]["delivery_seconds"].values())

    # Kandji's token regenerated: Okta's pushes are refused; the plain checks still hold.
    new = demo.scim.rotate_token("rotated-but-not-in-okta-0123456789")
    SecretStore().put(demo.org.host, Purpose.KANDJI_SCIM_TOKEN, new)  # the wizard has the new one
    monkeypatch.setenv("KANDJI_SCIM_TOKEN", new.get_secret_value())
    bad = cli("verify", "--canary", "--canary-timeout", "600", "--json")
    assert bad.code == Exit.FAILED, bad.out + bad.err
    data = json.loads(bad.out)
    assert not data["ok"] and not data["canary"]["ok"] and data["canary"]["fix_step"] == "10.5"
    assert data["canary"]["delivery_seconds"] == {"change": None, "restore": None}


def test_a_rerun_of_apply_proves_step_24_live(cli, sim_setup, demo_services, monkeypatch) -> None:
    demo = demo_services
    _finish(cli, sim_setup, demo)
    again = apply(cli, sim_setup, "--proof-timeout", "60")
    assert again.code == Exit.OK, again.out
    assert "Proved live in this run" in again.out and "okta-kandji-setup canary" in again.out

    # The token was regenerated in Kandji; a new group member is refused by Kandji. The rerun
    # no longer says "verified" from saved results: it proves, fails and names step 10.5.
    new = demo.scim.rotate_token("rotated-token-okta-does-not-have-42")
    monkeypatch.setenv("KANDJI_SCIM_TOKEN", new.get_secret_value())  # the wizard has the new one
    group = next(iter(demo.okta_simulator.tenant.groups.values()))
    tenant = demo.okta_simulator.tenant
    user_id = tenant.user_by_id_or_login(demo.seeded_logins[0])["id"]
    import asyncio

    async def join() -> None:
        okta = await demo.open_okta()
        try:
            await okta.add_user_to_group(group["id"], user_id)
        finally:
            await okta.aclose()

    asyncio.run(join())
    demo.okta_simulator.settle()
    rerun = apply(cli, sim_setup, "--proof-timeout", "60")
    assert rerun.code == Exit.FAILED, rerun.out
    assert "Every step is verified" not in rerun.out
    assert "fix at step 10.5" in rerun.out


def test_rotate_token_takes_the_token_from_stdin_and_proves_it(
    cli, sim_setup, demo_services, monkeypatch, okta_keeps_up
) -> None:
    demo = demo_services
    _finish(cli, sim_setup, demo)
    monkeypatch.delenv("KANDJI_SCIM_TOKEN")
    new = demo.scim.rotate_token("freshly-regenerated-kandji-token-77")
    (app_id,) = app_ids(demo)

    # Without --yes and without a terminal the run stops at 10.5 (exit 10), token already kept.
    stopped = cli("rotate-token", "--secrets-stdin", stdin=f"KANDJI_SCIM_TOKEN={new.get_secret_value()}\n")
    assert stopped.code == Exit.CONSOLE_STEP_10, stopped.out + stopped.err
    assert "Step 10.5 is still open" in stopped.out and "#tab-provisioning" in stopped.out
    kept = SecretStore().get(demo.org.host, Purpose.KANDJI_SCIM_TOKEN)
    assert kept is not None and kept.get_secret_value() == new.get_secret_value()

    # The admin pastes it in Okta; the same token again is refused as "not new"…
    demo.console.replace_bearer_token(app_id, new)
    same = cli(
        "rotate-token", "--secrets-stdin", "--yes", stdin=f"KANDJI_SCIM_TOKEN={new.get_secret_value()}\n"
    )
    assert same.code == Exit.CREDENTIALS and "already stored, not a new one" in same.out
    # …so a proof of the repaired delivery is the canary's job:
    proved = cli("canary", "--timeout", "600", "--json")
    assert proved.code == Exit.OK, proved.out + proved.err
    assert new.get_secret_value() not in stopped.out + stopped.err + same.out + proved.out + proved.err


def test_rotate_token_refuses_a_token_kandji_refuses(cli, sim_setup, demo_services, monkeypatch) -> None:
    _finish(cli, sim_setup, demo_services)
    monkeypatch.delenv("KANDJI_SCIM_TOKEN")
    result = cli(
        "rotate-token", "--secrets-stdin", "--yes", stdin="KANDJI_SCIM_TOKEN=not-the-kandji-token-1234\n"
    )
    assert result.code == Exit.CREDENTIALS, result.out + result.err
    assert "The new token was not stored" in result.out
    stored = SecretStore().get(demo_services.org.host, Purpose.KANDJI_SCIM_TOKEN)
    assert stored is None or stored.get_secret_value() != "not-the-kandji-token-1234"


def test_canary_needs_a_kandji_token(cli, sim_setup, demo_services, monkeypatch) -> None:
    _finish(cli, sim_setup, demo_services)
    monkeypatch.delenv("KANDJI_SCIM_TOKEN")
    SecretStore().delete(demo_services.org.host, Purpose.KANDJI_SCIM_TOKEN)
    result = cli("canary")
    assert result.code == Exit.CREDENTIALS, result.out + result.err
    assert "no Kandji token is available" in result.out


def test_a_canary_cut_short_is_put_back_by_the_next_apply(cli, sim_setup, demo_services) -> None:
    from datetime import UTC, datetime

    from wizard.commands.tenants import main_store
    from wizard.state import CanaryChange

    demo = demo_services
    _finish(cli, sim_setup, demo)
    tenant = demo.okta_simulator.tenant
    with tenant.lock:
        user = tenant.user_by_id_or_login(demo.test_person.login)
        user["profile"]["title"] = "Canary left behind"  # the change went out, then the run died
    session = main_store().open(demo.org_url, demo.org.host)
    try:
        session.update_day_two(
            pending_canary=CanaryChange(
                user_id=user["id"],
                login=demo.test_person.login,
                attribute="title",
                old_value="Engineer",
                new_value="Canary left behind",
                started_at=datetime.now(UTC),
            )
        )
    finally:
        session.close()
    rerun = apply(cli, sim_setup, "--proof-timeout", "60")
    assert rerun.code == Exit.OK, rerun.out
    assert "Earlier canary: the canary of" in rerun.out and "put back to 'Engineer'" in rerun.out
    with tenant.lock:
        assert tenant.user_by_id_or_login(demo.test_person.login)["profile"]["title"] == "Engineer"
