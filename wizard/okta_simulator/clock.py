"""A clock the simulator and a test can share, so rate-limit resets and search lag are exact."""

from __future__ import annotations

import threading
import time


class ManualClock:
    """Wall-clock seconds that only move when told to. `sleep` advances it (for the client)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    async def sleep(self, seconds: float) -> None:
        """Drop-in for `asyncio.sleep` in the client: records the wait and moves time on."""
        self.sleeps.append(seconds)
        self.advance(max(0.0, seconds))


def system_clock() -> float:
    return time.time()
