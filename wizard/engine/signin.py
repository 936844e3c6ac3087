"""Step 1: connect to Okta with the admin's credentials and prove they work with reads only."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from wizard.engine.context import EngineContext, record_action
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
            record_action(ctx, ACTION, StepStatus.FAILED, {}, note=" ".join(outcome.messages)[:500])
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
        if method != "oauth":
            try:
                me = await ctx.okta.get_me()
                evidence["admin_login"] = (me.get("profile") or {}).get("login")
            except E.OktaNotFoundError:
                pass  # a service app has no "me"
            except E.TRANSIENT_ERRORS as exc:
                return Outcome(False, messages=[str(exc)])
            except E.OktaError as exc:
                return Outcome(False, messages=[str(exc)], fix_step="1")
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
        for probe, label in (
            (ctx.okta.find_app_by_label(settings.app_label), "okta.apps.read"),
            (ctx.okta.find_group_by_name(settings.group_name), "okta.groups.read"),
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
        warnings.append(
            "Write rights (creating the app, group and user) cannot be checked without writing; "
            "a missing one is named when its step runs."
        )
        return Outcome(
            True,
            evidence=evidence,
            messages=[f"Connected to {ctx.org.host}{who}; the credentials can read apps and groups."],
            warnings=warnings,
        )
