"""Steps 19–23: assign the app to the group with Preferred Language and Locale."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wizard.engine.context import EngineContext, record_action, recorded
from wizard.engine.errors import okta_fix_step
from wizard.engine.model import Outcome, Plan, PlannedCall
from wizard.okta import errors as E
from wizard.state import StepStatus

ACTION = "assign"
LANGUAGE, LOCALE = "preferredLanguage", "locale"


@dataclass(frozen=True)
class LanguageOptions:
    """What the app's user schema allows. A list of None means any value; `present` False means
    the schema has no such attribute (then it is not sent)."""

    languages: list[str] | None
    locales: list[str] | None
    has_language: bool
    has_locale: bool


def _attribute(schema: dict[str, Any], name: str) -> dict[str, Any] | None:
    definitions = schema.get("definitions") or {}
    for part in ("custom", "base"):
        props = (definitions.get(part) or {}).get("properties") or {}
        if name in props:
            return props[name]
    return None


def _allowed(prop: dict[str, Any] | None) -> list[str] | None:
    if not prop:
        return None
    values = [str(o["const"]) for o in prop.get("oneOf") or [] if isinstance(o, dict) and "const" in o]
    values += [str(v) for v in prop.get("enum") or []]
    return values or None


async def language_options(ctx: EngineContext) -> LanguageOptions:
    """Read the app user schema for the values Preferred Language and Locale may take."""
    app_id = recorded(ctx, "create-app", "app_id")
    if not app_id:
        raise E.OktaNotFoundError("No app is recorded yet", operation="get_app_user_schema")
    schema = await ctx.okta.get_app_user_schema(app_id)
    language, locale = _attribute(schema, LANGUAGE), _attribute(schema, LOCALE)
    return LanguageOptions(_allowed(language), _allowed(locale), language is not None, locale is not None)


def _choose(
    options: LanguageOptions, inputs: Mapping[str, Any], ctx: EngineContext
) -> tuple[dict[str, str], list[str]]:
    """The assignment profile and warnings; raises ValueError naming the allowed values."""
    language = str(inputs.get("preferred_language") or ctx.settings.preferred_language)
    locale = str(inputs.get("locale") or ctx.settings.locale)
    profile: dict[str, str] = {}
    warnings: list[str] = []
    for present, allowed, key, value, label in (
        (options.has_language, options.languages, LANGUAGE, language, "Preferred Language"),
        (options.has_locale, options.locales, LOCALE, locale, "Locale"),
    ):
        if not present:
            warnings.append(f"The app's user profile has no {label} attribute, so it was not set.")
            continue
        if allowed is not None and value not in allowed:
            raise ValueError(
                f"{label} “{value}” is not allowed by the app; choose one of: {', '.join(allowed)}."
            )
        profile[key] = value
    return profile, warnings


class AssignEngine:
    key = ACTION

    async def plan(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Plan:
        app_id = recorded(ctx, "create-app", "app_id") or "{appId}"
        group_id = recorded(ctx, "group", "group_id") or "{groupId}"
        profile = {
            LANGUAGE: str(inputs.get("preferred_language") or ctx.settings.preferred_language),
            LOCALE: str(inputs.get("locale") or ctx.settings.locale),
        }
        return Plan(
            ACTION,
            [
                PlannedCall(
                    "GET",
                    f"/api/v1/meta/schemas/apps/{app_id}/default",
                    None,
                    "read the allowed languages and locales",
                ),
                PlannedCall(
                    "PUT",
                    f"/api/v1/apps/{app_id}/groups/{group_id}",
                    {"profile": profile},
                    "assign the group",
                ),
            ],
            [
                "If Okta already fills an attribute from a profile mapping it refuses it here; the "
                "wizard then assigns without it and says so.",
                "Assigning the group makes Okta push its members to Kandji.",
            ],
        )

    async def apply(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Outcome:
        app_id = recorded(ctx, "create-app", "app_id")
        group_id = recorded(ctx, "group", "group_id")
        if not app_id:
            return Outcome(False, messages=["Create the app first (steps 2–8)."], fix_step="2")
        if not group_id:
            return Outcome(False, messages=["Create or choose the group first (steps 15–16)."], fix_step="15")
        try:
            options = await language_options(ctx)
            profile, warnings = _choose(options, inputs, ctx)
        except ValueError as exc:
            return Outcome(False, messages=[str(exc)], fix_step="22")
        except E.OktaError as exc:
            return Outcome(False, messages=[str(exc)], fix_step=okta_fix_step(exc, "19"))
        dropped: list[str] = []
        try:
            while True:
                try:
                    # Okta answers the PUT with the assignment as it now stands: no read-back needed.
                    assignment: dict[str, Any] | None = await ctx.okta.assign_group(app_id, group_id, profile)
                    break
                except E.OktaMappedAttributeError as exc:
                    name = exc.attribute if exc.attribute in profile else next(iter(profile), None)
                    if name is None:
                        raise
                    profile.pop(name)
                    dropped.append(name)
                    warnings.append(
                        f"Okta fills {name} from a profile mapping, so the assignment was made without "
                        "it; the mapping supplies the value."
                    )
            if not assignment or assignment.get("id") != group_id:
                assignment = await ctx.okta.get_app_group_assignment(app_id, group_id)
        except E.OktaError as exc:
            record_action(ctx, ACTION, StepStatus.FAILED, {}, note=exc.summary)
            return Outcome(False, messages=[str(exc)], warnings=warnings, fix_step=okta_fix_step(exc, "19"))
        if assignment is None:
            return Outcome(
                False, messages=["Okta accepted the assignment but does not show it."], fix_step="19"
            )
        evidence = {
            "app_id": app_id,
            "group_id": group_id,
            "profile": dict(assignment.get("profile") or {}),
            "dropped_attributes": dropped,
            "allowed_languages": options.languages,
            "allowed_locales": options.locales,
        }
        record_action(ctx, ACTION, StepStatus.DONE, evidence)
        shown = ", ".join(f"{k} {v}" for k, v in evidence["profile"].items()) or "no profile values"
        return Outcome(
            True,
            evidence=evidence,
            messages=[f"The group is assigned to the app ({shown})."],
            warnings=warnings,
        )

    async def verify(self, ctx: EngineContext) -> Outcome:
        app_id = recorded(ctx, "create-app", "app_id")
        group_id = recorded(ctx, "group", "group_id")
        if not app_id or not group_id:
            return Outcome(False, messages=["The app or the group is not recorded yet."], fix_step="19")
        try:
            assignment = await ctx.okta.get_app_group_assignment(app_id, group_id)
        except E.OktaError as exc:
            return Outcome(False, messages=[str(exc)], fix_step="19")
        if assignment is None:
            return Outcome(False, messages=["The group is not assigned to the app."], fix_step="19")
        return Outcome(
            True,
            evidence={"app_id": app_id, "group_id": group_id, "profile": assignment.get("profile") or {}},
            messages=["The group is assigned to the app."],
        )
