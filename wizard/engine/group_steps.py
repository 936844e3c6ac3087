"""Steps 15–16 (the group) and 17–18 (the optional test person)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from wizard.engine.context import EngineContext, record_action, recorded
from wizard.engine.errors import okta_fix_step
from wizard.engine.model import SECRET_PLACEHOLDER, Outcome, Plan, PlannedCall
from wizard.okta import errors as E
from wizard.okta.payloads import filter_literal, user_body
from wizard.state import StepStatus

GROUP = "group"
TEST_USER = "test-user"
# Group search is eventually consistent: a group created moments ago (by us before a crash, or
# by the admin in the console) may not show yet. Look again after these pauses before creating.
# Kept short: when Okta says the name is taken, the longer DUPLICATE_RETRY_DELAYS take over.
SEARCH_RETRY_DELAYS: tuple[float, ...] = (0.5, 1.5)
# After Okta says the name is taken, keep looking for that long in total.
DUPLICATE_RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0)


async def find_group_with_lag(
    ctx: EngineContext, name: str, delays: tuple[float, ...]
) -> dict[str, Any] | None:
    group = await ctx.okta.find_group_by_name(name)
    for delay in delays:
        if group is not None:
            break
        await ctx.sleep(delay)
        with ctx.okta.polling():  # waiting for Okta's search to catch up: ask again
            group = await ctx.okta.find_group_by_name(name)
    return group


async def recorded_group(ctx: EngineContext) -> dict[str, Any] | None:
    group_id = recorded(ctx, GROUP, "group_id")
    if not group_id:
        return None
    try:
        return await ctx.okta.get_group(group_id)
    except E.OktaNotFoundError:
        return None


def _group_evidence(group: dict[str, Any], found_by: str, created: bool) -> dict[str, Any]:
    profile = group.get("profile") or {}
    return {
        "group_id": group["id"],
        "group_name": profile.get("name"),
        "description": profile.get("description"),
        "found_by": found_by,
        "created_by_wizard": created,
    }


class GroupEngine:
    key = GROUP

    async def plan(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Plan:
        name = str(inputs.get("name") or ctx.settings.group_name)
        description = str(inputs.get("description") or ctx.settings.group_description)
        calls = []
        group_id = recorded(ctx, GROUP, "group_id")
        if group_id:
            calls.append(
                PlannedCall("GET", f"/api/v1/groups/{group_id}", None, "reuse the group recorded earlier")
            )
        calls += [
            PlannedCall(
                "GET",
                f"/api/v1/groups?search=profile.name eq {filter_literal(name)}",
                None,
                "reuse a group with exactly this name (asked again briefly: search lags behind creation)",
            ),
            PlannedCall(
                "POST",
                "/api/v1/groups",
                {"profile": {"name": name, "description": description}},
                "otherwise create the group",
            ),
        ]
        return Plan(GROUP, calls, ["Only members of this group are provisioned to Kandji."])

    async def apply(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Outcome:
        settings = ctx.settings
        name = str(inputs.get("name") or settings.group_name)
        description = str(inputs.get("description") or settings.group_description)
        messages: list[str] = []
        created = bool(recorded(ctx, GROUP, "created_by_wizard"))
        try:
            group = await recorded_group(ctx)
            found_by = "id"
            if group is not None:
                live = (group.get("profile") or {}).get("name")
                was = recorded(ctx, GROUP, "group_name")
                if live != was:
                    messages.append(f"The group was renamed in Okta from “{was}” to “{live}”; keeping it.")
                    name = str(live)
                elif live != name:
                    group = None  # the admin chose another group name since
            if group is None:
                found_by, created = "name", False
                group = await find_group_with_lag(ctx, name, SEARCH_RETRY_DELAYS)
            if group is None:
                try:
                    group = await ctx.okta.create_group(name, description)
                    found_by, created = "created", True
                    messages.append(f"Created the group “{name}”.")
                except E.OktaValidationError as exc:
                    if not exc.is_duplicate:
                        raise
                    group = await find_group_with_lag(ctx, name, DUPLICATE_RETRY_DELAYS)
                    if group is None:
                        # Most likely ours, from a run cut short after the POST: say so, not "rename".
                        record_action(ctx, GROUP, StepStatus.FAILED, {}, note=exc.summary)
                        return Outcome(
                            False,
                            messages=[
                                f"Okta says a group named “{name}” already exists, but its search "
                                "does not show it yet (Okta's group search lags behind changes). "
                                "Wait a minute, then rerun: the group will be found and reused, "
                                "not created twice."
                            ],
                            fix_step="15",
                        )
            else:
                messages.append(f"Using the existing group “{name}” ({group['id']}).")
        except E.OktaError as exc:
            record_action(ctx, GROUP, StepStatus.FAILED, {}, note=exc.summary)
            return Outcome(False, messages=[str(exc)], fix_step="15")
        if name != settings.group_name:
            ctx.session.update_settings(group_name=name)
        evidence = _group_evidence(group, found_by, created)
        record_action(ctx, GROUP, StepStatus.DONE, evidence)
        return Outcome(True, evidence=evidence, messages=messages)

    async def verify(self, ctx: EngineContext) -> Outcome:
        try:
            group = await recorded_group(ctx)
        except E.OktaError as exc:
            return Outcome(False, messages=[str(exc)], fix_step=okta_fix_step(exc, "15"))
        if group is None:
            return Outcome(
                False, messages=["The group recorded earlier no longer exists in Okta."], fix_step="15"
            )
        evidence = _group_evidence(group, "id", bool(recorded(ctx, GROUP, "created_by_wizard")))
        return Outcome(True, evidence=evidence, messages=[f"The group “{evidence['group_name']}” exists."])


class TestUserEngine:
    """Inputs: `login`, `first_name`, `last_name`, `email` (defaults to login) and `password`
    (a SecretStr, used once and never stored). With `users_already_exist`, `existing_logins`
    lists people to add to the group instead."""

    key = TEST_USER
    __test__ = False  # not a pytest class, despite the name

    async def plan(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Plan:
        group_id = recorded(ctx, GROUP, "group_id") or "{groupId}"
        if ctx.settings.users_already_exist:
            logins = list(inputs.get("existing_logins") or [])
            calls = [
                c
                for login in logins
                for c in (
                    PlannedCall("GET", f"/api/v1/users/{login}", None, "find the person by login"),
                    PlannedCall(
                        "PUT", f"/api/v1/groups/{group_id}/users/{{userId}}", None, "add them to the group"
                    ),
                )
            ]
            return Plan(TEST_USER, calls, ["Steps 17–18 are skipped: your users already exist."])
        login = str(inputs.get("login") or ctx.settings.test_user_login or "{login}")
        profile = _profile(inputs, login)
        body = user_body(profile, SECRET_PLACEHOLDER, [group_id])
        return Plan(
            TEST_USER,
            [
                PlannedCall("GET", f"/api/v1/users/{login}", None, "reuse the person if the login exists"),
                PlannedCall(
                    "POST", "/api/v1/users?activate=true", body, "otherwise create them, active, in the group"
                ),
                PlannedCall(
                    "PUT",
                    f"/api/v1/groups/{group_id}/users/{{userId}}",
                    None,
                    "make sure they are in the group",
                ),
            ],
            ["The password is sent to Okta once and never saved; no change is forced at first sign-in."],
        )

    async def apply(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Outcome:
        group_id = recorded(ctx, GROUP, "group_id")
        if not group_id:
            return Outcome(False, messages=["Create or choose the group first (steps 15–16)."], fix_step="15")
        if ctx.settings.users_already_exist:
            return await self._add_existing(ctx, group_id, list(inputs.get("existing_logins") or []))
        login = str(inputs.get("login") or ctx.settings.test_user_login or "").strip()
        if not login:
            return Outcome(
                False, messages=["Enter the test person's username (an email address)."], fix_step="17"
            )
        messages: list[str] = []
        try:
            user = await ctx.okta.find_user(login)
            created = False
            if user is None:
                password = inputs.get("password")
                if not isinstance(password, SecretStr) or not password.get_secret_value():
                    return Outcome(
                        False,
                        messages=[f"{login} does not exist yet: enter a password for them."],
                        fix_step="18.2",
                    )
                user = await ctx.okta.create_user(_profile(inputs, login), password, [group_id])
                created = True
                messages.append(
                    f"Created {login}, active, in the group; the password was sent to Okta once, not saved."
                )
            else:
                messages.append(f"{login} already exists in Okta; their password was left as it is.")
            if not created:  # a new person joined the group in the create itself (groupIds)
                await ctx.okta.add_user_to_group(group_id, user["id"])
        except E.OktaPasswordPolicyError as exc:
            return Outcome(False, messages=[exc.remedy], fix_step="18.2")
        except E.OktaError as exc:
            record_action(ctx, TEST_USER, StepStatus.FAILED, {}, note=exc.summary)
            return Outcome(False, messages=[str(exc)], fix_step=okta_fix_step(exc, "17"))
        if login != ctx.settings.test_user_login:
            ctx.session.update_settings(test_user_login=login)
        evidence = {
            "user_id": user["id"],
            "login": login,
            "status": user.get("status"),
            "group_id": group_id,
            "created_by_wizard": created
            or bool(
                recorded(ctx, TEST_USER, "created_by_wizard")
                and recorded(ctx, TEST_USER, "user_id") == user["id"]
            ),
        }
        per_step = {}
        if not created:
            per_step["18.2"] = (
                StepStatus.SKIPPED,
                "The person already existed: their password was not changed.",
                {},
            )
        record_action(ctx, TEST_USER, StepStatus.DONE, evidence, per_step=per_step)
        return Outcome(True, evidence=evidence, messages=messages)

    async def _add_existing(self, ctx: EngineContext, group_id: str, logins: list[str]) -> Outcome:
        added, missing = [], []
        try:
            for login in logins:
                user = await ctx.okta.find_user(login)
                if user is None:
                    missing.append(login)
                    continue
                await ctx.okta.add_user_to_group(group_id, user["id"])
                added.append(login)
        except E.OktaError as exc:
            return Outcome(False, messages=[str(exc)], fix_step="16")
        note = "Skipped: your users already exist" + (f"; added {len(added)} to the group" if added else "")
        evidence = {"existing_users_added": added, "group_id": group_id}
        record_action(ctx, TEST_USER, StepStatus.SKIPPED, evidence, note=note)
        warnings = [f"No Okta user has the login {login}." for login in missing]
        messages = [f"Added {', '.join(added)} to the group."] if added else ["Steps 17–18 skipped."]
        return Outcome(True, evidence=evidence, messages=messages, warnings=warnings)

    async def verify(self, ctx: EngineContext) -> Outcome:
        if ctx.settings.users_already_exist:
            return Outcome(True, messages=["Skipped: your users already exist."])
        user_id, group_id = recorded(ctx, TEST_USER, "user_id"), recorded(ctx, GROUP, "group_id")
        if not user_id or not group_id:
            return Outcome(False, messages=["No test person is recorded yet."], fix_step="17")
        try:
            user = await ctx.okta.get_user(user_id)
            members = await ctx.okta.list_group_users(group_id)
        except E.OktaNotFoundError:
            return Outcome(False, messages=["The test person or the group no longer exists."], fix_step="17")
        except E.OktaError as exc:
            return Outcome(False, messages=[str(exc)], fix_step="17")
        login = (user.get("profile") or {}).get("login")
        if not any(member.get("id") == user_id for member in members):
            return Outcome(False, messages=[f"{login} is not a member of the group."], fix_step="18.1")
        ok = user.get("status") == "ACTIVE"
        message = f"{login} is {user.get('status')} and in the group."
        return Outcome(
            ok,
            evidence={"user_id": user_id, "login": login},
            messages=[message],
            fix_step=None if ok else "17",
        )


def _profile(inputs: Mapping[str, Any], login: str) -> dict[str, Any]:
    return {
        "firstName": str(inputs.get("first_name") or "Test"),
        "lastName": str(inputs.get("last_name") or "User"),
        "email": str(inputs.get("email") or login),
        "login": login,
    }
