"""The engine registry: one object per catalog action key (assets/steps.toml).

api/check actions implement `ActionEngine`; console actions also implement `ConsoleEngine`
(hand-off, live detection, polling, and the demo console's "do this for me").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from wizard.engine.app_steps import CreateAppEngine
from wizard.engine.assign_steps import AssignEngine
from wizard.engine.console_steps import (
    EnableScimEngine,
    ScimConnectionEngine,
    TestConnectorEngine,
    ToAppEngine,
)
from wizard.engine.context import EngineContext
from wizard.engine.group_steps import GroupEngine, TestUserEngine
from wizard.engine.kandji_steps import KandjiEngine, KandjiTokenEngine
from wizard.engine.model import Detection, Handoff, Outcome, Plan
from wizard.engine.prove import VerifyEngine
from wizard.engine.signin import SignInEngine


@runtime_checkable
class ActionEngine(Protocol):
    key: str

    async def plan(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Plan: ...

    async def apply(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Outcome: ...

    async def verify(self, ctx: EngineContext) -> Outcome: ...


@runtime_checkable
class ConsoleEngine(ActionEngine, Protocol):
    def handoff(self, ctx: EngineContext) -> Handoff: ...

    async def detect(self, ctx: EngineContext) -> Detection: ...

    async def wait(
        self, ctx: EngineContext, *, timeout: float, on_update: Callable[[Detection], None]
    ) -> Detection: ...

    async def demo_complete(self, ctx: EngineContext) -> None: ...


ENGINES: dict[str, ActionEngine] = {
    engine.key: engine
    for engine in (
        KandjiEngine(),
        KandjiTokenEngine(),
        SignInEngine(),
        CreateAppEngine(),
        EnableScimEngine(),
        ScimConnectionEngine(),
        TestConnectorEngine(),
        ToAppEngine(),
        GroupEngine(),
        TestUserEngine(),
        AssignEngine(),
        VerifyEngine(),
    )
}


def is_console(engine: ActionEngine) -> bool:
    return isinstance(engine, ConsoleEngine)


def engine_for(action: str) -> ActionEngine:
    try:
        return ENGINES[action]
    except KeyError:
        raise KeyError(f"no engine for action {action!r}") from None
