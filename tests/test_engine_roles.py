"""Step 1 judges an API token's write rights from its admin's roles, before any write."""

from __future__ import annotations

from collections.abc import Iterable

from wizard.demo.services import DemoServices
from wizard.engine import ENGINES, Outcome, open_okta
from wizard.secrets import Purpose
from wizard.state import SetupSettings, StepStatus

WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}


async def sign_in(
    demo: DemoServices,
    roles: Iterable[str] | None,
    *,
    users_already_exist: bool = False,
    scopes: set[str] | None = None,
) -> tuple[Outcome, str | None, StepStatus]:
    """Step 1 with a token whose admin holds `roles`; returns the outcome, the admin's login and
    the status recorded for step 1."""
    sim = demo.okta_simulator
    token = sim.create_api_token(scopes, roles=roles)
    demo.secrets.put(demo.org.host, Purpose.OKTA_API_TOKEN, token)
    session = demo.open_session()
    session.update_settings(users_already_exist=users_already_exist)
    okta = await open_okta(demo.org, demo.secrets, SetupSettings(auth_method="api_token"))
    try:
        outcome = await ENGINES["okta-sign-in"].apply(demo.context(session, okta), {})
        status = session.state.steps["1"].status
    finally:
        await okta.aclose()
        session.close()
    principal = sim.api_tokens[token]
    login = sim.tenant.users[principal.subject]["profile"]["login"]
    return outcome, login, status


def writes(demo: DemoServices) -> list[str]:
    return [f"{ex.method} {ex.url}" for ex in demo.okta_simulator.exchanges if ex.method in WRITE_METHODS]


async def test_super_administrator_passes_and_the_roles_are_evidence(demo_services) -> None:
    outcome, _, status = await sign_in(demo_services, ["SUPER_ADMIN"])
    assert outcome.ok, outcome.messages
    assert status == StepStatus.DONE
    assert outcome.evidence["admin_roles"] == ["SUPER_ADMIN"]
    assert "Super Administrator" in outcome.messages[0]
    assert not any("cannot be checked" in w for w in outcome.warnings)
    assert any(ex.url.endswith("/roles") for ex in demo_services.okta_simulator.exchanges)


async def test_the_default_demo_token_passes(engine_ctx) -> None:
    outcome = await ENGINES["okta-sign-in"].apply(engine_ctx, {})
    assert outcome.ok and outcome.evidence["admin_roles"] == ["SUPER_ADMIN"]


async def test_read_only_administrator_fails_naming_roles_and_steps_before_any_write(demo_services) -> None:
    outcome, login, status = await sign_in(demo_services, ["READ_ONLY_ADMIN"])
    assert not outcome.ok and outcome.fix_step == "1"
    assert status == StepStatus.FAILED
    (message,) = outcome.messages
    assert message.startswith(f"This token's admin ({login}) holds Read-only Administrator only: ")
    assert "creating the app (steps 2–8) needs Super Administrator or Application Administrator" in message
    group = "creating the group (steps 15–16) needs Super Administrator or Organization Administrator"
    assert group in message
    assert (
        "creating the test person and adding them to the group (steps 17–18.3) needs Super Administrator, "
        "Organization Administrator or Group Administrator" in message
    )
    assert "assigning the group to the app (steps 19–23) needs" in message
    assert "Security → API → Tokens" in message
    assert outcome.evidence["admin_roles"] == ["READ_ONLY_ADMIN"]
    assert writes(demo_services) == []
    session = demo_services.open_session()
    try:
        assert session.state.steps["1"].evidence["admin_roles"] == ["READ_ONLY_ADMIN"]
    finally:
        session.close()
    assert demo_services.api_token.get_secret_value() not in message


async def test_application_administrator_alone_lacks_the_group_and_person(demo_services) -> None:
    outcome, _, _ = await sign_in(demo_services, ["APP_ADMIN"])
    assert not outcome.ok
    (message,) = outcome.messages
    assert "holds Application Administrator only" in message
    assert "creating the group (steps 15–16)" in message
    assert "creating the test person" in message
    assert "creating the app" not in message and "assigning the group" not in message
    assert set(outcome.evidence["missing_roles"]) == {
        "creating the group",
        "creating the test person and adding them to the group",
    }
    assert writes(demo_services) == []


async def test_existing_users_need_membership_rights_not_user_creation(demo_services) -> None:
    outcome, _, _ = await sign_in(demo_services, ["APP_ADMIN"], users_already_exist=True)
    assert not outcome.ok
    (message,) = outcome.messages
    assert "creating the test person" not in message
    assert "adding your existing users to the group (steps 17–18.3)" in message
    assert "Group Membership Administrator" in message


async def test_application_and_organization_administrator_together_pass(demo_services) -> None:
    outcome, _, _ = await sign_in(demo_services, ["APP_ADMIN", "ORG_ADMIN"])
    assert outcome.ok, outcome.messages
    assert outcome.evidence["admin_roles"] == ["APP_ADMIN", "ORG_ADMIN"]
    assert "Application Administrator and Organization Administrator" in outcome.messages[0]


async def test_a_custom_role_passes_with_a_warning(demo_services) -> None:
    outcome, login, _ = await sign_in(demo_services, ["CUSTOM"])
    assert outcome.ok, outcome.messages
    assert outcome.evidence["admin_roles"] == ["CUSTOM"]
    (warning,) = [w for w in outcome.warnings if "custom admin role" in w]
    assert f"({login}) holds a custom admin role (Custom role)" in warning
    assert "names what is missing" in warning


async def test_roles_that_cannot_be_read_pass_with_a_warning(demo_services) -> None:
    sim = demo_services.okta_simulator
    sim.inject("/api/v1/users/*/roles", status=403, error_code="E0000006")
    outcome, _, _ = await sign_in(demo_services, ["READ_ONLY_ADMIN"])
    assert outcome.ok, outcome.messages
    assert "admin_roles" not in outcome.evidence
    assert any("roles could not be read" in w and "403 E0000006" in w for w in outcome.warnings)


async def test_a_token_without_the_roles_scope_passes_with_a_warning(demo_services) -> None:
    scopes = {"okta.orgs.read", "okta.users.read", "okta.apps.read", "okta.groups.read"}
    outcome, _, _ = await sign_in(demo_services, None, scopes=scopes)
    assert outcome.ok, outcome.messages
    assert any("roles could not be read" in w for w in outcome.warnings)


async def test_the_plan_shows_the_roles_read(engine_ctx) -> None:
    plan = await ENGINES["okta-sign-in"].plan(engine_ctx, {})
    assert any(c.path == "/api/v1/users/{userId}/roles" and c.method == "GET" for c in plan.calls)
