"""A finished demo setup for the day-two demos (`canary --demo`, `rotate-token --demo`).

The embedded services start, the whole setup runs through the engine (quietly: `apply --demo`
shows it step by step), and the caller gets the services and an engine context. The
simulator's clock follows the commands' runtime clock, so its push delay (the seconds Okta
takes to push a change) is real time in the demo and fake time in the tests.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from wizard.commands.common import Out

if TYPE_CHECKING:
    from wizard.demo.services import DemoServices
    from wizard.engine import EngineContext

# How long the demo's Okta takes to push a change to Kandji (real Okta: seconds to minutes).
DEMO_PUSH_DELAY = 2.0


def _runtime_wall_clock() -> Callable[[], float]:
    """Epoch seconds that advance with the commands' runtime clock (fake in tests)."""
    import time

    from wizard.commands.runtime import RUNTIME

    start_wall, start_run = time.time(), RUNTIME.clock()
    return lambda: start_wall + (RUNTIME.clock() - start_run)


@asynccontextmanager
async def finished_demo(out: Out, command: str) -> AsyncIterator[tuple[DemoServices, EngineContext]]:
    from wizard.commands.demo_run import open_demo
    from wizard.commands.flow import FlowOptions, run_flow
    from wizard.engine.errors import EngineError

    async with open_demo(out, command, clock=_runtime_wall_clock()) as run:
        demo, ctx = run.demo, run.ctx
        quiet = Out(command, stdout=io.StringIO(), stderr=io.StringIO())
        options = FlowOptions(assume_yes=True, console_timeout=10.0, proof_timeout=30.0, demo=demo)
        result = await run_flow(ctx, demo.inputs(), options, quiet)
        if not result.ok:
            raise EngineError("The demo setup did not finish; run `apply --demo --yes` to see why.")
        out.say(
            f"Set up first, as `apply --demo` does: all {len(ctx.catalog.steps)} steps verified; "
            f"{demo.test_person.login} is in the demo's Kandji."
        )
        demo.okta_simulator.set_push_delay(DEMO_PUSH_DELAY)
        yield demo, ctx
