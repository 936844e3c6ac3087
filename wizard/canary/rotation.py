"""Rotating the Kandji SCIM token without a silent outage (issue 14).

Kandji shows a token once; regenerating it stops the old one at once, and Okta's pushes fail
until step 10.5 is redone. The steps here: test the new token and keep it (step B.2's engine),
hand off 10.5 (link, where, what to click), then the canary proves delivery. Each rotation is
recorded in the progress (when, and whether it was proved), never the token.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from wizard.canary.model import CanaryReport
from wizard.engine import ENGINES, EngineContext, Outcome, recorded
from wizard.okta.links import app_link
from wizard.secrets import Purpose

REGENERATE = (
    "In Kandji open Settings › Integrations › SCIM, open the integration Okta uses and regenerate its "
    "token. Kandji shows the new token once: copy it.",
    "The old token stops working at once: from that moment every push from Okta to Kandji (new people, "
    "profile changes, deactivations) fails until the new token is in Okta (step 10.5). Do the next "
    "steps right away.",
)
RETRY_NOTE = (
    "Okta does not retry on its own what failed during the outage: in the Admin Console open "
    "Dashboard › Tasks, select the failed provisioning tasks for this app and click Retry Selected."
)


@dataclass(frozen=True)
class TokenHandoff:
    """Step 10.5 after a rotation: where to paste the new token, and what to click."""

    link: str | None
    where: str
    checklist: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"link": self.link, "where": self.where, "checklist": list(self.checklist)}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def store_new_token(ctx: EngineContext, token: SecretStr) -> Outcome:
    """Pre-flight the new token against Kandji and keep it in the keyring (step B.2's engine);
    a rotation is recorded once it is stored."""
    stored = await asyncio.to_thread(ctx.secrets.get, ctx.org.host, Purpose.KANDJI_SCIM_TOKEN)
    if stored is not None and stored.get_secret_value() == token.get_secret_value().strip():
        return Outcome(
            False,
            messages=[
                "This is the token already stored, not a new one. Regenerate the token in Kandji "
                "first, then give the new one."
            ],
            fix_step="B.2",
        )
    outcome = await ENGINES["kandji-token"].apply(ctx, {"token": token})
    if outcome.ok:
        rotation = {"at": _now(), "okta_updated": None, "proved": False, "proved_at": None, "canary": None}
        ctx.session.update_day_two(rotations=[*ctx.session.state.day_two.rotations, rotation])
    return outcome


def handoff(ctx: EngineContext) -> TokenHandoff:
    app_id = recorded(ctx, "create-app", "app_id")
    app_name = recorded(ctx, "create-app", "app_name")
    return TokenHandoff(
        app_link(ctx.org, "app-provisioning", app_name, app_id),
        "the app › Provisioning › Integration › Edit",
        (
            "Bearer token (step 10.5): paste the new Kandji token",
            "Click Test Connector Configuration: Okta must say the connector is configured successfully",
            "Click Save",
        ),
    )


def _update_last(ctx: EngineContext, **changes: Any) -> None:
    rotations = [dict(r) for r in ctx.session.state.day_two.rotations]
    if not rotations:
        return
    rotations[-1].update(changes)
    ctx.session.update_day_two(rotations=rotations)


def okta_updated(ctx: EngineContext, how: str) -> None:
    """The new token is in Okta (10.5): by the demo console, or as the admin says."""
    _update_last(ctx, okta_updated=how)


def record_proof(ctx: EngineContext, report: CanaryReport) -> None:
    _update_last(
        ctx,
        proved=report.ok,
        proved_at=_now() if report.ok else None,
        canary=report.summary(),
    )


async def delete_stored_token(ctx: EngineContext) -> bool:
    """Okta holds the token now; the wizard no longer needs it (the canary then needs
    KANDJI_SCIM_TOKEN for a run). True when one was deleted."""
    return bool(await asyncio.to_thread(ctx.secrets.delete, ctx.org.host, Purpose.KANDJI_SCIM_TOKEN))
