"""The secret store over keyring: the probe's three answers, storing and reading, memory-only
mode, locked keyrings (no fallback), hanging keyrings (the timeout fires) and secrets removed
behind the wizard's back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import InitError, KeyringLocked, PasswordSetError
from pydantic import SecretStr

from wizard import redact
from wizard.memory_keyring import MemoryKeyring
from wizard.secrets import (
    SERVICE,
    KeyringLockedError,
    Purpose,
    SecretStore,
    SecretStoreError,
    locked_remedy,
    unavailable_remedy,
)

HOST = "acme.okta.com"
TOKEN = "7f3c9a12-4b8e-4d21-9c6f-0e5a7b3d2f18"


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    redact.clear_registry()
    yield
    redact.clear_registry()


class ScriptedKeyring(MemoryKeyring):
    """A memory keyring whose operations can raise, hang or lose values on demand."""

    def __init__(self) -> None:
        super().__init__()
        self.raise_on: dict[str, BaseException] = {}
        self.hang_on: set[str] = set()
        self.only_probe_works = False
        self.release = threading.Event()
        self.hanging = threading.Event()  # set when a call starts hanging
        self.calls: list[str] = []

    def _maybe_fail(self, operation: str, username: str) -> None:
        self.calls.append(operation)
        if self.only_probe_works and username.startswith("probe:"):
            return
        if operation in self.hang_on:
            self.hanging.set()
            self.release.wait(30)
        if operation in self.raise_on:
            raise self.raise_on[operation]

    def get_password(self, service: str, username: str) -> str | None:
        self._maybe_fail("get", username)
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._maybe_fail("set", username)
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._maybe_fail("delete", username)
        super().delete_password(service, username)


class ForgetfulKeyring(MemoryKeyring):
    """Accepts every write and gives back something else (or nothing)."""

    def get_password(self, service: str, username: str) -> str | None:
        return "not what you stored" if username.startswith("probe:") else None


def until_hanging(hanging: threading.Event):
    """A `join` for SecretStore: waits for the keyring call to finish, or returns as soon as the
    call is hanging, so the timeout path runs without waiting real seconds for the timeout."""

    def join(thread: threading.Thread, timeout: float) -> None:
        while thread.is_alive() and not hanging.is_set():
            thread.join(0.001)

    return join


@pytest.fixture
def scripted() -> Iterator[ScriptedKeyring]:
    backend = ScriptedKeyring()
    yield backend
    backend.release.set()  # let any abandoned probe thread finish


# -- probe: ok -------------------------------------------------------------------------------


def test_probe_ok_uses_the_configured_keyring_and_leaves_no_canary(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    probe = store.probe()
    assert probe.state == "ok"
    assert "MemoryKeyring" in probe.backend
    assert probe.remedy == ""
    assert memory_keyring.store == {}
    assert not store.memory_only


def test_probe_runs_once(scripted: ScriptedKeyring) -> None:
    store = SecretStore(backend=scripted)
    first = store.probe()
    calls = list(scripted.calls)
    assert calls == ["set", "get", "delete"]
    assert store.probe() is first
    assert store.memory_only is False
    assert scripted.calls == calls


def test_concurrent_probes_share_one_run(scripted: ScriptedKeyring) -> None:
    store = SecretStore(backend=scripted)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(store.probe())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 8 and all(result is results[0] for result in results)
    assert scripted.calls.count("set") == 1


def test_a_canary_that_cannot_be_removed_still_counts_as_ok(scripted: ScriptedKeyring) -> None:
    scripted.raise_on["delete"] = RuntimeError("delete not allowed")
    probe = SecretStore(backend=scripted).probe()
    assert probe.state == "ok"
    assert "could not be removed" in probe.reason


# -- probe: unavailable ----------------------------------------------------------------------


@pytest.mark.parametrize("backend", [null.Keyring(), fail.Keyring(), ForgetfulKeyring()], ids=str)
def test_backends_that_cannot_keep_secrets_are_unavailable(backend: KeyringBackend) -> None:
    store = SecretStore(backend=backend)
    probe = store.probe()
    assert probe.state == "unavailable"
    assert "memory for this run only" in probe.reason
    assert "environment variables or standard input" in probe.remedy
    assert store.memory_only


def test_null_keyring_installed_globally_is_detected() -> None:
    keyring.set_keyring(null.Keyring())  # conftest restores the previous backend
    assert SecretStore().probe().state == "unavailable"


def test_the_null_backend_is_caught_by_the_canary_alone() -> None:
    """Even a null-like backend we do not know by class loses the canary and is detected."""

    class Unknown(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            return None

    assert SecretStore(backend=Unknown()).probe().state == "unavailable"


def test_a_backend_failing_with_a_generic_error_is_unavailable(scripted: ScriptedKeyring) -> None:
    scripted.raise_on["set"] = RuntimeError("D-Bus said no")
    probe = SecretStore(backend=scripted).probe()
    assert probe.state == "unavailable"
    assert "D-Bus said no" in probe.reason


def test_finding_the_backend_hanging_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    release, hanging = threading.Event(), threading.Event()

    def hang() -> None:
        hanging.set()
        release.wait(30)

    monkeypatch.setattr(keyring, "get_keyring", hang)
    try:
        started = time.monotonic()
        probe = SecretStore(probe_timeout=0.3, join=until_hanging(hanging)).probe()
        assert time.monotonic() - started < 3
        assert probe.state == "unavailable"
        assert "did not finish within 0.3 s" in probe.reason
    finally:
        release.set()


# -- probe: locked ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [KeyringLocked("Failed to unlock the collection!"), InitError("cannot open"), PasswordSetError("denied")],
    ids=lambda e: type(e).__name__,
)
def test_locked_or_denied_keyring_is_locked_and_put_has_no_fallback(
    scripted: ScriptedKeyring, error: Exception
) -> None:
    scripted.raise_on["set"] = error
    store = SecretStore(backend=scripted)
    probe = store.probe()
    assert probe.state == "locked"
    assert type(error).__name__ in probe.reason
    assert "then try again" in probe.remedy
    assert not store.memory_only
    with pytest.raises(KeyringLockedError) as caught:
        store.put(HOST, Purpose.KANDJI_SCIM_TOKEN, TOKEN)
    assert "not saved" in str(caught.value)
    assert caught.value.remedy == probe.remedy
    with pytest.raises(KeyringLockedError):
        store.get(HOST, Purpose.KANDJI_SCIM_TOKEN)
    with pytest.raises(KeyringLockedError):
        store.forget_tenant(HOST)
    assert scripted.store == {}


def test_a_hanging_keyring_times_out_as_locked(scripted: ScriptedKeyring) -> None:
    scripted.hang_on.add("set")
    store = SecretStore(probe_timeout=0.3, backend=scripted, join=until_hanging(scripted.hanging))
    started = time.monotonic()
    probe = store.probe()
    elapsed = time.monotonic() - started
    assert elapsed < 3, elapsed
    assert probe.state == "locked"
    assert "did not answer within 0.3 s" in probe.reason
    assert "unlock" in probe.reason
    with pytest.raises(KeyringLockedError):
        store.put(HOST, Purpose.KANDJI_SCIM_TOKEN, TOKEN)


def test_a_reading_failure_after_a_good_write_is_locked(scripted: ScriptedKeyring) -> None:
    scripted.raise_on["get"] = KeyringLocked("locked while reading")
    assert SecretStore(backend=scripted).probe().state == "locked"


# -- storing and reading ---------------------------------------------------------------------


def test_put_get_delete_round_trip(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.put(HOST, Purpose.KANDJI_SCIM_TOKEN, SecretStr(TOKEN))
    assert memory_keyring.store == {(SERVICE, f"{HOST}:kandji-scim-token"): TOKEN}
    value = store.get(HOST, Purpose.KANDJI_SCIM_TOKEN)
    assert isinstance(value, SecretStr)
    assert value.get_secret_value() == TOKEN
    assert TOKEN not in repr(value) and TOKEN not in str(value)
    assert store.get(HOST, Purpose.OKTA_API_TOKEN) is None
    assert store.delete(HOST, Purpose.KANDJI_SCIM_TOKEN) is True
    assert store.delete(HOST, Purpose.KANDJI_SCIM_TOKEN) is False
    assert store.get(HOST, Purpose.KANDJI_SCIM_TOKEN) is None


def test_tenant_host_is_case_insensitive_and_must_be_a_host(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.put("ACME.okta.com ", Purpose.OKTA_API_TOKEN, TOKEN)
    assert store.get(HOST, Purpose.OKTA_API_TOKEN) is not None
    with pytest.raises(SecretStoreError, match="not a tenant host"):
        store.put("", Purpose.OKTA_API_TOKEN, TOKEN)
    with pytest.raises(SecretStoreError, match="not a tenant host"):
        store.get("acme okta", Purpose.OKTA_API_TOKEN)


def test_an_empty_secret_is_refused(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(SecretStoreError, match="empty"):
        SecretStore().put(HOST, Purpose.KANDJI_SCIM_TOKEN, "")
    assert memory_keyring.store == {}


def test_forget_tenant_removes_only_that_tenants_secrets(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.put(HOST, Purpose.KANDJI_SCIM_TOKEN, TOKEN)
    store.put(HOST, Purpose.OKTA_PRIVATE_KEY, "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----")
    store.put("beta.okta.com", Purpose.KANDJI_SCIM_TOKEN, "another-token-123456")
    assert store.forget_tenant(HOST) == [Purpose.KANDJI_SCIM_TOKEN, Purpose.OKTA_PRIVATE_KEY]
    assert list(memory_keyring.store) == [(SERVICE, "beta.okta.com:kandji-scim-token")]
    assert store.forget_tenant(HOST) == []


def test_a_secret_deleted_behind_the_stores_back_reads_as_none(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.put(HOST, Purpose.KANDJI_SCIM_TOKEN, TOKEN)
    keyring.delete_password(SERVICE, f"{HOST}:kandji-scim-token")  # e.g. Keychain Access
    assert store.get(HOST, Purpose.KANDJI_SCIM_TOKEN) is None
    assert store.delete(HOST, Purpose.KANDJI_SCIM_TOKEN) is False


def test_values_are_registered_with_the_redactor_on_put_and_get(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.put(HOST, Purpose.KANDJI_SCIM_TOKEN, TOKEN)
    assert TOKEN not in redact.redact(f"sent {TOKEN}")
    other = "a3b1c2d3-0000-4000-8000-aaaabbbbcccc"
    memory_keyring.store[(SERVICE, f"{HOST}:okta-api-token")] = other  # stored by an earlier run
    assert redact.redact(other) == other
    store.get(HOST, Purpose.OKTA_API_TOKEN)
    assert redact.redact(other) == "****"


def test_keyring_errors_during_put_become_sentences_without_the_secret(scripted: ScriptedKeyring) -> None:
    store = SecretStore(backend=scripted)
    assert store.probe().state == "ok"
    scripted.raise_on["set"] = PasswordSetError(f"could not store {TOKEN}")
    with pytest.raises(KeyringLockedError) as caught:
        store.put(HOST, Purpose.KANDJI_SCIM_TOKEN, TOKEN)
    message = str(caught.value)
    assert TOKEN not in message
    assert "locked or refused access" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    scripted.raise_on["set"] = RuntimeError("backend exploded")
    with pytest.raises(SecretStoreError, match="backend exploded"):
        store.put(HOST, Purpose.KANDJI_SCIM_TOKEN, TOKEN)


def test_a_keyring_that_hangs_after_a_good_probe_times_out(scripted: ScriptedKeyring) -> None:
    scripted.only_probe_works = True
    scripted.hang_on.add("set")
    store = SecretStore(backend=scripted, operation_timeout=0.3, join=until_hanging(scripted.hanging))
    assert store.probe().state == "ok"
    started = time.monotonic()
    with pytest.raises(KeyringLockedError, match=r"did not answer within 0\.3 s"):
        store.put(HOST, Purpose.KANDJI_SCIM_TOKEN, TOKEN)
    assert time.monotonic() - started < 3


# -- memory-only mode ------------------------------------------------------------------------


def test_memory_only_keeps_values_for_the_run_and_nowhere_else() -> None:
    backend = null.Keyring()
    store = SecretStore(backend=backend)
    assert store.memory_only
    store.put(HOST, Purpose.KANDJI_SCIM_TOKEN, TOKEN)
    value = store.get(HOST, Purpose.KANDJI_SCIM_TOKEN)
    assert value is not None and value.get_secret_value() == TOKEN
    assert TOKEN not in redact.redact(TOKEN)
    assert SecretStore(backend=backend).get(HOST, Purpose.KANDJI_SCIM_TOKEN) is None  # next run
    assert store.forget_tenant(HOST) == [Purpose.KANDJI_SCIM_TOKEN]
    assert store.get(HOST, Purpose.KANDJI_SCIM_TOKEN) is None


# -- remedies and the demo backend -----------------------------------------------------------


def test_remedies_name_the_platforms_keyring() -> None:
    assert "keychain" in unavailable_remedy("darwin")
    linux = unavailable_remedy("linux")
    assert "GNOME Keyring" in linux and "keyrings.alt are not recommended" in linux
    assert "Credential Manager" in unavailable_remedy("win32")
    assert "gnome-keyring-daemon --unlock" in locked_remedy("linux")
    assert "Allow" in locked_remedy("darwin")
    for remedy in (unavailable_remedy("linux"), locked_remedy("darwin")):
        assert "KANDJI_SCIM_TOKEN" in remedy


def test_memory_keyring_is_never_chosen_by_keyring_itself() -> None:
    assert MemoryKeyring.viable is False
    assert MemoryKeyring not in set(KeyringBackend.get_viable_backends())
    assert "MemoryKeyring" in str(MemoryKeyring())
