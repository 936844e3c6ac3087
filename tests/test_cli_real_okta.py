"""`apply` against an org that behaves like the recorded real ones (issue 11): apps list
`"features": []` whatever is on and the To App settings are not exposed. The admin's
confirmations carry the run; step 24's delivery proves them, or names them first."""

from __future__ import annotations

from tests.test_cli_fixtures import app_ids
from wizard.commands.exit_codes import Exit

LOOPBACK = "--allow-insecure-loopback"
CONFIRM_ALL = ("--confirmed", "9", "--confirmed", "10", "--confirmed", "11", "--confirmed", "12")


def apply(cli, config, *extra: str):
    return cli("apply", "--config", str(config), "--yes", "--timeout", "0", LOOPBACK, *extra)


def test_an_org_that_never_lists_scim_provisioning_finishes_with_confirmations(
    cli, sim_setup, demo_services
) -> None:
    demo = demo_services
    demo.okta_simulator.tenant.opaque_provisioning = True
    first = apply(cli, sim_setup)
    assert first.code == Exit.CONSOLE_STEP_9, first.out
    assert "--confirmed 9" in first.out  # the way through is named
    (app_id,) = app_ids(demo)
    demo.okta_simulator.configure_provisioning(app_id, demo.kandji_base_url, demo.kandji_token)
    result = apply(cli, sim_setup, *CONFIRM_ALL, "--proof-timeout", "60")
    assert result.code == Exit.OK, result.out
    assert "Delivery proves what you confirmed at steps 9, 10.1–10.5" in result.out
    report = cli("report").out
    assert "proved by delivery at step 24 (confirmed by the admin; Okta did not report it)" in report
    assert "Enable SCIM provisioning is ticked and saved" in report
    # A rerun of the finished tenant stays finished: nothing is reset by the empty features.
    again = apply(cli, sim_setup)
    assert again.code == Exit.OK, again.out


def test_a_confirmed_step_okta_never_showed_is_named_first_when_delivery_fails(
    cli, sim_setup, demo_services
) -> None:
    demo = demo_services
    demo.okta_simulator.tenant.opaque_provisioning = True
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    # The admin says 9–14 are done, but never saved the SCIM connection: nothing is pushed.
    (app_id,) = app_ids(demo)
    demo.okta_simulator.enable_scim_provisioning(app_id)
    result = apply(cli, sim_setup, *CONFIRM_ALL, "--proof-timeout", "5")
    assert result.code == Exit.FAILED, result.out
    proof = result.out[result.out.index("24 waiting") :]
    assert "were confirmed by you, but Okta never reported them" in proof
    first = proof.index("Steps 9 (")
    assert first < proof.index("Steps 10.1–10.5 (")
    closing = result.out.strip().splitlines()[-1]
    assert "fix at step 9" in closing, closing


def test_step_24_checks_the_test_person_by_name(cli, sim_setup, demo_services) -> None:
    demo = demo_services
    sim = demo.okta_simulator
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    (app_id,) = app_ids(demo)
    sim.configure_provisioning(app_id, demo.kandji_base_url, demo.kandji_token)
    assert apply(cli, sim_setup, "--proof-timeout", "60").code == Exit.OK
    tenant = sim.tenant
    group_id = next(g for g, grp in tenant.groups.items() if grp["profile"]["name"] == "Kandji Users")
    sim.add_user("someone.else@demo.example.com", groups=[group_id])
    person = tenant.users_by_login[demo.test_person.login]
    tenant.remove_member(group_id, person)  # the test person left; someone else is still in
    result = apply(cli, sim_setup, "--proof-timeout", "5")
    assert result.code != Exit.OK, result.out
    assert "Every step is verified" not in result.out
    assert f"The test person {demo.test_person.login} is not in the group" in result.out
    assert "fix at step 18.1" in result.out.strip().splitlines()[-1]
