"""The canary: change one harmless pushed attribute in Okta, see it arrive in Kandji, put it back.

Okta has no "push now", so this is the only way to ask "does delivery work right now?": Okta
pushes a profile change when Update User Attributes is on (steps 12–14), so a change that never
arrives is itself a finding. The change is saved in the progress file before Okta is touched,
and the old value goes back even when the change did not arrive, so nothing is left behind; a
run cut short is put right by `restore_pending()` on the next run.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from wizard.canary.attribute import CanaryAttribute, NoHarmlessAttribute, choose_attribute
from wizard.canary.kandji_read import KandjiRead, read_user_attribute
from wizard.canary.model import CanaryReport
from wizard.engine.context import EngineContext, kandji_token, recorded
from wizard.engine.model import Diagnosis, UserProof
from wizard.engine.prove import classify_event, diagnose_delivery
from wizard.okta import errors as E
from wizard.state import CanaryChange

DEFAULT_TIMEOUT = 120.0
FIRST_POLL = 1.0
BACKOFF = 1.5
MAX_POLL = 10.0

Confirm = Callable[[str], Awaitable[bool]]
Progress = Callable[[str], None]


def _now() -> datetime:
    return datetime.now(UTC)


def is_test_person(ctx: EngineContext, login: str) -> bool:
    """The person the setup made (or named) for testing: changing it needs no confirmation."""
    test_login = ctx.settings.test_user_login
    return bool(test_login) and login.casefold() == str(test_login).casefold()


async def restore_pending(ctx: EngineContext) -> str | None:
    """Put back a canary change an earlier run left in Okta. Returns what was done, or None when
    nothing was pending. An Okta error leaves the record in place for the next run."""
    pending = ctx.session.state.day_two.pending_canary
    if pending is None:
        return None
    when = pending.started_at.strftime("%Y-%m-%d %H:%M UTC")
    old = "(empty)" if pending.old_value is None else repr(pending.old_value)
    try:
        with ctx.okta.polling():  # what Okta holds now, never a read cached earlier in the run
            user = await ctx.okta.get_user(pending.user_id)
    except E.OktaNotFoundError:
        ctx.session.update_day_two(pending_canary=None)
        return f"the canary of {when} changed {pending.login}, who is gone from Okta; nothing to put back."
    current = (user.get("profile") or {}).get(pending.attribute)
    if current == pending.new_value:
        await ctx.okta.update_user_profile(pending.user_id, {pending.attribute: pending.old_value})
        done = (
            f"the canary of {when} was cut short; {pending.login}'s {pending.attribute} is put back to {old}."
        )
    elif current == pending.old_value:
        done = f"the canary of {when} was cut short before Okta changed {pending.login}; nothing to put back."
    else:
        done = (
            f"the canary of {when} was cut short, but {pending.login}'s {pending.attribute} has been "
            f"changed since (now {current!r}), so it was left as it is."
        )
    ctx.session.update_day_two(pending_canary=None)
    return done


async def run_canary(
    ctx: EngineContext,
    *,
    login: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    confirm: Confirm | None = None,
    on_progress: Progress | None = None,
    token: SecretStr | None = None,
) -> CanaryReport:
    """One canary round trip; every outcome is a report (never an exception for a finding).
    `token` is a Kandji token given to this run (stdin); else the keyring's, else the env's."""
    say = on_progress or (lambda _text: None)
    recovered = await restore_pending(ctx)
    if recovered:
        say(f"Earlier canary: {recovered}")
    report = await _run(ctx, login, timeout, confirm, say, token)
    report.recovered = recovered
    if not report.cancelled and report.new_value is not None:
        ctx.session.update_day_two(last_canary=report.summary())
    return report


def _fail(message: str, fix: str, step: str | None, source: str = "Okta", **fields: Any) -> CanaryReport:
    title = fields.pop("title", message)
    diagnosis = Diagnosis(title, message, fix, step, source)  # type: ignore[arg-type]
    return CanaryReport(False, message, diagnoses=[diagnosis], fix_step=step, **fields)


async def _run(
    ctx: EngineContext,
    login: str | None,
    timeout: float,
    confirm: Confirm | None,
    say: Progress,
    given_token: SecretStr | None,
) -> CanaryReport:
    app_id = recorded(ctx, "create-app", "app_id")
    if not app_id:
        return _fail("The setup has no app yet.", "Finish the setup first (`apply` or the wizard).", "2")
    login = (login or ctx.settings.test_user_login or "").strip()
    if not login:
        return _fail(
            "There is no test person to change.",
            "Name a user who is provisioned to Kandji: canary --user LOGIN.",
            None,
        )
    token = given_token or await kandji_token(ctx)
    if token is None or ctx.kandji_url is None:
        return _fail(
            "The canary reads Kandji to see the change arrive, and no Kandji token is available.",
            "Store the token with the wizard (step B.2), or set KANDJI_SCIM_TOKEN (or pass it with "
            "--secrets-stdin) for this run.",
            "B.2",
            "Kandji",
            login=login,
        )
    user = await ctx.okta.find_user(login)
    if user is None:
        return _fail(f"Okta has no user {login}.", "Check the login, or name another user with --user.", None)
    user_id = str(user["id"])
    if await ctx.okta.get_app_user(app_id, user_id) is None:
        return _fail(
            f"{login} is not assigned to the app, so Okta pushes nothing about them.",
            "Put them in the group assigned to the app (step 18.1), or pick a group member.",
            "18.1",
            login=login,
            user_id=user_id,
        )
    try:
        attribute = await choose_attribute(ctx.okta, app_id)
    except NoHarmlessAttribute as exc:
        return _fail(str(exc), "Fix the mapping as above.", "12", login=login, user_id=user_id)
    fields: dict[str, Any] = {
        "login": login,
        "user_id": user_id,
        "attribute": attribute.okta_attribute,
        "scim_attribute": attribute.scim_attribute,
        "attribute_source": attribute.explanation,
    }
    before = await _read(ctx, token, login, attribute)
    if before.status != "found":
        return _kandji_unusable(before, login, fields)
    profile = user.get("profile") or {}
    old = profile.get(attribute.okta_attribute)
    old_value = None if old in (None, "") else str(old)
    if not is_test_person(ctx, login):
        question = (
            f"{login} is a real person, not the setup's test person. Change their {attribute.okta_attribute} "
            f"for about a minute and put it back?"
        )
        if confirm is None or not await confirm(question):
            return CanaryReport(False, "Not confirmed: nothing was changed.", cancelled=True, **fields)
    started = _now()
    new_value = f"Canary {started:%Y-%m-%d %H:%M} {secrets.token_hex(3)} (okta-kandji-setup)"
    fields.update(old_value=old_value, new_value=new_value, started_at=started.isoformat(timespec="seconds"))
    # Saved before Okta is touched: a run cut short from here on is put right next time.
    ctx.session.update_day_two(
        pending_canary=CanaryChange(
            user_id=user_id,
            login=login,
            attribute=attribute.okta_attribute,
            old_value=old_value,
            new_value=new_value,
            started_at=started,
        )
    )
    log = _FailureLog(ctx, user_id, started)
    await log.baseline()
    try:
        await ctx.okta.update_user_profile(user_id, {attribute.okta_attribute: new_value})
    except E.OktaError as exc:
        ctx.session.update_day_two(pending_canary=None)
        fields.pop("new_value")
        return _fail(
            f"Okta refused the change: {exc}", "Check the credentials' rights to edit users.", "1", **fields
        )
    say(
        f"Changed {login}'s {attribute.okta_attribute} in Okta; waiting up to {timeout:g} s for it in Kandji…"
    )
    out = await _await_value(ctx, token, login, attribute, new_value, log, timeout)
    # Put the old value back whatever happened, then forget the pending change.
    await ctx.okta.update_user_profile(user_id, {attribute.okta_attribute: old_value})
    ctx.session.update_day_two(pending_canary=None)
    fields["restored_in_okta"] = True
    if out.seconds is None:
        diagnoses = await _diagnose(ctx, app_id, user_id, login, out)
        fix_step = next((d.fix_step for d in diagnoses if d.fix_step), None)
        why = "did not arrive in Kandji before the timeout" if out.timed_out else "did not reach Kandji"
        message = f"Not delivered: the change {why}. Okta holds the old value again."
        return CanaryReport(
            False,
            message,
            out_seconds=None,
            timed_out=out.timed_out,
            diagnoses=diagnoses,
            fix_step=fix_step,
            **fields,
        )
    say(f"Arrived after {out.seconds:.1f} s; put the old value back in Okta, waiting for it in Kandji…")
    await log.baseline()
    back = await _await_value(ctx, token, login, attribute, old_value, log, timeout)
    if back.seconds is None:
        diagnoses = await _diagnose(ctx, app_id, user_id, login, back)
        fix_step = next((d.fix_step for d in diagnoses if d.fix_step), None)
        message = (
            f"Half delivered: the change arrived after {out.seconds:.1f} s, but the old value did not "
            "come back to Kandji in time. Okta holds the old value; Kandji shows the canary value until "
            "Okta's next push of this person."
        )
        return CanaryReport(
            False,
            message,
            out_seconds=out.seconds,
            timed_out=back.timed_out,
            diagnoses=diagnoses,
            fix_step=fix_step,
            **fields,
        )
    message = (
        f"Delivered: Okta → Kandji in {out.seconds:.1f} s (change) and {back.seconds:.1f} s (restore); "
        f"{login}'s {attribute.okta_attribute} is as it was."
    )
    return CanaryReport(True, message, out_seconds=out.seconds, back_seconds=back.seconds, **fields)


def _kandji_unusable(read: KandjiRead, login: str, fields: dict[str, Any]) -> CanaryReport:
    if read.status == "missing":
        return _fail(
            f"{login} is not in Kandji, so a change to them cannot be seen arriving.",
            "Prove the first provisioning first (step 24, `verify`), or pick a user who is in Kandji.",
            "24",
            "Kandji",
            **fields,
        )
    if read.token_refused:
        return _fail(
            f"Kandji refused the wizard's stored token: {read.detail}",
            "The token was probably regenerated in Kandji: run `okta-kandji-setup rotate-token` with the "
            "new one (it also walks you through step 10.5 in Okta).",
            "B.2",
            "Kandji",
            title="Kandji refused the wizard's stored token",
            **fields,
        )
    return _fail(
        f"Kandji could not be read: {read.detail}",
        "Check the network and try again.",
        None,
        "Kandji",
        **fields,
    )


class _Wait:
    def __init__(self) -> None:
        self.seconds: float | None = None
        self.timed_out = False
        self.events: list[dict[str, Any]] = []
        self.kandji_error: KandjiRead | None = None


async def _read(ctx: EngineContext, token: Any, login: str, attribute: CanaryAttribute) -> KandjiRead:
    assert ctx.kandji_url is not None
    return await read_user_attribute(ctx.kandji_url, token, login, attribute.scim_attribute)


class _FailureLog:
    """This user's provisioning failures in the System Log that are new since `baseline()`.
    Compared by event id, not by time: the local clock and Okta's may disagree."""

    MARGIN = timedelta(minutes=10)

    def __init__(self, ctx: EngineContext, user_id: str, started: datetime) -> None:
        self.ctx, self.user_id, self.since = ctx, user_id, started - self.MARGIN
        self.known: set[str] = set()

    async def _read(self) -> list[dict[str, Any]]:
        try:
            with self.ctx.okta.polling():  # each look asks Okta again
                return await self.ctx.okta.query_user_provisioning_failures(self.user_id, self.since)
        except E.OktaError:
            return []  # the diagnosis reads the log again and says if it cannot

    async def baseline(self) -> None:
        self.known |= {str(e.get("uuid")) for e in await self._read()}

    async def new(self) -> list[dict[str, Any]]:
        return [e for e in await self._read() if str(e.get("uuid")) not in self.known]


async def _await_value(
    ctx: EngineContext,
    token: Any,
    login: str,
    attribute: CanaryAttribute,
    expected: str | None,
    log: _FailureLog,
    timeout: float,
) -> _Wait:
    """Poll Kandji until the attribute equals `expected`; stop early on a System Log failure for
    this user or a Kandji read that fails; stop at `timeout`."""
    wait = _Wait()
    started = ctx.clock()
    delay = FIRST_POLL
    while True:
        if ctx.demo_console is not None:
            # The simulator pushes from a worker thread: let what is due finish before looking.
            await asyncio.to_thread(ctx.demo_console.simulator.settle)
        seen = await _read(ctx, token, login, attribute)
        if seen.status == "found" and seen.value == expected:
            wait.seconds = ctx.clock() - started
            return wait
        if seen.status == "error":
            wait.kandji_error = seen
            return wait
        wait.events = await log.new()
        if wait.events:
            return wait
        elapsed = ctx.clock() - started
        if elapsed >= timeout:
            wait.timed_out = True
            return wait
        await ctx.sleep(min(delay, timeout - elapsed))
        delay = min(delay * BACKOFF, MAX_POLL)


async def _diagnose(
    ctx: EngineContext, app_id: str, user_id: str, login: str, wait: _Wait
) -> list[Diagnosis]:
    found: list[Diagnosis] = []

    def add(diagnosis: Diagnosis) -> None:
        if all(d.title != diagnosis.title for d in found):
            found.append(diagnosis)

    if wait.kandji_error is not None:
        add(
            Diagnosis(
                "Kandji refused the wizard's stored token"
                if wait.kandji_error.token_refused
                else "Kandji could not be read",
                wait.kandji_error.detail,
                "If the token was regenerated in Kandji, run `okta-kandji-setup rotate-token`."
                if wait.kandji_error.token_refused
                else "Check the network and run the canary again.",
                "B.2" if wait.kandji_error.token_refused else None,
                "Kandji",
                user=login,
            )
        )
    # This user's own failures first: the System Log says why Okta's push did not land.
    for event in reversed(wait.events[-10:]):
        add(classify_event(event))
    proof = UserProof(login=login, user_id=user_id)
    try:
        app_user = await ctx.okta.get_app_user(app_id, user_id)
    except E.OktaError:
        app_user = None
    if app_user is not None:
        proof.okta_status, proof.sync_state = app_user.get("status"), app_user.get("syncState")
        proof.external_id = app_user.get("externalId")
        proof.kandji = "found"
    for diagnosis in await diagnose_delivery(ctx, [proof]):
        add(diagnosis)
    if not wait.events and not any(d.fix_step for d in found):
        add(await _profile_push_off(ctx, app_id))
    return found


async def _profile_push_off(ctx: EngineContext, app_id: str) -> Diagnosis:
    """No failure anywhere and nothing arrived: Okta most likely did not push at all."""
    fix = (
        "On the app's Provisioning › To App page enable Update User Attributes and Save (steps 12–14); "
        "on Provisioning › Integration keep Push Profile Updates ticked (step 10.3)."
    )
    try:
        feature = await ctx.okta.get_user_provisioning_feature(app_id)
    except E.OktaError:
        feature = None
    profile = (((feature or {}).get("capabilities") or {}).get("update") or {}).get("profile") or {}
    if profile.get("status") == "DISABLED":
        return Diagnosis(
            "Update User Attributes is off",
            "Okta reports profile updates as disabled for the app.",
            fix,
            "12",
            "Okta",
        )
    try:
        features = (await ctx.okta.get_app(app_id)).get("features")
    except E.OktaError:
        features = None
    if isinstance(features, list) and "PUSH_PROFILE_UPDATES" not in features and features:
        return Diagnosis(
            "Push Profile Updates is off",
            "The app's features do not include PUSH_PROFILE_UPDATES.",
            fix,
            "10.3",
            "Okta",
        )
    return Diagnosis(
        "Okta did not push the change",
        "The System Log shows no failure for this person and Kandji never saw the change: Okta "
        "pushes profile changes only when Update User Attributes is on.",
        fix,
        "12",
        "Okta",
    )
