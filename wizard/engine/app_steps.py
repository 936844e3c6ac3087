"""Steps 2–8: the custom SAML 2.0 app integration, found by exact label or created once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.engine.context import EngineContext, record_action, recorded
from wizard.engine.errors import okta_fix_step
from wizard.engine.model import Outcome, Plan, PlannedCall
from wizard.okta import errors as E
from wizard.okta.links import app_link
from wizard.okta.payloads import saml_app_body
from wizard.state import StepStatus

ACTION = "create-app"
NOT_APPLICABLE_STEP = "7"


def app_evidence(ctx: EngineContext, app: dict[str, Any], *, found_by: str, created: bool) -> dict[str, Any]:
    hide = (app.get("visibility") or {}).get("hide") or {}
    return {
        "app_id": app["id"],
        "app_name": app.get("name"),
        "label": app.get("label"),
        "sign_on_mode": app.get("signOnMode"),
        "status": app.get("status"),
        "hidden": bool(hide.get("web") and hide.get("iOS")),
        "link": app_link(ctx.org, "app-general", app.get("name"), app["id"]),
        "found_by": found_by,
        "created_by_wizard": created,
    }


async def find_recorded_app(ctx: EngineContext) -> dict[str, Any] | None:
    """The app recorded in state, read live; None if there is none or it was deleted."""
    app_id = recorded(ctx, ACTION, "app_id")
    if not app_id:
        return None
    try:
        app = await ctx.okta.get_app(app_id)
    except E.OktaNotFoundError:
        return None
    return app if app.get("signOnMode") == "SAML_2_0" and app.get("status") != "DELETED" else None


class CreateAppEngine:
    key = ACTION

    async def plan(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Plan:
        label = str(inputs.get("label") or ctx.settings.app_label)
        calls = []
        app_id = recorded(ctx, ACTION, "app_id")
        if app_id:
            calls.append(PlannedCall("GET", f"/api/v1/apps/{app_id}", None, "reuse the app recorded earlier"))
        calls += [
            PlannedCall(
                "GET", f"/api/v1/apps?q={label}", None, "reuse an existing SAML app with exactly this label"
            ),
            PlannedCall("POST", "/api/v1/apps", saml_app_body(label), "otherwise create the app"),
            PlannedCall("GET", "/api/v1/apps/{id}", None, "read the app back and record its id and name"),
        ]
        return Plan(
            ACTION,
            calls,
            [
                "The app is hidden from end users and never used for sign-in; its SAML URLs are "
                "placeholders.",
                "Step 7 (the 'internal app' survey) does not exist when the app is created by API.",
            ],
        )

    async def apply(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Outcome:
        label = str(inputs.get("label") or ctx.settings.app_label)
        messages: list[str] = []
        try:
            app = await find_recorded_app(ctx)
            found_by, created = "id", bool(recorded(ctx, ACTION, "created_by_wizard"))
            if app is None:
                # Looking up first is what makes a crash between the POST and the state write harmless.
                app = await ctx.okta.find_app_by_label(label)
                found_by, created = "label", False
            if app is None:
                app = await ctx.okta.create_saml_app(label)
                found_by, created = "created", True
                messages.append(f"Created the SAML 2.0 app “{label}”.")
            else:
                messages.append(f"Reusing the existing SAML 2.0 app “{app.get('label')}” ({app['id']}).")
            app = await ctx.okta.get_app(app["id"])  # step 8: read it back
        except E.OktaError as exc:
            record_action(ctx, ACTION, StepStatus.FAILED, {}, note=exc.summary)
            return Outcome(False, messages=[str(exc)], fix_step=okta_fix_step(exc, "2"))
        evidence = app_evidence(ctx, app, found_by=found_by, created=created)
        if label != ctx.settings.app_label and found_by != "id":
            ctx.session.update_settings(app_label=label)
        record_action(
            ctx,
            ACTION,
            StepStatus.DONE,
            evidence,
            per_step={
                NOT_APPLICABLE_STEP: (
                    StepStatus.DONE,
                    "Done by construction: the survey only appears in the Admin Console dialog.",
                    {"how": "not applicable when the app is created by API"},
                )
            },
        )
        warnings = (
            [] if evidence["hidden"] else ["The app is visible to end users; hide it on its General tab."]
        )
        messages.append(f"App id {app['id']}, name {app.get('name')}.")
        return Outcome(True, evidence=evidence, messages=messages, warnings=warnings)

    async def verify(self, ctx: EngineContext) -> Outcome:
        app_id = recorded(ctx, ACTION, "app_id")
        if not app_id:
            return Outcome(False, messages=["No app is recorded yet."], fix_step="2")
        try:
            app = await ctx.okta.get_app(app_id)
        except E.OktaNotFoundError:
            return Outcome(False, messages=[f"The app {app_id} no longer exists in Okta."], fix_step="2")
        except E.OktaError as exc:
            return Outcome(False, messages=[str(exc)], fix_step="2")
        evidence = app_evidence(
            ctx, app, found_by="id", created=bool(recorded(ctx, ACTION, "created_by_wizard"))
        )
        ok = app.get("signOnMode") == "SAML_2_0" and app.get("status") == "ACTIVE"
        messages = [f"The app “{app.get('label')}” exists ({app.get('status')})."]
        if not ok:
            messages.append("It must be an active SAML 2.0 app.")
        return Outcome(ok, evidence=evidence, messages=messages, fix_step=None if ok else "2")
