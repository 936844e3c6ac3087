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
    from wizard import redact
    from wizard.commands import calllog
    from wizard.commands.flow import FlowOptions, run_flow
    from wizard.commands.runtime import RUNTIME
    from wizard.commands.tenants import demo_store
    from wizard.demo.services import DemoServices
    from wizard.engine.errors import EngineError

    store = demo_store()
    # A previous demo's services are gone; its progress would only mislead this run.
    for summary in store.list_tenants()[0]:
        store.delete(summary.org_host)
        calllog.remove(store, summary.org_host)
    with DemoServices(state_dir=store.root, clock=_runtime_wall_clock()) as demo:
        for secret in (demo.api_token, demo.kandji_token, demo.test_person.password):
            redact.register_secret(secret)
        session = demo.open_session()
        try:
            okta = await demo.open_okta(sleep=RUNTIME.sleep)
            try:
                ctx = demo.context(session, okta)
                ctx.sleep, ctx.clock = RUNTIME.sleep, RUNTIME.clock
                out.say(
                    "DEMO — a simulated Okta org and Kandji SCIM server on this machine; nothing real "
                    "is changed and the demo's secrets stay in memory."
                )
                quiet = Out(command, stdout=io.StringIO(), stderr=io.StringIO())
                options = FlowOptions(assume_yes=True, console_timeout=10.0, proof_timeout=30.0, demo=demo)
                result = await run_flow(ctx, demo.inputs(), options, quiet)
                if not result.ok:
                    raise EngineError("The demo setup did not finish; run `apply --demo --yes` to see why.")
                steps = len(ctx.catalog.steps)
                out.say(
                    f"Set up first, as `apply --demo` does: all {steps} steps verified; "
                    f"{demo.test_person.login} is in the demo's Kandji."
                )
                demo.okta_simulator.set_push_delay(DEMO_PUSH_DELAY)
                yield demo, ctx
            finally:
                calllog.append(store, demo.org.host, command, okta.call_log)
                await okta.aclose()
        finally:
            session.close()
