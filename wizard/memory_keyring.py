"""A keyring backend that keeps secrets in a dict, for `--demo` and the tests.

It must never be picked by keyring's own backend discovery (that would silently turn the real
keyring into a memory-only one), so its priority raises like any unsuitable backend's does;
install it explicitly with `keyring.set_keyring(MemoryKeyring())`.
"""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Secrets in process memory, keyed by (service, username). Lost when the process ends."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("MemoryKeyring is only used when set explicitly (demo and tests)")

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def __str__(self) -> str:
        # The base class formats the priority, which this backend refuses to give.
        return f"{type(self).__module__}.{type(self).__name__} (in memory)"

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self.store.pop((service, username), None) is None:
                raise PasswordDeleteError(f"no secret stored for {username} in {service}")
