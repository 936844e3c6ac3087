"""`okta-kandji-setup undo`: remove from Okta what the wizard created for a setup — the test
person, the group assignment, the group, the app, in that order — and nothing else.

Only objects whose evidence says `created_by_wizard` are removed. The assignment has no such
flag of its own: it counts as the wizard's when the app or the group is, since it cannot have
existed before either of them; when both were reused it is left alone.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from wizard.commands.common import (
    Out,
    add_json,
    add_parser,
    add_secrets_stdin,
    add_tenant,
    add_yes,
    run_guarded,
)
from wizard.commands.exit_codes import Exit

if TYPE_CHECKING:
    from wizard.engine import EngineContext
    from wizard.state import TenantState

UNDONE = "Undone by `okta-kandji-setup undo`."
AFTERWARDS = (
    "People already provisioned stay in Kandji (Okta deactivates them there when their "
    "assignment goes, if Deactivate Users was on); the SCIM integration in Kandji stays too."
)


@dataclass
class UndoItem:
    kind: str  # test-person | assignment | group | app
    ident: str
    name: str
    remove: bool
    reason: str
    result: str = "planned"  # planned | removed | already gone | kept | failed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_parser(
        subparsers,
        "undo",
        help="remove from Okta only what the wizard created (asks first)",
        description=(
            "Remove what the wizard created in Okta for a setup: the test person, the group "
            "assignment, the group and the app, in that order. Objects that existed before (an "
            "app or group found by name, a person who already had an account) are never touched. "
            "Shows the plan and asks unless --yes. The saved progress is kept, with those steps "
            "back to pending, so `apply` can set it up again; `forget` deletes it."
        ),
        codes=(Exit.FAILED, Exit.NOT_FOUND, Exit.CREDENTIALS, Exit.LOCKED, Exit.CANCELLED, Exit.BAD_ANSWER),
        example="OKTA_API_TOKEN=… okta-kandji-setup undo --tenant acme.okta.com --yes",
    )
    add_tenant(parser)
    add_yes(parser, "removing")
    add_secrets_stdin(parser)
    add_json(parser, "the plan and what was removed")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    out = Out("undo", as_json=args.json)
    return run_guarded(out, lambda: asyncio.run(_undo(args, out)))


def _evidence(state: TenantState, action: str) -> dict[str, Any]:
    from wizard.catalog import load_catalog

    merged: dict[str, Any] = {}
    for step in load_catalog().steps_of(action):
        record = state.steps.get(step.number)
        if record is not None:
            merged.update(record.evidence)
    return merged


def _object_item(kind: str, ident: str, name: object, evidence: dict[str, Any]) -> UndoItem:
    """An object the wizard either created (removed by undo) or found and reused (kept)."""
    created = bool(evidence.get("created_by_wizard"))
    reason = "created by the wizard" if created else "existed before the wizard: kept"
    return UndoItem(kind, ident, str(name), created, reason)


def undo_plan(state: TenantState) -> list[UndoItem]:
    """What undo would remove and keep, in removal order, from the recorded evidence."""
    app, group = _evidence(state, "create-app"), _evidence(state, "group")
    user, assign = _evidence(state, "test-user"), _evidence(state, "assign")
    items: list[UndoItem] = []
    if user.get("user_id"):
        items.append(_object_item("test-person", user["user_id"], user.get("login"), user))
    if assign.get("app_id") and assign.get("group_id"):
        ours = bool(app.get("created_by_wizard") or group.get("created_by_wizard"))
        items.append(
            UndoItem(
                "assignment",
                f"{assign['app_id']}/{assign['group_id']}",
                f"{group.get('group_name')} → {app.get('label')}",
                ours,
                "made by the wizard (its app or group is the wizard's)"
                if ours
                else "the app and the group existed before the wizard, so the assignment may have too: kept",
            )
        )
    if group.get("group_id"):
        items.append(_object_item("group", group["group_id"], group.get("group_name"), group))
    if app.get("app_id"):
        items.append(_object_item("app", app["app_id"], app.get("label"), app))
    return items


async def _remove(ctx: EngineContext, item: UndoItem) -> str:
    """Remove one object after checking it is still the one recorded. Returns the result."""
    from wizard.commands.planning import action_order
    from wizard.engine.context import reset_steps, step_numbers
    from wizard.engine.resume import APP_DEPENDENTS, GROUP_DEPENDENTS, USER_DEPENDENTS
    from wizard.okta import errors as E

    okta = ctx.okta
    result = "removed"
    try:
        if item.kind == "test-person":
            user = await okta.get_user(item.ident)
            login = (user.get("profile") or {}).get("login")
            if str(login).casefold() != item.name.casefold():
                return f"kept: the id now belongs to {login}, not {item.name}"
            await okta.delete_user(item.ident)
            actions: tuple[str, ...] = USER_DEPENDENTS
        elif item.kind == "assignment":
            app_id, group_id = item.ident.split("/", 1)
            if await okta.get_app_group_assignment(app_id, group_id) is None:
                result = "already gone"
            else:
                await okta.remove_group_assignment(app_id, group_id)
            actions = ("assign", "verify")
        elif item.kind == "group":
            await okta.get_group(item.ident)
            await okta.delete_group(item.ident)
            actions = (*GROUP_DEPENDENTS, "test-user")
        else:
            await okta.get_app(item.ident)
            await okta.delete_app(item.ident)
            actions = APP_DEPENDENTS
    except E.OktaNotFoundError:
        result = "already gone"
        actions = {
            "test-person": USER_DEPENDENTS,
            "assignment": ("assign", "verify"),
            "group": (*GROUP_DEPENDENTS, "test-user"),
            "app": APP_DEPENDENTS,
        }[item.kind]
    order = [a for a in action_order() if a in actions]
    reset_steps(ctx, [n for a in order for n in step_numbers(a)], UNDONE)
    return result


async def _undo(args: argparse.Namespace, out: Out) -> int:
    from wizard.commands.common import cancelled, confirm, demo_gone, tenant_context
    from wizard.commands.secret_input import gather
    from wizard.commands.tenants import find_tenant
    from wizard.okta import errors as E

    ref = find_tenant(args.tenant)
    if ref.demo:
        out.error(demo_gone(ref))
        if out.as_json:
            out.emit({"ok": False, "exit_code": int(Exit.NOT_FOUND), "tenant": ref.host, "demo": True})
        return int(Exit.NOT_FOUND)
    items = undo_plan(ref.read())
    to_remove = [item for item in items if item.remove]
    out.say(f"Undo for {ref.label}:")
    for item in items:
        verb = "remove" if item.remove else "keep  "
        out.say(f"  {verb} {item.kind:<12} {item.name} ({item.ident}) — {item.reason}")
    if not to_remove:
        message = "Nothing to undo: the wizard has not recorded creating anything in this org."
        out.say(message)
        if out.as_json:
            out.emit({"ok": True, "exit_code": 0, "tenant": ref.host, "message": message, "items": []})
        return int(Exit.OK)
    out.say(AFTERWARDS)
    if not confirm(out, f"Remove {len(to_remove)} object(s) from {ref.host}?", assume_yes=args.yes):
        return cancelled(out)
    given = gather(from_stdin=args.secrets_stdin)
    code = Exit.OK
    async with tenant_context(ref, given, "undo") as ctx:
        for item in items:
            if not item.remove:
                item.result = "kept"
                continue
            try:
                item.result = await _remove(ctx, item)
            except E.OktaError as exc:
                item.result = f"failed: {exc}"
                code = Exit.FAILED
                out.say(f"  ✗ {item.kind} {item.name}: {exc}")
                break
            out.say(f"  ✓ {item.kind} {item.name}: {item.result}")
    for item in items:
        if item.result == "planned":
            item.result = "not attempted"
    message = (
        "Undone. The saved progress is kept with these steps pending; `forget` deletes it."
        if code == Exit.OK
        else "Undo stopped; rerun it to continue (what is gone stays gone)."
    )
    out.say(message)
    if out.as_json:
        out.emit(
            {
                "ok": code == Exit.OK,
                "exit_code": int(code),
                "tenant": ref.host,
                "message": message,
                "items": [item.to_dict() for item in items],
            }
        )
    return int(code)
