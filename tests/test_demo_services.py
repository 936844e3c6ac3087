"""The demo services: loopback only, demo secrets in memory, demo state in a temporary dir."""

from __future__ import annotations

import keyring

from tests import loopback_http as web
from wizard.demo.services import DemoServices
from wizard.paths import state_dir
from wizard.secrets import Purpose


def test_services_run_on_loopback_with_their_own_secrets_and_state(memory_keyring) -> None:
    with DemoServices() as demo:
        assert demo.org.is_loopback and demo.org_url.startswith("http://127.0.0.1:")
        assert demo.kandji_url.is_loopback and demo.kandji_base_url.endswith("/api/v1/scim")
        assert demo.state_dir != state_dir() and demo.state_dir.exists()
        demo.store_okta_token()
        assert demo.secrets.get(demo.org.host, Purpose.OKTA_API_TOKEN) == demo.api_token
        # The process keyring (the admin's, in real life) is never used by the demo.
        assert memory_keyring.store == {} and keyring.get_keyring() is memory_keyring
        assert demo.keyring.store
        session = demo.open_session()
        assert session.path.parent == demo.state_dir
        session.close()
        state = demo.state_dir
    assert not state.exists()


def test_the_simulator_has_seeded_people_and_the_scim_server_wants_the_token() -> None:
    with DemoServices() as demo:
        tenant = demo.okta_simulator.tenant
        assert all(login.lower() in tenant.users_by_login for login in demo.seeded_logins)
        assert len(demo.seeded_logins) == 3
        url = demo.kandji_base_url + "/Users"
        assert web.get(url, headers={"Authorization": "Bearer wrong-token-123"}).status_code == 401
        token = demo.kandji_token.get_secret_value()
        assert web.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert "Demo-" not in repr(demo.test_person.password)


def test_the_demo_console_acts_like_the_admin_and_counts_their_actions() -> None:
    with DemoServices() as demo:
        app_id = demo.okta_simulator.tenant.add_app("Kandji SCIM App")["id"]
        console = demo.console
        console.enable_scim(app_id)
        ok, message = console.configure_scim_connection(app_id, demo.kandji_base_url, demo.kandji_token)
        assert ok, message
        assert console.test_connector(app_id) == (True, "Connector configured successfully")
        console.enable_to_app(app_id)
        settings = demo.okta_simulator.tenant.app_settings[app_id]
        assert settings.scim_enabled and settings.to_app_create and settings.to_app_deactivate
        assert settings.connection.unique_id_field == "userName"
        assert settings.connection.auth_mode == "HTTP Header"
        assert len(console.actions) == 3 + 10 + 2 + 5
        assert "paste Bearer token" in console.actions


def test_a_given_state_dir_is_kept(tmp_path) -> None:
    with DemoServices(state_dir=tmp_path / "demo") as demo:
        demo.state_dir.mkdir(parents=True, exist_ok=True)
        demo.open_session().close()
    assert (tmp_path / "demo").exists()
