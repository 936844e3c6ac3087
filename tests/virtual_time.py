"""Virtual time for the UI in tests (the `ui_time` fixture in conftest.py puts it in
`screens.engine_link.UI_TIME`).

`sleep` returns once the clock has passed the end of the sleep, and the clock moves only when
a test moves it: `advance(seconds)`, or `jump(tasks)` to the end of the earliest sleep of those
tasks, which is what the UI helpers do while the step they wait for is sleeping between polls
or retries (tests/ui_support.py). Nothing waits in real time, and a background poll (a console
step's detection) never runs ahead of the test: it looks once, then sleeps until time moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass


@dataclass(eq=False)
class _Sleeper:
    until: float
    woken: asyncio.Future[None]
    task: asyncio.Task | None


class VirtualTime:
    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []  # every sleep asked for, in order
        self._sleepers: list[_Sleeper] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        woken = asyncio.get_running_loop().create_future()
        sleeper = _Sleeper(self.now + seconds, woken, asyncio.current_task())
        self._sleepers.append(sleeper)
        try:
            await sleeper.woken
        finally:
            if sleeper in self._sleepers:
                self._sleepers.remove(sleeper)

    def sleeping(self, tasks: Collection[asyncio.Task] | None = None) -> list[float]:
        """When the current sleeps (of `tasks`, if given) end."""
        return sorted(s.until for s in self._sleepers if tasks is None or s.task in tasks)

    def advance(self, seconds: float) -> None:
        self._move_to(self.now + seconds)

    def jump(self, tasks: Collection[asyncio.Task] | None = None) -> bool:
        """Move the clock to the end of the earliest sleep (of `tasks`, if given); every sleep
        ending by then wakes. False when there was none."""
        ends = self.sleeping(tasks)
        if not ends:
            return False
        self._move_to(max(self.now, ends[0]))
        return True

    def _move_to(self, now: float) -> None:
        self.now = now
        for sleeper in list(self._sleepers):
            if sleeper.until <= now:
                self._sleepers.remove(sleeper)
                if not sleeper.woken.done():
                    sleeper.woken.set_result(None)
