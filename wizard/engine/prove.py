"""Step 24: prove from both sides that the group's members arrived in Kandji, and when they
did not, say why from the System Log and the live configuration (DESIGN §2, §4.2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wizard.engine.console_steps import PROVED
from wizard.engine.context import EngineContext, kandji_token, record_action, recorded, status_of
from wizard.engine.model import Diagnosis, Outcome, Plan, PlannedCall, ProofResult, UserProof
from wizard.kandji.verify import verify_users
from wizard.okta import errors as E
from wizard.state import StepStatus

ACTION = "verify"
FIRST_POLL = 2.0
MAX_POLL = 15.0
BACKOFF = 1.6
DEFAULT_TIMEOUT = 300.0
TOKEN_FIX = (
    "Kandji refused the token Okta sent. Copy the Kandji token again into the Bearer field on the "
    "app's Provisioning › Integration page (step 10.5), Save, and retry. If the token was "
    "rotated in Kandji, store the new one first (step B.2)."
)


def _login(user: dict[str, Any]) -> str:
    return str((user.get("profile") or {}).get("login") or user.get("id"))


def _proof(member: dict[str, Any], app_user: dict[str, Any] | None, previous: UserProof | None) -> UserProof:
    proof = UserProof(login=_login(member), user_id=str(member["id"]))
    if previous is not None:
        proof.kandji, proof.detail = previous.kandji, previous.detail
    if app_user is not None:
        proof.okta_status = app_user.get("status")
        proof.sync_state = app_user.get("syncState")
        proof.external_id = app_user.get("externalId")
    if not proof.okta_done:
        proof.kandji, proof.detail = "unchecked", _okta_detail(proof)
    return proof


def _okta_detail(proof: UserProof) -> str:
    if proof.okta_status is None:
        return "Okta has not assigned the app to this person yet."
    if proof.sync_state == "ERROR":
        return "Okta could not push this person to Kandji."
    if proof.sync_state == "DISABLED":
        return "Okta assigned the app but does not push (To App provisioning is off)."
    return f"Okta: {proof.okta_status}, {proof.sync_state or 'not synced'}."


async def prove(
    ctx: EngineContext,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: Callable[[list[UserProof]], None] | None = None,
) -> ProofResult:
    """Poll until every group member is PROVISIONED + SYNCHRONIZED with an externalId in Okta
    and found by userName in Kandji; stop early on a sync ERROR; diagnose failures."""
    app_id = recorded(ctx, "create-app", "app_id")
    group_id = recorded(ctx, "group", "group_id")
    if not app_id or not group_id:
        missing = Diagnosis(
            "The app or the group is not recorded",
            "Step 24 needs both.",
            "Finish steps 2–8 and 15–16 first.",
            "2" if not app_id else "15",
            "Okta",
        )
        return ProofResult(False, [], "Nothing to prove yet.", [missing])
    try:
        members = await ctx.okta.list_group_users(group_id)
    except E.OktaError as exc:
        return ProofResult(False, [], str(exc), await _diagnose(ctx, app_id, group_id, [], members_error=exc))
    if not members:
        diagnoses = await _diagnose(ctx, app_id, group_id, [])
        return ProofResult(False, [], "The group has no members, so nobody is provisioned.", diagnoses)
    person = _test_person(ctx)
    if person and person.casefold() not in {_login(m).casefold() for m in members}:
        # The person made at 17–18 is the one this proof is about: others arriving is not enough.
        diagnoses = await _diagnose(ctx, app_id, group_id, [])
        return ProofResult(
            False, [], f"The test person {person} is not in the group, so Okta will not push them.", diagnoses
        )
    token = await kandji_token(ctx)
    kandji_checked = token is not None and ctx.kandji_url is not None
    warnings = []
    if not kandji_checked:
        warnings.append(
            "The Kandji token is no longer stored, so Kandji's side was not checked; Okta's "
            "externalId (the id Kandji gave each user) is the evidence."
        )
    started = ctx.clock()
    delay = FIRST_POLL
    proofs: dict[str, UserProof] = {}
    timed_out = False
    while True:
        try:
            with ctx.okta.polling():  # each look asks Okta again
                app_users = {str(u.get("id")): u for u in await ctx.okta.list_app_users(app_id)}
        except E.OktaNotFoundError:
            return ProofResult(
                False,
                list(proofs.values()),
                "The app no longer exists.",
                await _diagnose(ctx, app_id, group_id, []),
            )
        except (E.OktaNetworkError, E.OktaServerError, E.OktaRateLimitError):
            app_users = None  # try again at the next poll
        if app_users is not None:
            proofs = {
                str(m["id"]): _proof(m, app_users.get(str(m["id"])), proofs.get(str(m["id"])))
                for m in members
            }
            if kandji_checked:
                await _check_kandji(
                    ctx, token, [p for p in proofs.values() if p.okta_done and p.kandji != "found"]
                )
            if on_progress is not None:
                on_progress(list(proofs.values()))
            users = list(proofs.values())
            if all(p.done or (p.okta_done and not kandji_checked) for p in users):
                message = f"All {len(users)} of {len(users)} group members are in Kandji."
                return ProofResult(True, users, message, kandji_checked=kandji_checked, warnings=warnings)
            if any(p.sync_state == "ERROR" for p in users):
                break
        if ctx.clock() - started >= timeout:
            timed_out = True
            break
        await ctx.sleep(min(delay, max(0.0, timeout - (ctx.clock() - started))))
        delay = min(delay * BACKOFF, MAX_POLL)
    users = list(proofs.values())
    diagnoses = await _diagnose(ctx, app_id, group_id, users)
    if person and not any(p.done for p in users if p.login.casefold() == person.casefold()):
        message_person = f" The test person {person} is not in Kandji yet."
    else:
        message_person = ""
    done = sum(1 for p in users if p.done)
    why = "stopped waiting" if timed_out else "Okta reported an error"
    message = f"{done} of {len(users)} group members are in Kandji; {why}.{message_person}"
    return ProofResult(False, users, message, diagnoses, timed_out, kandji_checked, warnings)


def _test_person(ctx: EngineContext) -> str | None:
    """The login of the person made (or reused) at 17–18, when the admin did not skip them."""
    if ctx.settings.users_already_exist:
        return None
    return recorded(ctx, "test-user", "login") or None


# -- confirmations settled by delivery -------------------------------------------------------------

CONSOLE_ACTIONS = ("enable-scim", "scim-connection", "test-connector", "to-app")


def unproved_confirmations(
    ctx: EngineContext, *, unreported_only: bool = False
) -> list[tuple[str, list[str]]]:
    """(action, items) the admin confirmed at the console steps and nothing has proved yet.
    With `unreported_only`, only items Okta could have shown and did not (never detected)."""
    found = []
    for action in CONSOLE_ACTIONS:
        items = list(recorded(ctx, action, "confirmed_by_admin") or [])
        said = recorded(ctx, action, "evidence") or {}
        detected = recorded(ctx, action, "detected") or {}
        if unreported_only:
            items = [i for i in items if detected.get(i) is False]
        items = [i for i in items if said.get(i) != PROVED]
        if items:
            found.append((action, items))
    return found


def settle_by_delivery(ctx: EngineContext) -> list[str]:
    """The users arrived: every console item the admin confirmed is now proved by delivery.
    Returns the actions whose evidence changed."""
    changed = []
    for action, items in unproved_confirmations(ctx):
        numbers = [step.number for step in ctx.catalog.steps_of(action)]
        record = ctx.session.state.steps.get(numbers[0])
        if record is None or record.status != StepStatus.DONE:
            continue
        evidence = dict(record.evidence)
        evidence["evidence"] = {**(evidence.get("evidence") or {}), **{i: PROVED for i in items}}
        evidence["proved_by_delivery"] = True
        for number in numbers:
            ctx.session.set_status(number, StepStatus.DONE, evidence=evidence)
        changed.append(action)
    return changed


def confirmation_diagnoses(ctx: EngineContext) -> list[Diagnosis]:
    """For a failed delivery: the console steps the admin confirmed but Okta never showed."""
    diagnoses = []
    for action, items in unproved_confirmations(ctx, unreported_only=True):
        span = ctx.catalog.span(action)
        title = ctx.catalog.actions[action].title
        diagnoses.append(
            Diagnosis(
                f"Steps {span} ({title}) were confirmed by you, but Okta never reported them",
                "Not seen in Okta: " + "; ".join(items) + ".",
                f"Check these first in the Admin Console (step {span}): they are the ones nothing has "
                "proved yet.",
                span.split("–")[0],
                "Okta",
            )
        )
    return diagnoses


async def _check_kandji(ctx: EngineContext, token: Any, pending: list[UserProof]) -> None:
    if not pending or ctx.kandji_url is None:
        return
    results = await verify_users(ctx.kandji_url, token, [p.login for p in pending])
    for proof, result in zip(pending, results, strict=True):
        proof.kandji, proof.detail = result.status, result.detail


# -- diagnosis ----------------------------------------------------------------------------------


# System Log `outcome.result` values (Okta's LogOutcome) that are not a push failure, and what
# each means for the admin. Only FAILURE says Okta tried to push and could not; SUCCESS and
# ALLOW are not problems at all and are left out of the diagnosis.
NOT_A_PROBLEM = frozenset({"SUCCESS", "ALLOW"})
OUTCOME_MEANINGS: dict[str, tuple[str, str]] = {
    "SKIPPED": (
        "Okta skipped an operation (not a push failure)",
        "Okta decided there was nothing to do for this event; if a person is still missing in "
        "Kandji, look at the failures above.",
    ),
    "DENY": (
        "A policy denied an operation (not a push failure)",
        "An Okta policy refused this action; it does not stop provisioning to Kandji unless it "
        "names the app's provisioning.",
    ),
    "CHALLENGE": (
        "Okta asked for more verification (not a push failure)",
        "A sign-on policy challenged someone; provisioning to Kandji does not sign in.",
    ),
    "UNKNOWN": (
        "Okta logged an event without a known outcome",
        "Okta did not record whether this worked; wait for the next event or re-run step 24.",
    ),
    "RATE_LIMIT": (
        "Okta delayed an operation for its rate limit",
        "Okta retries on its own; re-run step 24 in a few minutes.",
    ),
    "DEFERRED": ("Okta deferred an operation", "Okta will retry it later; re-run step 24 in a few minutes."),
    "SCHEDULED": ("Okta scheduled an operation", "It has not run yet; re-run step 24 in a few minutes."),
    "ABANDONED": (
        "Okta gave up an operation it had queued",
        "Retry provisioning from the app's Assignments tab, then re-run step 24.",
    ),
    "UNANSWERED": (
        "An operation was left unanswered",
        "Nobody answered a prompt; it does not concern pushing users to Kandji.",
    ),
}


def event_outcome(event: dict[str, Any]) -> str:
    return str((event.get("outcome") or {}).get("result") or "UNKNOWN").upper()


def classify_event(event: dict[str, Any]) -> Diagnosis | None:
    """Turn one System Log event into a likely cause, fix and the step to go back to. Only a
    FAILURE outcome is read as a push failure; SUCCESS and ALLOW give None, the other outcomes
    are explained for what they are (no step to go back to)."""
    event_type = str(event.get("eventType") or "")
    reason = str((event.get("outcome") or {}).get("reason") or event.get("displayMessage") or "")
    text = f"{event_type} {reason}".lower()
    users = [t for t in event.get("target") or [] if isinstance(t, dict) and t.get("type") == "User"]
    user = str(users[0].get("alternateId")) if users else None

    def make(title: str, fix: str, step: str | None) -> Diagnosis:
        return Diagnosis(
            title, reason or event_type, fix, step, "System Log", event_type, event.get("published"), user
        )

    outcome = event_outcome(event)
    if outcome in NOT_A_PROBLEM:
        return None
    if outcome != "FAILURE":
        title, meaning = OUTCOME_MEANINGS.get(
            outcome,
            (f"Okta logged the outcome {outcome} (not a push failure)", "It is not a failure to push."),
        )
        return make(f"{title}: {outcome}", meaning, None)

    if "authentication" in text or " 401" in text or " 403" in text or "unauthorized" in text:
        return make("Kandji rejected Okta's token", TOKEN_FIX, "10.5")
    if "could not reach" in text or "connect" in text or "timed out" in text or "timeout" in text:
        return make(
            "Okta could not reach the SCIM base URL",
            "Check the SCIM connector base URL on the Provisioning › Integration page (step 10.1): "
            "it must be exactly the URL Kandji shows, ending in /api/v1/scim.",
            "10.1",
        )
    if " 404" in text or "not found" in text:
        return make(
            "The SCIM base URL does not point at Kandji's SCIM endpoint",
            "Paste Kandji's SCIM base URL again (step 10.1); it must end in /api/v1/scim.",
            "10.1",
        )
    if " 409" in text or "uniqueness" in text or "already exists" in text:
        return make(
            "Kandji already has a user with this userName",
            "Remove or rename the existing user in Kandji, or check that the unique identifier is userName "
            "(step 10.2), then let Okta retry.",
            "10.2",
        )
    return make(
        "Okta could not push the user",
        "Read the reason above; re-run the connector test (step 11) and retry provisioning from the "
        "app's Assignments tab.",
        "11",
    )


async def _diagnose(
    ctx: EngineContext,
    app_id: str,
    group_id: str,
    users: list[UserProof],
    *,
    members_error: E.OktaError | None = None,
) -> list[Diagnosis]:
    found: list[Diagnosis] = []

    def add(diagnosis: Diagnosis) -> None:
        if all((d.title, d.user) != (diagnosis.title, diagnosis.user) for d in found):
            found.append(diagnosis)

    okta = ctx.okta
    if members_error is not None:
        transient = isinstance(members_error, E.TRANSIENT_ERRORS)
        add(
            Diagnosis(
                "The group could not be read",
                str(members_error),
                "Run step 24 again." if transient else "Check the group (steps 15–16).",
                None if transient else "15",
                "Okta",
            )
        )
    try:
        app = await okta.get_app(app_id)
    except E.OktaNotFoundError:
        add(
            Diagnosis(
                "The app no longer exists",
                f"Okta has no app {app_id}.",
                "Create it again (step 2).",
                "2",
                "Okta",
            )
        )
        return found
    except E.OktaError as exc:
        add(Diagnosis("Okta could not be asked", str(exc), "Try again.", None, "Okta"))
        return found
    for diagnosis in confirmation_diagnoses(ctx):
        add(diagnosis)  # what nothing has proved comes first
    features = app.get("features") if isinstance(app.get("features"), list) else None
    # An empty list proves nothing (real apps show `[]` whatever is on); it counts only when
    # Okta reported the flag before, reports other features now, or step 9 was never done.
    was_seen = "SCIM_PROVISIONING" in (recorded(ctx, "enable-scim", "features") or [])
    step_9_done = status_of(ctx, "9") in (StepStatus.DONE, StepStatus.SKIPPED)
    telling = was_seen or bool(features) or not step_9_done
    if features is not None and telling and "SCIM_PROVISIONING" not in features:
        add(
            Diagnosis(
                "SCIM provisioning is off for the app",
                "The app's features do not include SCIM_PROVISIONING.",
                "Tick Enable SCIM provisioning on the app's General tab and save (step 9), then redo 10–14.",
                "9",
                "Okta",
            )
        )
    else:
        to_app = await _to_app_off(ctx, app_id, users)
        if to_app:
            add(
                Diagnosis(
                    "To App provisioning is not enabled",
                    to_app,
                    "On Provisioning › To App enable Create Users, Update User Attributes and Deactivate "
                    "Users, and Save (steps 12–14). People already assigned are pushed when you re-assign "
                    "or edit them.",
                    "14",
                    "Okta",
                )
            )
    try:
        assignment = await okta.get_app_group_assignment(app_id, group_id)
    except E.OktaError:
        assignment = {}
    if assignment is None:
        add(
            Diagnosis(
                "The group is not assigned to the app",
                "Okta pushes only the members of groups assigned to the app.",
                "Assign the group again (steps 19–23).",
                "19",
                "Okta",
            )
        )
    try:
        members = await okta.list_group_users(group_id)
    except E.OktaError:
        members = None
    if members is not None:
        member_logins = {_login(m).casefold() for m in members}
        test_login = ctx.settings.test_user_login
        if not members:
            add(
                Diagnosis(
                    "The group has no members",
                    "Only group members are provisioned to Kandji.",
                    "Add the test person or your users to the group (step 18.1).",
                    "18.1",
                    "Okta",
                )
            )
        elif (
            test_login and not ctx.settings.users_already_exist and test_login.casefold() not in member_logins
        ):
            add(
                Diagnosis(
                    "The test person is not in the group",
                    f"{test_login} is not a member of the group.",
                    "Put the person in the group (step 18.1).",
                    "18.1",
                    "Okta",
                    user=test_login,
                )
            )
    try:
        events = await okta.query_provisioning_failures(app_id)
    except E.OktaError as exc:
        events = []
        fix = (
            "Grant okta.logs.read to see why."
            if isinstance(exc, E.OktaPermissionError | E.OktaAuthError)
            else "Run step 24 again to read it."
        )
        add(Diagnosis("The System Log could not be read", str(exc), fix, None, "Okta"))
    # The latest first; failures before the events that are explained but are not failures.
    latest = list(reversed(events[-20:]))
    explained = [d for d in (classify_event(e) for e in latest) if d is not None]
    for diagnosis in sorted(explained, key=lambda d: d.fix_step is None):
        add(diagnosis)
    for proof in users:
        if proof.okta_done and proof.kandji == "missing":
            add(
                Diagnosis(
                    "Okta says provisioned but Kandji has no such user",
                    f"{proof.login}: Okta holds externalId {proof.external_id}, but Kandji finds "
                    "no user with this userName.",
                    "Okta is pushing to a different SCIM URL: paste Kandji's SCIM base URL again "
                    "(step 10.1).",
                    "10.1",
                    "Kandji",
                    user=proof.login,
                )
            )
        elif proof.kandji == "error" and ("401" in proof.detail or "token" in proof.detail.lower()):
            add(
                Diagnosis(
                    "Kandji refused the wizard's stored token",
                    proof.detail,
                    "The token in the keyring is no longer valid (rotated in Kandji?): store the "
                    "current one (step B.2).",
                    "B.2",
                    "Kandji",
                    user=proof.login,
                )
            )
        elif proof.kandji == "inactive":
            add(
                Diagnosis(
                    "The user is deactivated in Kandji",
                    proof.detail,
                    "Reactivate the person in Okta, or check whether they were deactivated on purpose.",
                    None,
                    "Kandji",
                    user=proof.login,
                )
            )
    return found


async def diagnose_delivery(ctx: EngineContext, users: list[UserProof]) -> list[Diagnosis]:
    """Step 24's diagnosis for a delivery that did not arrive (the canary uses it too)."""
    app_id = recorded(ctx, "create-app", "app_id")
    group_id = recorded(ctx, "group", "group_id")
    if not app_id or not group_id:
        return []
    return await _diagnose(ctx, app_id, group_id, users)


async def _to_app_off(ctx: EngineContext, app_id: str, users: list[UserProof]) -> str:
    """A sentence when Okta shows To App create is off, else ''."""
    try:
        feature = await ctx.okta.get_user_provisioning_feature(app_id)
    except E.OktaError:
        feature = None
    if feature is not None:
        caps = feature.get("capabilities") or {}
        create = ((caps.get("create") or {}).get("lifecycleCreate") or {}).get("status")
        if create == "DISABLED":
            return "Okta reports Create Users as disabled."
        return ""
    if users and all(p.sync_state == "DISABLED" for p in users):
        return "Okta assigned the app to the group's members but does not push them."
    return ""


class VerifyEngine:
    key = ACTION

    async def plan(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Plan:
        app_id = recorded(ctx, "create-app", "app_id") or "{appId}"
        group_id = recorded(ctx, "group", "group_id") or "{groupId}"
        return Plan(
            ACTION,
            [
                PlannedCall("GET", f"/api/v1/groups/{group_id}/users", None, "the members to expect"),
                PlannedCall(
                    "GET", f"/api/v1/apps/{app_id}/users", None, "status, syncState, externalId (polled)"
                ),
                PlannedCall(
                    "GET", '<Kandji>/Users?filter=userName eq "<login>"', None, "each member found in Kandji"
                ),
                PlannedCall("GET", f'/api/v1/logs?filter=target.id eq "{app_id}"', None, "on failure: why"),
            ],
            [
                "Sync is one-way and push-based: Okta sends a change when it has one; Kandji has "
                "no 'sync now'."
            ],
        )

    async def apply(self, ctx: EngineContext, inputs: Mapping[str, Any]) -> Outcome:
        on_progress = inputs.get("on_progress")
        result = await prove(
            ctx, timeout=float(inputs.get("timeout", DEFAULT_TIMEOUT)), on_progress=on_progress
        )
        return self._record(ctx, result)

    async def verify(self, ctx: EngineContext) -> Outcome:
        return _outcome(await prove(ctx, timeout=0))

    def _record(self, ctx: EngineContext, result: ProofResult) -> Outcome:
        outcome = _outcome(result)
        if result.ok:
            settled = settle_by_delivery(ctx)
            if settled:
                outcome.evidence["proved_by_delivery"] = [ctx.catalog.span(a) for a in settled]
                outcome.messages.append(
                    "Delivery proves what you confirmed at steps "
                    + ", ".join(ctx.catalog.span(a) for a in settled)
                    + "."
                )
            record_action(ctx, ACTION, StepStatus.DONE, outcome.evidence)
        else:
            record_action(ctx, ACTION, StepStatus.FAILED, outcome.evidence, note=result.message)
        return outcome


def _outcome(result: ProofResult) -> Outcome:
    evidence = {
        "users": {
            p.login: {"okta": p.okta_status, "sync": p.sync_state, "kandji": p.kandji} for p in result.users
        },
        "provisioned": result.provisioned,
        "expected": len(result.users),
        "kandji_checked": result.kandji_checked,
    }
    messages = [result.message] + [f"{d.title}: {d.detail} → {d.fix}" for d in result.diagnoses]
    return Outcome(result.ok, evidence, messages, list(result.warnings), result.fix_step)
