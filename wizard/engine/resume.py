"""Resume: re-check what the state says exists against Okta before continuing (DESIGN §3).

A deleted object sends its steps (and the steps that depend on it) back to pending so they
run again and recreate it; a renamed group is kept (found by id) and its new name recorded.
Nothing is created here: the steps' own lookups make the rerun idempotent.
"""

from __future__ import annotations

from wizard.engine.context import EngineContext, kandji_token, recorded, reset_steps, status_of, step_numbers
from wizard.engine.model import Finding
from wizard.okta import errors as E
from wizard.state import FINISHED_STATUSES

# What depends on what: an app or group that is gone takes these actions with it.
APP_DEPENDENTS = (
    "create-app",
    "enable-scim",
    "scim-connection",
    "test-connector",
    "to-app",
    "assign",
    "verify",
)
GROUP_DEPENDENTS = ("group", "assign", "verify")
USER_DEPENDENTS = ("test-user", "verify")


def _steps(actions: tuple[str, ...]) -> list[str]:
    return [number for action in actions for number in step_numbers(action)]


def _finished(ctx: EngineContext, action: str) -> bool:
    return any(status_of(ctx, n) in FINISHED_STATUSES for n in step_numbers(action))


async def reverify(ctx: EngineContext) -> list[Finding]:
    """Check the recorded app, group, test person and assignment live; report each."""
    findings: list[Finding] = []
    await _check_kandji_token(ctx, findings)
    app_ok = await _check_app(ctx, findings)
    group_ok = await _check_group(ctx, findings)
    await _check_user(ctx, findings)
    if app_ok and group_ok:
        await _check_assignment(ctx, findings)
    return findings


async def _check_app(ctx: EngineContext, findings: list[Finding]) -> bool:
    app_id = recorded(ctx, "create-app", "app_id")
    if not app_id:
        return False
    label = recorded(ctx, "create-app", "label")
    try:
        app = await ctx.okta.get_app(app_id)
    except E.OktaNotFoundError:
        app = None
    if app is None or app.get("status") == "DELETED":
        reset = reset_steps(
            ctx, _steps(APP_DEPENDENTS), f"The app “{label}” was deleted in Okta; it will be created again."
        )
        findings.append(
            Finding(
                "create-app",
                "missing",
                f"The app “{label}” ({app_id}) no longer exists in Okta. Steps 2–14 and 19–24 start "
                "again; running step 2 creates it anew.",
                tuple(reset),
            )
        )
        return False
    if app.get("status") != "ACTIVE":
        findings.append(
            Finding(
                "create-app",
                "warning",
                f"The app “{app.get('label')}” is {app.get('status')}; activate it in Okta.",
            )
        )
    if app.get("label") != label:
        _update_evidence(ctx, "create-app", label=app.get("label"))
        findings.append(
            Finding(
                "create-app",
                "changed",
                f"The app was renamed in Okta from “{label}” to “{app.get('label')}”; kept.",
            )
        )
    features = app.get("features") if isinstance(app.get("features"), list) else None
    # Only a flag Okta did report and no longer does means someone turned SCIM off. Real apps may
    # never list SCIM_PROVISIONING (every recorded app shows `"features": []`): an admin's
    # confirmation is not undone by its absence; step 24's delivery is the proof there.
    was_seen = "SCIM_PROVISIONING" in (recorded(ctx, "enable-scim", "features") or [])
    if (
        features is not None
        and was_seen
        and _finished(ctx, "enable-scim")
        and "SCIM_PROVISIONING" not in features
    ):
        reset = reset_steps(
            ctx,
            _steps(("enable-scim", "scim-connection", "test-connector", "to-app", "verify")),
            "SCIM provisioning was turned off in Okta.",
        )
        findings.append(
            Finding(
                "enable-scim",
                "missing",
                "SCIM provisioning is no longer enabled for the app (its SCIM settings are gone too). "
                "Steps 9–14 need doing again.",
                tuple(reset),
            )
        )
    else:
        findings.append(Finding("create-app", "ok", f"The app “{app.get('label')}” still exists."))
    return True


async def _check_group(ctx: EngineContext, findings: list[Finding]) -> bool:
    group_id = recorded(ctx, "group", "group_id")
    if not group_id:
        return False
    name = recorded(ctx, "group", "group_name")
    try:
        group = await ctx.okta.get_group(group_id)
    except E.OktaNotFoundError:
        reset = reset_steps(
            ctx,
            _steps(GROUP_DEPENDENTS),
            f"The group “{name}” was deleted in Okta; it will be created again.",
        )
        if not ctx.settings.users_already_exist:
            reset += reset_steps(ctx, step_numbers("test-user"), "The person's group was deleted.")
        findings.append(
            Finding(
                "group",
                "missing",
                f"The group “{name}” ({group_id}) no longer exists in Okta. Steps 15–16 create it again; "
                "the person and the assignment are redone after it.",
                tuple(reset),
            )
        )
        return False
    live = (group.get("profile") or {}).get("name")
    if live != name:
        _update_evidence(ctx, "group", group_name=live)
        if live:
            ctx.session.update_settings(group_name=live)
        findings.append(
            Finding(
                "group",
                "changed",
                f"The group was renamed in Okta from “{name}” to “{live}”; found by id and kept.",
            )
        )
    else:
        findings.append(Finding("group", "ok", f"The group “{live}” still exists."))
    return True


async def _check_user(ctx: EngineContext, findings: list[Finding]) -> None:
    user_id = recorded(ctx, "test-user", "user_id")
    if not user_id or ctx.settings.users_already_exist:
        return
    login = recorded(ctx, "test-user", "login")
    try:
        user = await ctx.okta.get_user(user_id)
    except E.OktaNotFoundError:
        user = None
    if user is None or user.get("status") == "DEPROVISIONED":
        reset = reset_steps(ctx, _steps(USER_DEPENDENTS), f"{login} was removed in Okta.")
        findings.append(
            Finding(
                "test-user",
                "missing",
                f"The test person {login} no longer exists (or is deactivated).",
                tuple(reset),
            )
        )
        return
    group_id = recorded(ctx, "group", "group_id")
    if group_id and _finished(ctx, "verify"):
        try:
            members = await ctx.okta.list_group_users(group_id)
        except E.OktaError:
            members = None
        if members is not None and not any(m.get("id") == user_id for m in members):
            # Step 24 is about this person: others in the group arriving does not prove it.
            reset = reset_steps(ctx, _steps(("verify",)), f"{login} was taken out of the group in Okta.")
            findings.append(
                Finding(
                    "test-user",
                    "changed",
                    f"The test person {login} is no longer in the group; step 24 checks again.",
                    tuple(reset),
                )
            )
            return
    findings.append(Finding("test-user", "ok", f"The test person {login} still exists."))


async def _check_assignment(ctx: EngineContext, findings: list[Finding]) -> None:
    if not _finished(ctx, "assign"):
        return
    app_id, group_id = recorded(ctx, "create-app", "app_id"), recorded(ctx, "group", "group_id")
    assignment = await ctx.okta.get_app_group_assignment(app_id, group_id)
    if assignment is None:
        reset = reset_steps(ctx, _steps(("assign", "verify")), "The group assignment was removed in Okta.")
        findings.append(
            Finding("assign", "missing", "The group is no longer assigned to the app.", tuple(reset))
        )
    else:
        findings.append(Finding("assign", "ok", "The group is still assigned to the app."))


def _update_evidence(ctx: EngineContext, action: str, **changes: object) -> None:
    for number in step_numbers(action):
        record = ctx.session.state.steps.get(number)
        if record is not None and record.evidence:
            ctx.session.set_status(number, record.status, evidence={**record.evidence, **changes})


async def _check_kandji_token(ctx: EngineContext, findings: list[Finding]) -> None:
    """Steps 10.5 and 11 need the Kandji token; after them Okta holds it and it may be gone."""
    if status_of(ctx, "B.2") not in FINISHED_STATUSES or _finished(ctx, "test-connector"):
        return
    if await kandji_token(ctx) is None:
        reset = reset_steps(ctx, step_numbers("kandji-token"), "The Kandji token is no longer stored.")
        findings.append(
            Finding(
                "kandji-token",
                "missing",
                "The Kandji token is no longer in the keyring (or this run keeps secrets in memory "
                "only). Paste it again at step B.2 before step 10.5.",
                tuple(reset),
            )
        )
