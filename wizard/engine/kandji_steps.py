"""Steps B.1–B.2: Kandji's URL and token, for the TUI and the headless commands alike.

The TUI watches the pre-flight check by check through `on_check`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import SecretStr

from wizard.engine.context import EngineContext, kandji_token, record_action
from wizard.engine.model import Outcome, Plan, PlannedCall
from wizard.kandji.checks import CheckResult
from wizard.kandji.preflight import run_preflight
from wizard.kandji.tokens import TokenInputError, clean_bearer_token
from wizard.kandji.urls import KandjiUrlError, UnknownKandjiHost, parse_kandji_url
from wizard.secrets import Purpose, SecretStoreError
from wizard.state import StepStatus


class KandjiEngine:
    """B.1: the SCIM base URL Kandji shows. Inputs: `base_url`, `allow_unknown_host`,
    `allow_insecure_loopback`."""

    key = "kandji"

    async def plan(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Plan:
        return Plan(self.key, [], ["Create the SCIM integration in Kandji, then paste its SCIM base URL."])

    async def apply(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Outcome:
        text = str(inputs.get("base_url") or ctx.settings.kandji_base_url or "")
        try:
            url = parse_kandji_url(
                text,
                # A loopback Kandji (tests, the demo) only where the caller allows it.
                allow_insecure_loopback=ctx.org.is_loopback or bool(inputs.get("allow_insecure_loopback")),
                allow_unknown_host=bool(inputs.get("allow_unknown_host")),
            )
        except UnknownKandjiHost as exc:
            # Evidence the TUI turns into a "this is my Kandji host" confirmation.
            return Outcome(False, evidence={"unknown_host": True}, messages=[str(exc)], fix_step="B.1")
        except KandjiUrlError as exc:
            hint = f" Did you mean: {exc.suggestion}" if exc.suggestion else ""
            return Outcome(False, messages=[f"{exc}{hint}"], fix_step="B.1")
        ctx.kandji_url = url
        if url.base_url != ctx.settings.kandji_base_url:
            ctx.session.update_settings(kandji_base_url=url.base_url)
        evidence = {"kandji_base_url": url.base_url, "host": url.host, "known_host": url.is_known_host}
        record_action(ctx, self.key, StepStatus.DONE, evidence)
        warnings = list(url.notes)
        if not url.is_known_host and not url.is_loopback:
            warnings.append(f"{url.host} is not a known Kandji host; the token will be sent to it.")
        return Outcome(
            True, evidence=evidence, messages=[f"Kandji SCIM base URL: {url.base_url}"], warnings=warnings
        )

    async def verify(self, ctx: EngineContext) -> Outcome:
        if ctx.kandji_url is None:
            return Outcome(False, messages=["No Kandji SCIM base URL is stored."], fix_step="B.1")
        return Outcome(True, evidence={"kandji_base_url": ctx.kandji_url.base_url})


class KandjiTokenEngine:
    """B.2: test the token against Kandji, then keep it in the keyring. Input: `token`
    (SecretStr; default: the one already stored), `keep_despite_failure`."""

    key = "kandji-token"

    async def plan(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Plan:
        base = ctx.kandji_url.base_url if ctx.kandji_url else "<Kandji SCIM base URL>"
        return Plan(
            self.key,
            [
                PlannedCall(
                    "GET",
                    f"{base}/Users?startIndex=1&count=2",
                    None,
                    "read-only pre-flight with the token (****)",
                ),
            ],
            ["The token is then kept in the OS keyring, never in a file."],
        )

    async def apply(
        self,
        ctx: EngineContext,
        inputs: Mapping[str, Any],
        *,
        on_check: Callable[[CheckResult], None] | None = None,
    ) -> Outcome:
        """`on_check` sees each pre-flight check as it completes (the TUI's live rows)."""
        if ctx.kandji_url is None:
            return Outcome(
                False, messages=["Paste the Kandji SCIM base URL first (step B.1)."], fix_step="B.1"
            )
        given = inputs.get("token")
        notes: list[str] = []
        if isinstance(given, SecretStr | str) and (
            given.get_secret_value() if isinstance(given, SecretStr) else given
        ):
            try:
                token, notes = clean_bearer_token(
                    given.get_secret_value() if isinstance(given, SecretStr) else given
                )
            except TokenInputError as exc:
                return Outcome(False, messages=[str(exc)], fix_step="B.2")
        else:
            stored = await kandji_token(ctx)
            if stored is None:
                return Outcome(False, messages=["Paste the Kandji token (step B.2)."], fix_step="B.2")
            token = stored
        report = await run_preflight(ctx.kandji_url, token, on_result=on_check)
        if not report.ok and not inputs.get("keep_despite_failure"):
            first = report.failures[0] if report.failures else None
            detail = (
                f"{first.title}: {first.detail} {first.cause} {first.fix}".strip()
                if first
                else report.summary
            )
            failure = {"check": first.key, "kind": first.kind, "detail": first.detail} if first else {}
            return Outcome(
                False,
                evidence={"kandji_preflight": "failed", "kandji_failure": failure},
                messages=[report.summary, detail],
                fix_step=first.fix_step if first else "B.1",
            )
        try:
            await asyncio.to_thread(ctx.secrets.put, ctx.org.host, Purpose.KANDJI_SCIM_TOKEN, token)
            memory = await asyncio.to_thread(lambda: ctx.secrets.memory_only)
        except SecretStoreError as exc:
            return Outcome(False, messages=[str(exc)], fix_step="B.2")
        evidence = {
            "kandji_preflight": "passed" if report.ok else "failed",
            "stored_in": "memory (this run only)" if memory else "keyring",
        }
        if not report.ok:
            ctx.session.update_settings(token_kept_despite_failed_preflight=True)
        if memory != ctx.settings.secrets_memory_only:
            ctx.session.update_settings(secrets_memory_only=memory)
        record_action(ctx, self.key, StepStatus.DONE, evidence)
        if memory:
            # Say it where the admin looks: the next run will not find the token.
            probe = await asyncio.to_thread(ctx.secrets.probe)
            if probe.state != "ok":
                notes = [*notes, f"{probe.reason} {probe.remedy}".strip()]
            else:  # a store that is in memory by design (the demo's)
                notes = [*notes, "The token is kept in memory for this run only."]
        return Outcome(True, evidence=evidence, messages=[report.summary], warnings=notes)

    async def verify(self, ctx: EngineContext) -> Outcome:
        token = await kandji_token(ctx)
        if token is None:
            return Outcome(False, messages=["The Kandji token is no longer stored."], fix_step="B.2")
        return Outcome(True, messages=["The Kandji token is stored."])
