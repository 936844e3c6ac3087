"""Helpers for the engine tests: fake time, per-action demo inputs, driving actions in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from wizard.catalog import load_catalog
from wizard.demo.services import DemoServices
from wizard.engine import ENGINES, EngineContext, Outcome, is_console
from wizard.okta_simulator import ManualClock


def action_order() -> list[str]:
    return load_catalog().action_order()


def inputs_for(demo: DemoServices, action: str) -> dict[str, Any]:
    inputs = demo.inputs()
    inputs["test-user"]["existing_logins"] = demo.seeded_logins
    inputs["verify"] = {"timeout": 30}
    return inputs.get(action, {})


async def run_action(ctx: EngineContext, demo: DemoServices, action: str) -> Outcome:
    """Apply an action the way the UI would; a console action is done in the demo console."""
    engine = ENGINES[action]
    if is_console(engine):
        await engine.demo_complete(ctx)  # type: ignore[attr-defined]
        detection = await engine.wait(ctx, timeout=10, on_update=lambda _d: None)  # type: ignore[attr-defined]
        assert detection.complete, detection.message
        return await engine.apply(ctx, {"confirmed": True})
    if action == "verify":
        demo.okta_simulator.settle()
    return await engine.apply(ctx, inputs_for(demo, action))


async def run_until(
    ctx: EngineContext, demo: DemoServices, stop_before: str | None = None, *, skip=()
) -> None:
    for action in action_order():
        if action == stop_before:
            return
        if action in skip:
            continue
        outcome = await run_action(ctx, demo, action)
        assert outcome.ok, (action, outcome.messages)


@asynccontextmanager
async def engine_context(
    demo: DemoServices, clock: ManualClock | None = None
) -> AsyncIterator[EngineContext]:
    """A context on the demo services whose sleeps advance fake time (no real waiting)."""
    clock = clock or ManualClock()
    session = demo.open_session()
    okta = await demo.open_okta(sleep=clock.sleep)
    ctx = demo.context(session, okta)
    ctx.sleep, ctx.clock = clock.sleep, clock
    try:
        yield ctx
    finally:
        await okta.aclose()
        session.close()
