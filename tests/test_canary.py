"""The canary (issue 14) on the real demo services with fake time: delivery times both ways, the
attribute read from the profile mapping (or the default, said so), failures diagnosed from the
System Log, a timeout when Okta never pushes, and a canary cut short put back on the next run."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tests.engine_support import engine_context, run_until
from wizard.canary import restore_pending, run_canary
from wizard.demo.services import DemoServices
from wizard.engine import recorded
from wizard.okta.auth import ApiTokenAuth
from wizard.okta.client import OktaClient
from wizard.okta_simulator import ManualClock

# The canary polls at 0, 1, 2.5, 4.75, 8.125 s (growing by 1.5×): a 5 s push lands at 8.125 s.
PUSH_DELAY = 5.0
SEEN_AT = 1 + 1.5 + 2.25 + 3.375


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def demo(clock: ManualClock):
    with DemoServices(clock=clock) as services:
        yield services


@pytest.fixture
async def ctx(demo: DemoServices, clock: ManualClock):
    async with engine_context(demo, clock) as context:
        await run_until(context, demo)  # the whole setup, step 24 proved
        demo.okta_simulator.set_push_delay(PUSH_DELAY)
        yield context


def kandji_user(demo: DemoServices) -> dict:
    (user,) = [u for u in demo.scim.users() if u["userName"] == demo.test_person.login]
    return user


def okta_profile(demo: DemoServices) -> dict:
    tenant = demo.okta_simulator.tenant
    with tenant.lock:
        return dict(tenant.user_by_id_or_login(demo.test_person.login)["profile"])


async def test_round_trip_reports_both_delivery_times(ctx, demo) -> None:
    report = await run_canary(ctx, timeout=60)

    assert report.ok, report.lines()
    assert report.out_seconds == pytest.approx(SEEN_AT)
    assert report.back_seconds == pytest.approx(SEEN_AT)
    assert report.login == demo.test_person.login and report.attribute == "title"
    assert report.attribute_source.startswith("title, which the app's profile mapping (prm")
    assert report.new_value and report.new_value.startswith("Canary ") and report.old_value is None
    assert "Delivered: Okta → Kandji in 8.1 s (change) and 8.1 s (restore)" in report.message
    # The change really travelled: Okta pushed PUTs carrying it, and both sides are as before.
    puts = [r for r in demo.scim.requests if r.method == "PUT"]
    assert len(puts) == 2
    assert "title" not in kandji_user(demo) and "title" not in okta_profile(demo)
    day_two = ctx.session.state.day_two
    assert day_two.pending_canary is None
    assert day_two.last_canary["ok"] and day_two.last_canary["change_seconds"] == pytest.approx(SEEN_AT)
    text = "\n".join(report.lines())
    assert "Okta → Kandji, change:  arrived after 8.1 s" in text
    assert "Okta → Kandji, restore: arrived after 8.1 s" in text


async def test_an_existing_value_comes_back(ctx, demo) -> None:
    tenant = demo.okta_simulator.tenant
    with tenant.lock:
        tenant.user_by_id_or_login(demo.test_person.login)["profile"]["title"] = "Engineer"
    report = await run_canary(ctx, timeout=60)
    assert report.ok and report.old_value == "Engineer"
    assert kandji_user(demo)["title"] == "Engineer" and okta_profile(demo)["title"] == "Engineer"


async def test_without_mapping_rights_the_default_attribute_is_used_and_named(ctx, demo, clock) -> None:
    scopes = {"okta.users.read", "okta.users.manage", "okta.apps.read", "okta.groups.read", "okta.logs.read"}
    limited = demo.okta_simulator.create_api_token(scopes=scopes)
    async with OktaClient(ctx.org, ApiTokenAuth(SecretStr(limited)), sleep=clock.sleep) as okta:
        ctx.okta = okta
        report = await run_canary(ctx, timeout=60)
    assert report.ok, report.lines()
    assert report.attribute == "title"
    assert "default-mapped attribute" in report.attribute_source
    assert "okta.profileMappings.read" in report.attribute_source


async def test_a_mapping_without_a_harmless_pushed_attribute_is_a_finding(ctx, demo) -> None:
    app_id = recorded(ctx, "create-app", "app_id")
    demo.okta_simulator.set_profile_mapping(
        app_id, {"title": {"expression": "user.title", "pushStatus": "DONT_PUSH"}}
    )
    report = await run_canary(ctx, timeout=60)
    assert not report.ok and report.new_value is None  # nothing was changed
    assert "pushes neither title or nickName" in report.message
    assert demo.okta_simulator.tenant.users  # sanity
    assert "title" not in okta_profile(demo)


async def test_a_rejected_push_stops_the_wait_and_is_diagnosed_from_the_system_log(ctx, demo) -> None:
    app_id = recorded(ctx, "create-app", "app_id")
    demo.console.replace_bearer_token(app_id, "an-old-rotated-token")  # Okta holds a dead token
    report = await run_canary(ctx, timeout=600)

    assert not report.ok and report.out_seconds is None and not report.timed_out
    first = report.diagnoses[0]
    assert first.source == "System Log" and first.fix_step == "10.5" and report.fix_step == "10.5"
    assert first.event_type == "application.provision.user.push_profile"
    assert "Unauthorized. Errors reported by remote server" in first.detail
    assert report.restored_in_okta and "title" not in okta_profile(demo)
    assert ctx.session.state.day_two.pending_canary is None


async def test_a_change_okta_never_pushes_times_out_and_names_update_user_attributes(
    ctx, demo, clock
) -> None:
    app_id = recorded(ctx, "create-app", "app_id")
    demo.okta_simulator.set_to_app(app_id, update=False)  # Update User Attributes off
    started = clock()
    report = await run_canary(ctx, timeout=90)

    assert not report.ok and report.timed_out and report.out_seconds is None
    assert clock() - started >= 90  # it waited the whole (fake) timeout
    assert any(d.title == "Update User Attributes is off" and d.fix_step == "12" for d in report.diagnoses)
    assert "did not arrive before the timeout" in "\n".join(report.lines())
    assert report.restored_in_okta and "title" not in okta_profile(demo)


async def test_a_canary_cut_short_is_put_back_on_the_next_run(demo, clock, monkeypatch) -> None:
    import wizard.canary.run as run_module

    async def crash(*_args, **_kwargs):
        raise KeyboardInterrupt  # the admin pressed ctrl+c, or the process died, mid-canary

    async with engine_context(demo, clock) as ctx:
        await run_until(ctx, demo)
        with monkeypatch.context() as patch:
            patch.setattr(run_module, "_await_value", crash)
            with pytest.raises(KeyboardInterrupt):
                await run_canary(ctx, timeout=60)
        changed = okta_profile(demo)["title"]
        assert changed.startswith("Canary ")
    # The progress file on disk names the change, so a new run (a new session) can undo it.
    saved = demo.state.path_for(demo.org.host).read_text()
    assert '"pending_canary"' in saved and changed in saved

    async with engine_context(demo, clock) as again:
        assert again.session.state.day_two.pending_canary is not None
        done = await restore_pending(again)
        assert done and "put back to (empty)" in done
        assert "title" not in okta_profile(demo)
        assert again.session.state.day_two.pending_canary is None
        assert await restore_pending(again) is None  # nothing left to do


async def test_a_value_changed_since_the_crash_is_left_alone(demo, clock, monkeypatch) -> None:
    import wizard.canary.run as run_module

    async def crash(*_args, **_kwargs):
        raise KeyboardInterrupt

    async with engine_context(demo, clock) as ctx:
        await run_until(ctx, demo)
        monkeypatch.setattr(run_module, "_await_value", crash)
        with pytest.raises(KeyboardInterrupt):
            await run_canary(ctx, timeout=60)
        monkeypatch.undo()
        await ctx.okta.update_user_profile(
            demo.okta_simulator.tenant.user_by_id_or_login(demo.test_person.login)["id"], {"title": "CTO"}
        )
        demo.okta_simulator.settle()
        report = await run_canary(ctx, timeout=60)  # the next run starts by looking at it
    assert report.recovered and "changed since (now 'CTO')" in report.recovered
    assert report.ok and report.old_value == "CTO" and okta_profile(demo)["title"] == "CTO"


async def test_a_real_person_is_changed_only_after_confirmation(ctx, demo, clock) -> None:
    other = demo.seeded_logins[1]
    group_id = recorded(ctx, "group", "group_id")
    user_id = (await ctx.okta.find_user(other))["id"]
    await ctx.okta.add_user_to_group(group_id, user_id)
    clock.advance(PUSH_DELAY)
    demo.okta_simulator.settle()
    asked: list[str] = []

    async def refuse(question: str) -> bool:
        asked.append(question)
        return False

    report = await run_canary(ctx, login=other, timeout=60, confirm=refuse)
    assert report.cancelled and not report.ok and asked and "real person" in asked[0]
    assert not any(r.method == "PUT" and user_id in r.path for r in demo.scim.requests)

    async def accept(question: str) -> bool:
        return True

    report = await run_canary(ctx, login=other, timeout=60, confirm=accept)
    assert report.ok and report.login == other
