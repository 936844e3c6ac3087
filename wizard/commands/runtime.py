"""The headless commands' sleep and clock, in one place so tests can make polls and retries
follow a controllable clock instead of waiting for real."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class Runtime:
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic


RUNTIME = Runtime()
