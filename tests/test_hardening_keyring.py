"""Keyring failure modes through the product (issue 7 §5): `apply` storing the Kandji token at
step B.2 and reading the Okta token at step 1 with a keyring that is missing, the null backend,
failing on write, hanging, or that lost a secret behind the wizard's back. tests/test_secrets.py
covers SecretStore itself; here the admin's view: exit code and the sentence they read.
"""

from __future__ import annotations

import threading

import keyring
import pytest
from keyring.backends import fail, null

from tests.hardening_support import assert_no_traceback
from tests.test_cli_fixtures import app_ids
from tests.test_secrets import until_hanging
from wizard.commands.exit_codes import Exit
from wizard.memory_keyring import MemoryKeyring
from wizard.secrets import Purpose, SecretStore

LOOPBACK = "--allow-insecure-loopback"


def apply(cli, config, *extra: str):
    result = cli("apply", "--config", str(config), "--yes", "--timeout", "0", LOOPBACK, *extra)
    assert_no_traceback(result.out + result.err)
    return result


class WriteFails(MemoryKeyring):
    """Probes fine (the canary round-trips), then refuses the real secret."""

    def set_password(self, service: str, username: str, password: str) -> None:
        if not username.startswith("probe:"):
            raise RuntimeError("org.freedesktop.Secret.Error.IsLocked")
        super().set_password(service, username, password)


class Hangs(MemoryKeyring):
    """Never answers a write, like a keyring waiting for an unlock prompt nobody sees."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.hanging = threading.Event()

    def set_password(self, service: str, username: str, password: str) -> None:
        self.hanging.set()
        self.gate.wait(10)


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["unavailable", "null"])
def test_no_usable_keyring_keeps_the_token_in_memory_and_says_so(cli, sim_setup, demo_services, backend):
    keyring.set_keyring(backend)
    result = apply(cli, sim_setup)
    assert result.code == Exit.CONSOLE_STEP_9, result.out + result.err
    assert "kept in memory for this run only" in result.out
    assert "KANDJI_SCIM_TOKEN" in result.out  # how later runs get it


def test_a_keyring_that_loses_what_it_accepts_is_detected(cli, sim_setup, demo_services):
    class Forgetful(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            return None

    keyring.set_keyring(Forgetful())
    result = apply(cli, sim_setup)
    assert result.code == Exit.CONSOLE_STEP_9
    assert "did not give it back" in result.out and "memory for this run only" in result.out


def test_a_keyring_failing_on_write_stops_at_b2_with_instructions(cli, sim_setup, demo_services):
    keyring.set_keyring(WriteFails())
    result = apply(cli, sim_setup)
    text = result.out + result.err
    assert result.code == Exit.CREDENTIALS, text
    assert "The secret was not saved" in text and "fix at step B.2" in text
    assert demo_services.kandji_token.get_secret_value() not in text
    assert not app_ids(demo_services)  # nothing was created in Okta before the token was safe


def test_a_hanging_keyring_times_out_and_stops_with_unlock_instructions(
    cli, sim_setup, demo_services, monkeypatch
):
    backend = Hangs()
    keyring.set_keyring(backend)
    monkeypatch.setitem(SecretStore.__init__.__kwdefaults__, "probe_timeout", 0.2)
    # The wait ends when the keyring starts hanging: the timeout path without real seconds.
    monkeypatch.setitem(SecretStore.__init__.__kwdefaults__, "join", until_hanging(backend.hanging))
    try:
        result = apply(cli, sim_setup)
    finally:
        backend.gate.set()
    text = result.out + result.err
    assert result.code == Exit.CREDENTIALS, text
    assert "did not answer within 0.2 s" in text and "unlock" in text.lower()


def test_kandji_token_deleted_behind_the_wizards_back_is_asked_for_again(
    cli, sim_setup, demo_services, monkeypatch
):
    demo = demo_services
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9  # B.2 stored it in the keyring
    demo.console.enable_scim(app_ids(demo)[0])
    SecretStore().delete(demo.org.host, Purpose.KANDJI_SCIM_TOKEN)  # e.g. keyring reset
    monkeypatch.delenv("KANDJI_SCIM_TOKEN")
    again = apply(cli, sim_setup)
    assert again.code == Exit.CONSOLE_STEP_10
    assert "Paste it again at step B.2 before step 10.5" in again.out
    assert "Bearer token: not stored: set KANDJI_SCIM_TOKEN or run step B.2" in again.out


def test_okta_token_deleted_behind_the_wizards_back_is_explained(cli, sim_setup, demo_services, monkeypatch):
    demo = demo_services
    SecretStore().put(demo.org.host, Purpose.OKTA_API_TOKEN, demo.api_token)  # as step 1 keeps it
    monkeypatch.delenv("OKTA_API_TOKEN")
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    SecretStore().delete(demo.org.host, Purpose.OKTA_API_TOKEN)
    again = apply(cli, sim_setup)
    assert again.code == Exit.CREDENTIALS
    assert "no longer in the keyring" in again.err and "OKTA_API_TOKEN" in again.err
