"""Console hand-offs (steps 9–14): what the admin does in the Admin Console, and how the
wizard detects it afterwards (DESIGN §2).

Detection is evidence, never a gate. Each item is seen (True), not seen (False) or cannot be
detected (None). Nobody has recorded Okta reporting most of these for a custom SAML app (every
recorded app shows `"features": []`), so an item Okta does not report can always be confirmed
by the admin (`c` in the TUI, `--confirmed N` headless); the evidence then says "confirmed by
the admin; Okta did not report it", and step 24 settles it: delivery proves it, a failed
delivery names these steps first. Only a "firm" item cannot be confirmed over: the wizard's own
test of Kandji when Kandji itself answered no.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wizard.engine.context import EngineContext, kandji_token, record_action, recorded, step_numbers
from wizard.engine.model import Detection, Handoff, Outcome, Plan, PlannedCall
from wizard.kandji.preflight import run_preflight
from wizard.okta import errors as E
from wizard.okta.links import app_link
from wizard.state import StepStatus

DETECTED = "detected in Okta"
CONFIRMED = "confirmed by the admin; Okta did not report it"
PROVED = "proved by delivery at step 24 (confirmed by the admin; Okta did not report it)"
FIRST_POLL = 2.0
MAX_POLL = 15.0
BACKOFF = 1.6
# Errors worth polling through: the next look may well work.
TRANSIENT = (E.OktaNetworkError, E.OktaServerError, E.OktaRateLimitError)


def make_detection(
    items: dict[str, bool | None],
    *,
    firm: frozenset[str] = frozenset(),
    evidence: dict[str, Any] | None = None,
    done: str,
    waiting: str,
) -> Detection:
    """Every detectable item is "soft" (confirmable when not seen) unless it is in `firm`."""
    detectable = [name for name, seen in items.items() if seen is not None]
    soft = frozenset(detectable) - firm
    complete = bool(detectable) and all(items[name] for name in detectable)
    undetectable = [name for name, seen in items.items() if seen is None]
    if complete:
        message = done
    elif not detectable:
        message = "This cannot be detected through Okta's API: confirm it yourself when it is done."
    else:
        missing = [n for n in detectable if not items[n]]
        hard = [n for n in missing if n not in soft]
        message = waiting + " Not detected yet: " + "; ".join(missing) + "."
        if not hard:
            message += " Okta may not report this; if you did it, confirm it yourself."
        else:
            message += " This must pass before the step can be confirmed."
    if undetectable:
        message += " You confirm: " + "; ".join(undetectable) + "."
    return Detection(items, complete, message, soft, dict(evidence or {}))


class ConsoleStep:
    """The shared part of every console step. Subclasses set the class attributes and `detect`."""

    key = ""
    link_key = "app-provisioning"
    fix_step = ""

    # -- to override ---------------------------------------------------------------------------
    async def detect(self, ctx: EngineContext) -> Detection:
        raise NotImplementedError

    def values(self, ctx: EngineContext) -> list[tuple[str, str, bool]]:
        return []

    def item_names(self) -> tuple[list[str], list[str]]:
        """(detectable, undetectable) item names, for the hand-off screen."""
        raise NotImplementedError

    async def demo_complete(self, ctx: EngineContext) -> None:
        raise NotImplementedError

    def detection_calls(self, app_id: str) -> list[PlannedCall]:
        return [PlannedCall("GET", f"/api/v1/apps/{app_id}", None, "read the app's features (polled)")]

    # -- shared --------------------------------------------------------------------------------
    def _app(self, ctx: EngineContext) -> tuple[str | None, str | None]:
        return recorded(ctx, "create-app", "app_id"), recorded(ctx, "create-app", "app_name")

    def _require_app(self, ctx: EngineContext) -> str:
        app_id, _ = self._app(ctx)
        if not app_id:
            from wizard.engine.errors import EngineError

            raise EngineError("Create the app first (steps 2–8).", fix_step="2")
        return app_id

    def _demo(self, ctx: EngineContext):  # noqa: ANN202 - DemoConsole, imported lazily
        if ctx.demo_console is None:
            from wizard.engine.errors import EngineError

            raise EngineError("The demo console exists only in demo mode.")
        return ctx.demo_console

    def handoff(self, ctx: EngineContext) -> Handoff:
        app_id, app_name = self._app(ctx)
        steps = ctx.catalog.steps_of(self.key)
        checklist = [item for step in steps for item in step.checklist]
        detectable, undetectable = self.item_names()
        return Handoff(
            action=self.key,
            link=app_link(ctx.org, self.link_key, app_name, app_id),
            values=self.values(ctx),
            checklist=checklist,
            detectable=detectable,
            undetectable=undetectable,
            where=steps[0].where,
            steps=ctx.catalog.span(self.key),
        )

    async def plan(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Plan:
        app_id = recorded(ctx, "create-app", "app_id") or "{appId}"
        action = ctx.catalog.actions[self.key]
        notes = ["Admin Console only: the wizard hands this to you and then detects it."]
        if action.detection:
            notes.append(action.detection)
        return Plan(self.key, self.detection_calls(app_id), notes)

    async def wait(
        self, ctx: EngineContext, *, timeout: float, on_update: Callable[[Detection], None]
    ) -> Detection:
        """Look, then look again with growing pauses (2 s up to 15 s) until everything
        detectable is seen, nothing can be detected, a non-transient error occurs, or `timeout`."""
        started = ctx.clock()
        delay = FIRST_POLL
        while True:
            try:
                with ctx.okta.polling():  # each look asks Okta again
                    detection = await self.detect(ctx)
            except TRANSIENT as exc:
                detection = Detection({}, False, f"Could not look just now: {exc}", error=str(exc))
            except E.OktaError as exc:
                detection = Detection({}, False, str(exc), error=str(exc))
                on_update(detection)
                return detection
            on_update(detection)
            if detection.complete or (detection.error is None and not detection.detectable):
                return detection
            remaining = timeout - (ctx.clock() - started)
            if remaining <= 0:
                return detection
            await ctx.sleep(min(delay, remaining))
            delay = min(delay * BACKOFF, MAX_POLL)

    async def apply(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Outcome:
        """Record the step from what is detected now. Items not seen need `inputs["confirmed"]`
        (the admin's word); only firm items (the wizard's own Kandji test) must pass."""
        confirmed = bool(inputs.get("confirmed"))
        try:
            detection = await self.detect(ctx)
        except E.TRANSIENT_ERRORS as exc:
            if not confirmed:
                return Outcome(False, messages=[str(exc)], fix_step=self.fix_step)
            # Okta could not be asked just now; the admin's word stands and step 24 settles it.
            names = [*self.item_names()[0], *self.item_names()[1]]
            detection = Detection({n: None for n in names}, False, str(exc), error=str(exc))
        except E.OktaError as exc:
            return Outcome(False, messages=[str(exc)], fix_step=self.fix_step)
        hard_missing = [n for n, seen in detection.items.items() if seen is False and n not in detection.soft]
        to_confirm = [
            n
            for n, seen in detection.items.items()
            if seen is None or (seen is False and n in detection.soft)
        ]
        evidence = {
            "detected": {n: seen for n, seen in detection.items.items() if seen is not None},
            "confirmed_by_admin": to_confirm if confirmed else [],
            "evidence": {
                n: DETECTED if seen else CONFIRMED for n, seen in detection.items.items() if seen or confirmed
            },
            **detection.evidence,
        }
        if hard_missing or (to_confirm and not confirmed):
            self._mark_open(ctx, detection.message)
            messages = [detection.message]
            if not hard_missing:
                messages.append("When you have done it, confirm it to continue.")
            return Outcome(False, evidence=evidence, messages=messages, fix_step=self.fix_step)
        record_action(ctx, self.key, StepStatus.DONE, evidence)
        messages = [detection.message]
        unreported = [n for n in to_confirm if detection.items.get(n) is False]
        if unreported:
            messages = [
                "Confirmed by you; Okta did not report: " + "; ".join(unreported) + ". Step 24 proves it "
                "when the users arrive in Kandji."
            ]
        return Outcome(True, evidence=evidence, messages=messages)

    def _mark_open(self, ctx: EngineContext, note: str) -> None:
        for number in step_numbers(self.key):
            ctx.session.set_status(number, StepStatus.NEEDS_CONSOLE, note=note[:500])

    async def verify(self, ctx: EngineContext) -> Outcome:
        try:
            detection = await self.detect(ctx)
        except E.OktaError as exc:
            return Outcome(False, messages=[str(exc)], fix_step=self.fix_step)
        # Okta reported it before and no longer does: that is a change, not Okta's silence.
        before = recorded(ctx, self.key, "detected") or {}
        lost = {n for n, seen in detection.items.items() if seen is False and before.get(n) is True}
        hard_missing = [
            n
            for n, seen in detection.items.items()
            if seen is False and (n not in detection.soft or n in lost)
        ]
        soft_missing = [n for n, seen in detection.items.items() if seen is False and n not in hard_missing]
        said = recorded(ctx, self.key, "evidence") or {}
        warnings = [
            f"Not detected (Okta may not report it): {n}; {said[n]}."
            if n in said and said[n] != DETECTED
            else f"Not detected (Okta may not report it): {n}."
            for n in soft_missing
        ]
        return Outcome(
            not hard_missing,
            evidence={"detected": dict(detection.items)},
            messages=[detection.message],
            warnings=warnings,
            fix_step=self.fix_step if hard_missing else None,
        )


def _features(app: dict[str, Any]) -> list[str] | None:
    features = app.get("features")
    return [str(f) for f in features] if isinstance(features, list) else None


class EnableScimEngine(ConsoleStep):
    key = "enable-scim"
    link_key = "app-general"
    fix_step = "9"
    ITEM = "Enable SCIM provisioning is ticked and saved"

    def item_names(self) -> tuple[list[str], list[str]]:
        return [self.ITEM], []

    def detection_calls(self, app_id: str) -> list[PlannedCall]:
        return [
            *super().detection_calls(app_id),
            PlannedCall(
                "GET",
                f"/api/v1/apps/{app_id}/features/USER_PROVISIONING",
                None,
                "else: does Okta answer the To App settings (it refuses while provisioning is off)",
            ),
        ]

    async def detect(self, ctx: EngineContext) -> Detection:
        app_id = self._require_app(ctx)
        app = await ctx.okta.get_app(app_id)
        features = _features(app)
        seen = None if features is None else "SCIM_PROVISIONING" in features
        evidence: dict[str, Any] = {"features": features}
        if not seen:
            # The other signal: Okta answers USER_PROVISIONING only once provisioning is on
            # (DESIGN §4.2: 400 E0000001 "Provisioning is not enabled…" before). Best effort.
            try:
                answered = await ctx.okta.get_user_provisioning_feature(app_id) is not None
            except E.OktaError:
                answered = False
            evidence["user_provisioning_answers"] = answered
            if answered:
                seen = True
        return make_detection(
            {self.ITEM: seen},
            evidence=evidence,
            done="SCIM provisioning is on: the app has a Provisioning tab now.",
            waiting="Waiting for SCIM provisioning to be enabled.",
        )

    async def demo_complete(self, ctx: EngineContext) -> None:
        self._demo(ctx).enable_scim(self._require_app(ctx))


class ScimConnectionEngine(ConsoleStep):
    key = "scim-connection"
    fix_step = "10.1"
    SCIM_ON = "SCIM provisioning is on (step 9)"
    PUSH_NEW = "Push New Users is ticked (PUSH_NEW_USERS)"
    PUSH_UPDATES = "Push Profile Updates is ticked (PUSH_PROFILE_UPDATES)"
    UNDETECTABLE = (
        "The SCIM connector base URL is Kandji's",
        "The unique identifier field for users is userName",
        "Authentication Mode is HTTP Header",
        "The Bearer token is the Kandji token",
    )

    def item_names(self) -> tuple[list[str], list[str]]:
        return [self.PUSH_NEW, self.PUSH_UPDATES], list(self.UNDETECTABLE)

    def values(self, ctx: EngineContext) -> list[tuple[str, str, bool]]:
        return [
            ("SCIM connector base URL", ctx.settings.kandji_base_url or "", False),
            ("Unique identifier field for users", "userName", False),
            ("Bearer token", "kandji_token", True),
        ]

    async def detect(self, ctx: EngineContext) -> Detection:
        app = await ctx.okta.get_app(self._require_app(ctx))
        features = _features(app)

        def has(name: str) -> bool | None:
            return None if features is None else name in features

        items: dict[str, bool | None] = {
            self.SCIM_ON: has("SCIM_PROVISIONING"),
            self.PUSH_NEW: has("PUSH_NEW_USERS"),
            self.PUSH_UPDATES: has("PUSH_PROFILE_UPDATES"),
            **{name: None for name in self.UNDETECTABLE},
        }
        return make_detection(
            items,
            evidence={"features": features},
            done="Okta reports the push actions: the SCIM connection has been saved.",
            waiting="Waiting for the SCIM connection to be saved.",
        )

    async def demo_complete(self, ctx: EngineContext) -> None:
        token = await kandji_token(ctx)
        if token is None or not ctx.settings.kandji_base_url:
            from wizard.engine.errors import EngineError

            raise EngineError("Store the Kandji URL and token first (steps B.1–B.2).", fix_step="B.2")
        self._demo(ctx).configure_scim_connection(self._require_app(ctx), ctx.settings.kandji_base_url, token)


REACH_CHECKS = frozenset({"dns", "connection"})


class TestConnectorEngine(ConsoleStep):
    """Step 11. The wizard's own read-only test of Kandji is detectable; Okta's result is not."""

    key = "test-connector"
    fix_step = "11"
    OWN_TEST = "The wizard's own test of Kandji's SCIM endpoint passed"
    UNDETECTABLE = ("Okta's Test Connector Configuration succeeded", "The SCIM connection is saved")
    __test__ = False

    def item_names(self) -> tuple[list[str], list[str]]:
        return [self.OWN_TEST], list(self.UNDETECTABLE)

    def detection_calls(self, app_id: str) -> list[PlannedCall]:
        return [
            PlannedCall("GET", "<Kandji>/Users?startIndex=1&count=2", None, "the read-only Kandji pre-flight")
        ]

    async def detect(self, ctx: EngineContext) -> Detection:
        token = await kandji_token(ctx)
        if ctx.kandji_url is None or token is None:
            return make_detection(
                {self.OWN_TEST: False, **{n: None for n in self.UNDETECTABLE}},
                evidence={"kandji_preflight": "not run"},
                done="",
                waiting="The Kandji URL or token is not stored here (B.1–B.2), so the wizard could not test "
                "Kandji; if Okta's test passed, confirm it.",
            )
        report = await run_preflight(ctx.kandji_url, token)
        evidence: dict[str, Any] = {
            "kandji_preflight": "passed" if report.ok else "failed",
            "summary": report.summary,
        }
        done = (
            "The wizard's test of Kandji passed. Now press Test Connector Configuration in Okta, then Save."
        )
        waiting = report.summary
        if not report.ok and report.failures:
            first = report.failures[0]
            evidence["first_failure"] = {
                "check": first.key,
                "cause": first.cause,
                "fix": first.fix,
                "fix_step": first.fix_step,
            }
            waiting = f"{first.title}: {first.detail} {first.cause} {first.fix}".strip()
        # Kandji answered and refused (token, paths): no confirmation can stand against that. A
        # host this computer cannot reach may still be reachable by Okta: the admin may confirm.
        definitive = not report.ok and bool(report.failures) and report.failures[0].key not in REACH_CHECKS
        return make_detection(
            {self.OWN_TEST: report.ok, **{n: None for n in self.UNDETECTABLE}},
            firm=frozenset({self.OWN_TEST}) if definitive else frozenset(),
            evidence=evidence,
            done=done,
            waiting=waiting,
        )

    async def wait(
        self, ctx: EngineContext, *, timeout: float, on_update: Callable[[Detection], None]
    ) -> Detection:
        # Nothing the admin does in Okta changes Kandji's answer: one look is the answer.
        detection = await self.detect(ctx)
        on_update(detection)
        return detection

    async def apply(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Outcome:
        outcome = await super().apply(ctx, inputs)
        failure = outcome.evidence.get("first_failure")
        if not outcome.ok and failure and failure["check"] not in REACH_CHECKS:
            outcome.fix_step = failure.get("fix_step") or "B.1"
            for number in step_numbers(self.key):
                ctx.session.set_status(number, StepStatus.FAILED, note=outcome.messages[0][:500])
        return outcome

    async def demo_complete(self, ctx: EngineContext) -> None:
        self._demo(ctx).test_connector(self._require_app(ctx))


class ToAppEngine(ConsoleStep):
    key = "to-app"
    fix_step = "12"
    CREATE = "Create Users is enabled"
    UPDATE = "Update User Attributes is enabled"
    DEACTIVATE = "Deactivate Users is enabled"

    def item_names(self) -> tuple[list[str], list[str]]:
        # Which are detectable depends on whether Okta answers USER_PROVISIONING for this app.
        return [self.CREATE, self.UPDATE, self.DEACTIVATE], []

    def detection_calls(self, app_id: str) -> list[PlannedCall]:
        return [
            PlannedCall(
                "GET",
                f"/api/v1/apps/{app_id}/features/USER_PROVISIONING",
                None,
                "read the To App settings (polled)",
            ),
            PlannedCall(
                "GET", f"/api/v1/apps/{app_id}", None, "else look for PUSH_USER_DEACTIVATION in its features"
            ),
        ]

    async def detect(self, ctx: EngineContext) -> Detection:
        app_id = self._require_app(ctx)
        feature = await ctx.okta.get_user_provisioning_feature(app_id)
        done = "Okta reports the To App settings as enabled."
        waiting = "Waiting for the To App settings to be enabled and saved."
        if feature is not None:
            caps = feature.get("capabilities") or {}
            create = ((caps.get("create") or {}).get("lifecycleCreate") or {}).get("status")
            update = (caps.get("update") or {}).get("profile", {}).get("status")
            deactivate = ((caps.get("update") or {}).get("lifecycleDeactivate") or {}).get("status")
            items = {
                self.CREATE: None if create is None else create == "ENABLED",
                self.UPDATE: None if update is None else update == "ENABLED",
                self.DEACTIVATE: None if deactivate is None else deactivate == "ENABLED",
            }
            evidence = {"source": "USER_PROVISIONING", "capabilities": caps}
            return make_detection(items, evidence=evidence, done=done, waiting=waiting)
        app = await ctx.okta.get_app(app_id)
        features = _features(app)
        items = {
            self.CREATE: None,
            self.UPDATE: None,
            self.DEACTIVATE: None if features is None else "PUSH_USER_DEACTIVATION" in features,
        }
        return make_detection(
            items,
            evidence={"source": "features", "features": features},
            done="Okta reports Deactivate Users (PUSH_USER_DEACTIVATION).",
            waiting=waiting,
        )

    async def demo_complete(self, ctx: EngineContext) -> None:
        self._demo(ctx).enable_to_app(self._require_app(ctx))
