"""The embedded demo services opened for one headless command (`apply --demo`, and the setup
the day-two demos run first): a fresh demo progress folder, the services, the demo's secrets
registered for redaction, an Okta client and an engine context on the commands' runtime clock.
The command's Okta calls go to the demo's call log however the command ends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.commands.common import Out

if TYPE_CHECKING:
    from wizard.demo.services import DemoServices
    from wizard.engine import EngineContext
    from wizard.state import StateStore

DEMO_BANNER = (
    "DEMO — a simulated Okta org and Kandji SCIM server on this machine; nothing real "
    "is changed and the demo's secrets stay in memory."
)


@dataclass(frozen=True)
class DemoRun:
    demo: DemoServices
    ctx: EngineContext
    store: StateStore


@asynccontextmanager
async def open_demo(
    out: Out, command: str, *, clock: Callable[[], float] | None = None
) -> AsyncIterator[DemoRun]:
    from wizard import redact
    from wizard.commands import calllog
    from wizard.commands.runtime import RUNTIME
    from wizard.commands.tenants import demo_store
    from wizard.demo.services import DemoServices

    store = demo_store()
    # A previous demo's services are gone; its progress would only mislead this run.
    for summary in store.list_tenants()[0]:
        store.delete(summary.org_host)
        calllog.remove(store, summary.org_host)
    with DemoServices(state_dir=store.root, clock=clock) as demo:
        for secret in (demo.api_token, demo.kandji_token, demo.test_person.password):
            redact.register_secret(secret)
        session = demo.open_session()
        try:
            okta = await demo.open_okta(sleep=RUNTIME.sleep)
            try:
                ctx = demo.context(session, okta)
                ctx.sleep, ctx.clock = RUNTIME.sleep, RUNTIME.clock
                out.say(DEMO_BANNER)
                yield DemoRun(demo, ctx, store)
            finally:
                calllog.append(store, demo.org.host, command, okta.call_log)
                await okta.aclose()
        finally:
            session.close()
