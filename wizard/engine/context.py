"""What every engine call needs: the tenant's state, its secrets, an open Okta client."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from wizard.catalog import Catalog, load_catalog
from wizard.kandji.urls import KandjiUrl
from wizard.okta.client import OktaClient
from wizard.okta.domains import OrgUrl
from wizard.secrets import Purpose, SecretStore
from wizard.state import SetupSettings, StepStatus, TenantSession

if TYPE_CHECKING:
    from wizard.demo.services import DemoConsole

KANDJI_TOKEN_ENV = "KANDJI_SCIM_TOKEN"
# Copy keys (see wizard/catalog.py COPY_VALUES) that name a secret, and where it is kept.
SECRET_KEYS: dict[str, Purpose] = {"kandji_token": Purpose.KANDJI_SCIM_TOKEN}


@dataclass
class EngineContext:
    org: OrgUrl
    session: TenantSession
    secrets: SecretStore
    okta: OktaClient  # already open; the caller owns its lifetime
    kandji_url: KandjiUrl | None
    demo_console: DemoConsole | None = None  # set only in demo mode
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic

    @property
    def settings(self) -> SetupSettings:
        return self.session.state.settings

    @property
    def catalog(self) -> Catalog:
        return load_catalog()


def step_numbers(action: str) -> list[str]:
    return [step.number for step in load_catalog().steps_of(action)]


def recorded(ctx: EngineContext, action: str, key: str) -> Any:
    """A value an action recorded in its evidence (e.g. `recorded(ctx, "create-app", "app_id")`)."""
    steps = ctx.session.state.steps
    for number in reversed(step_numbers(action)):
        record = steps.get(number)
        if record is not None and key in record.evidence:
            return record.evidence[key]
    return None


def status_of(ctx: EngineContext, number: str) -> StepStatus:
    record = ctx.session.state.steps.get(number)
    return record.status if record is not None else StepStatus.PENDING


def record_action(
    ctx: EngineContext,
    action: str,
    status: StepStatus,
    evidence: dict[str, Any],
    *,
    note: str | None = None,
    per_step: dict[str, tuple[StepStatus, str | None, dict[str, Any]]] | None = None,
) -> None:
    """Record the same status and evidence on every step of `action`; `per_step` overrides a step
    with its own (status, note, extra evidence)."""
    for number in step_numbers(action):
        step_status, step_note, extra = (per_step or {}).get(number, (status, note, {}))
        ctx.session.set_status(number, step_status, note=step_note, evidence={**evidence, **extra})


def reset_steps(ctx: EngineContext, numbers: Iterable[str], note: str) -> list[str]:
    """Set finished steps back to pending (keeping nothing of their evidence). Returns those reset."""
    reset = []
    for number in numbers:
        if status_of(ctx, number) != StepStatus.PENDING:
            ctx.session.set_status(number, StepStatus.PENDING, note=note, evidence={})
            reset.append(number)
    return reset


async def kandji_token(ctx: EngineContext) -> SecretStr | None:
    """The Kandji token from the keyring (read now, in a thread: a keyring can block), else
    KANDJI_SCIM_TOKEN from the environment for headless runs."""
    token = await asyncio.to_thread(ctx.secrets.get, ctx.org.host, Purpose.KANDJI_SCIM_TOKEN)
    if token is None:
        env = os.environ.get(KANDJI_TOKEN_ENV, "").strip()
        token = SecretStr(env) if env else None
    return token


async def resolve_secret(ctx: EngineContext, key: str) -> SecretStr | None:
    """The secret a hand-off value names (`kandji_token`), read at the moment of copying."""
    if key not in SECRET_KEYS:
        raise KeyError(f"{key!r} does not name a secret")
    if SECRET_KEYS[key] is Purpose.KANDJI_SCIM_TOKEN:
        return await kandji_token(ctx)
    return await asyncio.to_thread(ctx.secrets.get, ctx.org.host, SECRET_KEYS[key])
