"""Secrets in the OS keyring (DESIGN §6).

The backend is probed once, in a daemon thread with a timeout because a locked keyring can
hang waiting for an unlock prompt: write a random canary, read it back, delete it. Then:

- ok: secrets go to the keyring, under service SERVICE and username `<tenant host>:<purpose>`;
- unavailable (no backend, the null backend that accepts and loses, a canary that does not
  come back): secrets stay in this process's memory for this run only, never in a file;
- locked (locked, refused, or not answering): storing stops with instructions; no fallback.

Every value put or read is registered with the redactor so it cannot reach a log in clear.
"""

from __future__ import annotations

import secrets as _random
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, TypeVar

from pydantic import SecretStr

from wizard import redact

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "okta-kandji-setup"
ENV_HINT = "the KANDJI_SCIM_TOKEN / OKTA_API_TOKEN environment variables or standard input"

_T = TypeVar("_T")
ProbeState = Literal["ok", "unavailable", "locked"]


class Purpose(StrEnum):
    KANDJI_SCIM_TOKEN = "kandji-scim-token"
    OKTA_API_TOKEN = "okta-api-token"
    OKTA_PRIVATE_KEY = "okta-private-key"


@dataclass(frozen=True)
class KeyringProbe:
    state: ProbeState
    backend: str  # a display name, e.g. "SecretService Keyring"
    reason: str  # what was found, as a sentence
    remedy: str  # what the admin can do about it ("" when nothing is needed)


class SecretStoreError(Exception):
    """A secret could not be stored, read or removed. `str()` says why and what to do."""

    def __init__(self, reason: str, remedy: str = "") -> None:
        self.reason = reason
        self.remedy = remedy
        super().__init__(f"{reason} {remedy}".strip())


class KeyringLockedError(SecretStoreError):
    """The keyring is locked, refused access, or did not answer. There is no fallback."""


def unavailable_remedy(platform: str = sys.platform) -> str:
    if platform == "darwin":
        fix = "On macOS the login keychain is used: check in Keychain Access that it exists and is unlocked."
    elif platform.startswith("win"):
        fix = "On Windows the Credential Manager is used: check that it is running for your account."
    else:
        fix = (
            "On Linux install and unlock a Secret Service keyring (GNOME Keyring or KWallet); on "
            "a server without a desktop, run the wizard inside `dbus-run-session` after "
            "`gnome-keyring-daemon --unlock`. Plain-text file backends such as keyrings.alt are "
            "not recommended for secrets."
        )
    return f"{fix} Until then, later runs can take the secrets from {ENV_HINT}."


def locked_remedy(platform: str = sys.platform) -> str:
    if platform == "darwin":
        fix = (
            "Unlock the login keychain (Keychain Access → login → unlock), or choose Allow when "
            "macOS asks whether this program may use it"
        )
    elif platform.startswith("win"):
        fix = "Sign in to Windows with your own account so the Credential Manager is available"
    else:
        fix = (
            "Unlock your keyring: answer its unlock prompt on the desktop, or over SSH run "
            "`gnome-keyring-daemon --unlock` in your D-Bus session (KWallet: open KWallet Manager)"
        )
    return (
        f"{fix}, then try again. The wizard does not store secrets anywhere else while the "
        f"keyring is locked; you can also pass them from {ENV_HINT}."
    )


def _backend_name(backend: object) -> str:
    try:
        return str(type(backend).name)  # type: ignore[attr-defined]
    except Exception:
        return type(backend).__name__


def _describe(exc: BaseException) -> str:
    text = redact.redact(str(exc)).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _TimedOut(Exception):
    pass


Join = Callable[[threading.Thread, float], None]


def _join(thread: threading.Thread, timeout: float) -> None:
    thread.join(timeout)


def _call_with_timeout(function: Callable[[], _T], timeout: float, name: str, join: Join = _join) -> _T:
    """Run `function` in a daemon thread; raise _TimedOut if it has not returned in time. The
    thread is abandoned (a hung keyring call cannot be cancelled), not joined. `join` waits for
    the thread for at most `timeout` (tests give one that returns once their keyring hangs)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    join(thread, timeout)
    if thread.is_alive():
        raise _TimedOut
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


class SecretStore:
    """The wizard's secrets for all tenants. Blocking: call it from a thread worker."""

    def __init__(
        self,
        *,
        probe_timeout: float = 5.0,
        operation_timeout: float = 60.0,
        backend: KeyringBackend | None = None,
        ephemeral: bool = False,
        join: Join = _join,
    ) -> None:
        """`ephemeral`: the backend itself lives in memory (the demo's), so nothing outlives the run."""
        self._ephemeral = ephemeral
        self._join = join
        self._probe_timeout = probe_timeout
        # Generous: reading may legitimately wait for the admin to answer an unlock prompt.
        self._operation_timeout = operation_timeout
        self._explicit_backend = backend
        self._backend: KeyringBackend | None = backend
        self._probe: KeyringProbe | None = None
        self._probe_lock = threading.Lock()
        self._memory: dict[tuple[str, Purpose], SecretStr] = {}
        self._memory_lock = threading.Lock()

    # -- probing ---------------------------------------------------------------------------

    def probe(self) -> KeyringProbe:
        """Find out once whether the keyring works; later calls return the same answer."""
        with self._probe_lock:
            if self._probe is None:
                self._probe = self._run_probe()
            return self._probe

    @property
    def memory_only(self) -> bool:
        """True when secrets live in memory for this run only (probes if not done yet)."""
        return self._ephemeral or self.probe().state == "unavailable"

    def _run_probe(self) -> KeyringProbe:
        progress = {"phase": "finding the keyring backend", "backend": "unknown backend"}

        def attempt() -> KeyringProbe:
            from keyring.backends import fail, null
            from keyring.errors import InitError, KeyringLocked, NoKeyringError, PasswordSetError

            backend = self._explicit_backend
            if backend is None:
                import keyring

                backend = keyring.get_keyring()
            self._backend = backend
            name = progress["backend"] = _backend_name(backend)
            if isinstance(backend, null.Keyring | fail.Keyring):
                return self._unavailable(name, f"there is no usable keyring backend ({name})")
            username = f"probe:{_random.token_hex(8)}"
            canary = _random.token_urlsafe(24)
            try:
                progress["phase"] = "writing a test value"
                backend.set_password(SERVICE, username, canary)
                progress["phase"] = "reading the test value back"
                read_back = backend.get_password(SERVICE, username)
            except NoKeyringError as exc:
                return self._unavailable(name, f"there is no usable keyring backend ({_describe(exc)})")
            except (KeyringLocked, InitError, PasswordSetError) as exc:
                return self._locked(name, f"it is locked or refused access ({_describe(exc)})")
            except Exception as exc:
                return self._unavailable(name, f"it failed while {progress['phase']} ({_describe(exc)})")
            if read_back != canary:
                return self._unavailable(
                    name, "it accepted a test value but did not give it back, so it would lose secrets"
                )
            progress["phase"] = "removing the test value"
            try:
                backend.delete_password(SERVICE, username)
            except Exception as exc:
                return KeyringProbe(
                    "ok",
                    name,
                    f"Secrets are kept in {name} (a test entry '{username}' could not be removed: "
                    f"{_describe(exc)}; you may delete it by hand).",
                    "",
                )
            return KeyringProbe("ok", name, f"Secrets are kept in {name}.", "")

        try:
            return _call_with_timeout(attempt, self._probe_timeout, "keyring-probe", self._join)
        except _TimedOut:
            name = progress["backend"]
            if progress["phase"] == "finding the keyring backend":
                return self._unavailable(
                    name, f"finding a keyring backend did not finish within {self._probe_timeout:g} s"
                )
            return self._locked(
                name,
                f"it did not answer within {self._probe_timeout:g} s while {progress['phase']} "
                "(it may be waiting for you to unlock it)",
            )
        except Exception as exc:  # discovery itself failed
            return self._unavailable(
                progress["backend"], f"the keyring could not be loaded ({_describe(exc)})"
            )

    @staticmethod
    def _unavailable(name: str, why: str) -> KeyringProbe:
        return KeyringProbe(
            "unavailable",
            name,
            f"No usable keyring: {why}. Secrets are kept in memory for this run only and will be "
            "asked for again next time; nothing is written to disk.",
            unavailable_remedy(),
        )

    @staticmethod
    def _locked(name: str, why: str) -> KeyringProbe:
        return KeyringProbe("locked", name, f"The keyring ({name}) cannot be used: {why}.", locked_remedy())

    # -- secrets ---------------------------------------------------------------------------

    @staticmethod
    def _username(tenant_host: str, purpose: Purpose) -> str:
        host = tenant_host.strip().lower()
        if not host or any(ch.isspace() for ch in host):
            raise SecretStoreError(
                f"{tenant_host!r} is not a tenant host name.", "Open the tenant's setup first."
            )
        return f"{host}:{Purpose(purpose)}"

    def _require_usable(self, action: str) -> KeyringProbe:
        probe = self.probe()
        if probe.state == "locked":
            raise KeyringLockedError(f"The secret was not {action}: {probe.reason}", probe.remedy)
        return probe

    def _keyring_call(self, function: Callable[[], _T], action: str) -> _T:
        """Run one keyring operation with a timeout, turning failures into admin sentences."""
        from keyring.errors import InitError, KeyringLocked, PasswordSetError

        name = _backend_name(self._backend)
        try:
            return _call_with_timeout(function, self._operation_timeout, "keyring-call", self._join)
        except _TimedOut:
            raise KeyringLockedError(
                f"The secret was not {action}: the keyring ({name}) did not answer within "
                f"{self._operation_timeout:g} s (it may be waiting for you to unlock it).",
                locked_remedy(),
            ) from None
        except (KeyringLocked, InitError, PasswordSetError) as exc:
            raise KeyringLockedError(
                f"The secret was not {action}: the keyring ({name}) is locked or refused access "
                f"({_describe(exc)}).",
                locked_remedy(),
            ) from None
        except Exception as exc:
            raise SecretStoreError(
                f"The secret was not {action}: the keyring ({name}) failed ({_describe(exc)}).",
                locked_remedy(),
            ) from None

    def put(self, tenant_host: str, purpose: Purpose, value: SecretStr | str) -> None:
        """Store a secret for a tenant, replacing any previous one."""
        secret = value if isinstance(value, SecretStr) else SecretStr(value)
        if not secret.get_secret_value():
            raise SecretStoreError("An empty secret was not stored.", "Paste the value again.")
        username = self._username(tenant_host, purpose)
        redact.register_secret(secret)
        probe = self._require_usable("saved")
        if probe.state == "unavailable":
            with self._memory_lock:
                self._memory[(username, Purpose(purpose))] = secret
            return
        backend = self._backend
        assert backend is not None  # set by the probe
        self._keyring_call(
            lambda: backend.set_password(SERVICE, username, secret.get_secret_value()), "saved"
        )

    def get(self, tenant_host: str, purpose: Purpose) -> SecretStr | None:
        """The stored secret, or None when there is none (also when it was deleted from the
        keyring behind the wizard's back: ask the admin for it again)."""
        username = self._username(tenant_host, purpose)
        probe = self._require_usable("read")
        if probe.state == "unavailable":
            with self._memory_lock:
                return self._memory.get((username, Purpose(purpose)))
        backend = self._backend
        assert backend is not None
        value = self._keyring_call(lambda: backend.get_password(SERVICE, username), "read")
        if value is None:
            return None
        redact.register_secret(value)
        return SecretStr(value)

    def delete(self, tenant_host: str, purpose: Purpose) -> bool:
        """Remove a secret. True if there was one."""
        username = self._username(tenant_host, purpose)
        probe = self._require_usable("removed")
        if probe.state == "unavailable":
            with self._memory_lock:
                return self._memory.pop((username, Purpose(purpose)), None) is not None
        backend = self._backend
        assert backend is not None
        if self._keyring_call(lambda: backend.get_password(SERVICE, username), "removed") is None:
            return False
        self._keyring_call(lambda: backend.delete_password(SERVICE, username), "removed")
        return True

    def forget_tenant(self, tenant_host: str) -> list[Purpose]:
        """Remove every secret kept for a tenant; returns the purposes that had one."""
        return [purpose for purpose in Purpose if self.delete(tenant_host, purpose)]
