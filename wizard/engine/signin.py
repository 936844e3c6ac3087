"""Step 1: connect to Okta with the admin's credentials and prove they work with reads only."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from wizard.engine.context import EngineContext, record_action, recorded
from wizard.engine.errors import EngineError
from wizard.engine.model import Outcome, Plan, PlannedCall
from wizard.kandji.tokens import TokenInputError
from wizard.okta import errors as E
from wizard.okta.auth import (
    DEFAULT_SCOPES,
    ApiTokenAuth,
    InvalidPrivateKey,
    OAuthServiceAuth,
    clean_api_token,
)
from wizard.okta.client import OktaClient
from wizard.okta.domains import OrgUrl
from wizard.okta.payloads import filter_literal
from wizard.secrets import Purpose, SecretStore
from wizard.state import SetupSettings, StepStatus

OKTA_TOKEN_ENV = "OKTA_API_TOKEN"
ACTION = "okta-sign-in"


async def open_okta(
    org: OrgUrl, secrets: SecretStore, settings: SetupSettings, **client_options: Any
) -> OktaClient:
    """An Okta client authenticated from the keyring (or OKTA_API_TOKEN for headless runs).
    The caller closes it (`await client.aclose()` or `async with`)."""
    if settings.auth_method == "oauth":
        if not settings.oauth_client_id:
            raise EngineError("Enter the service app's client ID first.", fix_step="1")
        pem = await asyncio.to_thread(secrets.get, org.host, Purpose.OKTA_PRIVATE_KEY)
        if pem is None:
            raise EngineError(
                "The service app's private key is not in the keyring. Paste it again at step 1.",
                fix_step="1",
            )
        auth: ApiTokenAuth | OAuthServiceAuth = OAuthServiceAuth(settings.oauth_client_id, pem)
        try:
            auth.signing_key()
        except InvalidPrivateKey as exc:
            raise EngineError(str(exc), fix_step="1") from None
    else:
        token = await asyncio.to_thread(secrets.get, org.host, Purpose.OKTA_API_TOKEN)
        if token is None:
            env = os.environ.get(OKTA_TOKEN_ENV, "").strip()
            token = SecretStr(env) if env else None
        if token is None:
            raise EngineError(
                "No Okta API token is stored for this org; if one was stored before, it is no "
                "longer in the keyring (removed outside the wizard, or the keyring was reset). "
                f"Paste it again at step 1 (or set {OKTA_TOKEN_ENV} for a headless run).",
                fix_step="1",
            )
        auth = ApiTokenAuth(usable_api_token(token))
    return OktaClient(org, auth, **client_options)


def usable_api_token(token: SecretStr, source: str = "The Okta API token") -> SecretStr:
    """The token cleaned of paste slips; EngineError (step 1) when it cannot be sent at all, e.g.
    a line break inside it, which would otherwise fail deep in the HTTP library."""
    try:
        cleaned, _notes = clean_api_token(token.get_secret_value())
    except TokenInputError as exc:
        raise EngineError(f"{source} cannot be used: {exc}", fix_step="1") from None
    return cleaned


# What the wizard's writes need, as admin role types, for an API token (whose rights are those of
# the admin who created it). This is our best reading of Okta's standard-role documentation, not
# something Okta states per call: roles can be narrowed to some apps or groups, and custom roles
# carry their own permissions. So a shortfall found here is reported before any write, and any
# refusal we cannot foresee is still named by the 403 at the step that meets it.
SUPER_ADMIN = "SUPER_ADMIN"
CUSTOM_ROLE = "CUSTOM"
ROLE_NAMES: dict[str, str] = {
    "SUPER_ADMIN": "Super Administrator",
    "ORG_ADMIN": "Organization Administrator",
    "APP_ADMIN": "Application Administrator",
    "USER_ADMIN": "Group Administrator",
    "GROUP_MEMBERSHIP_ADMIN": "Group Membership Administrator",
    "HELP_DESK_ADMIN": "Help Desk Administrator",
    "READ_ONLY_ADMIN": "Read-only Administrator",
    "REPORT_ADMIN": "Report Administrator",
}
APP_WRITERS = ("SUPER_ADMIN", "APP_ADMIN")
GROUP_WRITERS = ("SUPER_ADMIN", "ORG_ADMIN")
USER_WRITERS = ("SUPER_ADMIN", "ORG_ADMIN", "USER_ADMIN")
MEMBER_WRITERS = (*USER_WRITERS, "GROUP_MEMBERSHIP_ADMIN")


@dataclass(frozen=True)
class WriteNeed:
    what: str  # "creating the app"
    action: str  # the engine action whose steps make the write
    roles: tuple[str, ...]  # any one of these role types allows it


def write_needs(settings: SetupSettings) -> list[WriteNeed]:
    """The writes this setup will make, in step order, and the roles that allow each."""
    people = (
        WriteNeed("adding your existing users to the group", "test-user", MEMBER_WRITERS)
        if settings.users_already_exist
        else WriteNeed("creating the test person and adding them to the group", "test-user", USER_WRITERS)
    )
    return [
        WriteNeed("creating the app", "create-app", APP_WRITERS),
        WriteNeed("creating the group", "group", GROUP_WRITERS),
        people,
        WriteNeed("assigning the group to the app", "assign", APP_WRITERS),
    ]


async def _exists(read: Awaitable[Any]) -> None:
    """A read of a recorded object, where 'no longer exists' is for resume to report, not a refusal."""
    with contextlib.suppress(E.OktaNotFoundError):
        await read


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _both(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _missing_scopes(error: E.OktaOAuthError) -> list[str]:
    """Scopes named in an `invalid_scope` answer (Okta lists them after a colon)."""
    text = error.summary.split(":", 1)[-1]
    return [scope for scope in re.findall(r"okta\.[a-z]+\.[a-z]+", text) if scope in DEFAULT_SCOPES]


class SignInEngine:
    key = ACTION

    async def plan(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Plan:
        settings = ctx.settings
        calls = [
            PlannedCall("GET", "/api/v1/org", None, "confirm the credentials and read the org subdomain")
        ]
        if settings.auth_method != "oauth":
            calls.append(PlannedCall("GET", "/api/v1/users/me", None, "confirm whose API token this is"))
            calls.append(
                PlannedCall(
                    "GET",
                    "/api/v1/users/{userId}/roles",
                    None,
                    "read the admin's roles, to see whether they allow the wizard's writes",
                )
            )
        calls += [
            PlannedCall(
                "GET", f"/api/v1/apps?q={settings.app_label}", None, "confirm the credentials may read apps"
            ),
            PlannedCall(
                "GET",
                f"/api/v1/groups?search=profile.name eq {filter_literal(settings.group_name)}",
                None,
                "confirm the credentials may read groups",
            ),
        ]
        return Plan(ACTION, calls, ["Reads only: nothing is changed in Okta."])

    async def apply(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Outcome:
        outcome = await self._check(ctx)
        if outcome.ok:
            record_action(ctx, ACTION, StepStatus.DONE, outcome.evidence)
        else:
            # Keep what the role check learnt (role types, not secrets) for the report and support.
            kept = {k: outcome.evidence[k] for k in ("admin_roles", "missing_roles") if k in outcome.evidence}
            record_action(ctx, ACTION, StepStatus.FAILED, kept, note=" ".join(outcome.messages)[:500])
        return outcome

    async def verify(self, ctx: EngineContext) -> Outcome:
        return await self._check(ctx)

    async def _check(self, ctx: EngineContext) -> Outcome:
        settings = ctx.settings
        method = settings.auth_method or "api_token"
        try:
            org = await ctx.okta.get_org()
        except E.OktaOAuthError as exc:
            missing = _missing_scopes(exc) if exc.error_code == "invalid_scope" else []
            messages = [str(exc)]
            if missing:
                messages.insert(0, f"The service app lacks these scopes: {', '.join(missing)}.")
            return Outcome(False, messages=messages, fix_step="1", evidence={"missing_scopes": missing})
        except E.TRANSIENT_ERRORS as exc:
            # Okta did not answer properly: the credentials are not in question, rerun.
            return Outcome(False, messages=[str(exc)])
        except E.OktaError as exc:
            return Outcome(False, messages=[str(exc)], fix_step="1")
        evidence: dict[str, Any] = {
            "org_host": ctx.org.host,
            "subdomain": org.get("subdomain") or ctx.org.subdomain,
            "company": org.get("companyName"),
            "auth_method": method,
        }
        warnings: list[str] = []
        roles_judged = False
        if method != "oauth":
            admin_id: str | None = None
            try:
                me = await ctx.okta.get_me()
                evidence["admin_login"] = (me.get("profile") or {}).get("login")
                admin_id = me.get("id") if isinstance(me.get("id"), str) else None
            except E.OktaNotFoundError:
                pass  # a service app has no "me"
            except E.TRANSIENT_ERRORS as exc:
                return Outcome(False, messages=[str(exc)])
            except E.OktaError as exc:
                return Outcome(False, messages=[str(exc)], fix_step="1")
            if admin_id:
                refusal = await self._check_roles(ctx, admin_id, evidence, warnings)
                if refusal is not None:
                    return refusal
                roles_judged = "write_rights" in evidence
        granted = getattr(ctx.okta, "granted_scopes", None)
        if granted is not None:
            missing = sorted(set(DEFAULT_SCOPES) - set(granted))
            if missing:
                return Outcome(
                    False,
                    messages=[f"The access token lacks these scopes: {', '.join(missing)}."],
                    fix_step="1",
                    evidence={"missing_scopes": missing},
                )
        refused: list[str] = []
        # The reads the next steps make anyway prove the read rights: the recorded app and group
        # on a rerun (resume re-checks them), the lookups by name on a fresh tenant. Cached, so
        # each is asked once per run.
        app_id, group_id = recorded(ctx, "create-app", "app_id"), recorded(ctx, "group", "group_id")
        for probe, label in (
            (
                _exists(ctx.okta.get_app(app_id))
                if app_id
                else ctx.okta.find_app_by_label(settings.app_label),
                "okta.apps.read",
            ),
            (
                _exists(ctx.okta.get_group(group_id))
                if group_id
                else ctx.okta.find_group_by_name(settings.group_name),
                "okta.groups.read",
            ),
        ):
            try:
                await probe
            except E.OktaPermissionError as exc:
                refused.append(exc.remedy)
            except E.OktaError as exc:
                warnings.append(f"Could not check {label}: {exc}")
        if refused:
            return Outcome(False, evidence=evidence, messages=refused, fix_step="1")
        evidence["read_checks"] = ["okta.orgs.read", "okta.apps.read", "okta.groups.read"]
        who = f" as {evidence['admin_login']}" if evidence.get("admin_login") else ""
        rights = ""
        if evidence.get("write_rights") == "allowed by the admin's roles":
            held = _both([ROLE_NAMES.get(t, t) for t in evidence.get("admin_roles", [])])
            rights = f", and the admin's roles ({held}) allow the wizard's writes"
        if not roles_judged:
            warnings.append(
                "Write rights (creating the app, group and user) cannot be checked without writing; "
                "a missing one is named when its step runs."
            )
        return Outcome(
            True,
            evidence=evidence,
            messages=[f"Connected to {ctx.org.host}{who}; the credentials can read apps and groups{rights}."],
            warnings=warnings,
        )

    async def _check_roles(
        self, ctx: EngineContext, admin_id: str, evidence: dict[str, Any], warnings: list[str]
    ) -> Outcome | None:
        """Judge the API token's write rights from its admin's roles, before any write. Returns a
        failed Outcome naming the missing roles per step, or None (passed, perhaps with a warning)."""
        try:
            roles = await ctx.okta.list_user_roles(admin_id)
        except E.TRANSIENT_ERRORS as exc:
            return Outcome(False, messages=[str(exc)])
        except E.OktaError as exc:
            # Reading roles needs okta.roles.read and a role that may see role assignments; without
            # them the token may still be able to do everything the wizard needs.
            code = " ".join(str(p) for p in (exc.status, exc.error_code) if p)
            warnings.append(
                f"The admin's roles could not be read (Okta answered {code or 'with an error'}), so "
                "the rights to write are checked as each write runs; a missing one is named at its step."
            )
            evidence["write_rights"] = "roles unreadable"
            return None
        active = [r for r in roles if isinstance(r, dict) and r.get("status", "ACTIVE") == "ACTIVE"]
        types = sorted({str(r["type"]) for r in active if isinstance(r.get("type"), str)})
        evidence["admin_roles"] = types
        who = f" ({evidence['admin_login']})" if evidence.get("admin_login") else ""
        if SUPER_ADMIN in types:
            evidence["write_rights"] = "allowed by the admin's roles"
            return None
        if not types:
            warnings.append(
                f"Okta lists no admin role for this token's admin{who}, so the rights to write cannot "
                "be judged here; a missing one is named when its step runs."
            )
            evidence["write_rights"] = "no roles listed"
            return None
        held = set(types)
        missing = [need for need in write_needs(ctx.settings) if not held & set(need.roles)]
        if not missing:
            evidence["write_rights"] = "allowed by the admin's roles"
            return None
        if CUSTOM_ROLE in held:
            custom = [str(r.get("label") or "custom role") for r in active if r.get("type") == CUSTOM_ROLE]
            warnings.append(
                f"This token's admin{who} holds a custom admin role ({_both(custom)}), whose permissions "
                "cannot be judged from its type; if it lacks one the wizard needs, Okta refuses that "
                "write and the step names what is missing."
            )
            evidence["write_rights"] = "custom role, not judged"
            return None
        labels = {str(r["type"]): str(r.get("label") or r["type"]) for r in active if r.get("type")}
        holds = _both([ROLE_NAMES.get(t, labels.get(t, t)) for t in types])
        catalog = ctx.catalog
        shortfalls = []
        for need in missing:
            span = catalog.span(need.action)
            steps = f"steps {span}" if "–" in span else f"step {span}"
            shortfalls.append(f"{need.what} ({steps}) needs {_either([ROLE_NAMES[r] for r in need.roles])}")
        message = (
            f"This token's admin{who} holds {holds} only: {'; '.join(shortfalls)}. Create the API "
            "token as an admin who holds those roles (Security → API → Tokens), or have a Super "
            "Administrator assign them (Security → Administrators), then run step 1 again."
        )
        evidence["write_rights"] = "missing roles"
        evidence["missing_roles"] = {need.what: list(need.roles) for need in missing}
        return Outcome(False, evidence=evidence, messages=[message], fix_step="1")
