"""The per-tenant state store: round trips, atomic writes, permissions, corrupt and newer files,
migration, listing and forgetting. Locking across processes is in test_state_lock.py."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wizard import state as state_module
from wizard.state import (
    SCHEMA_VERSION,
    InvalidSettings,
    MovedAside,
    StateError,
    StateLocked,
    StateStore,
    StepStatus,
    TenantState,
    _migrate,
    safe_filename,
)

HOST = "acme.okta.com"
URL = "https://acme.okta.com"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 60) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def store(root: Path, clock: FakeClock) -> StateStore:
    return StateStore(root, clock=clock)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_doc(root: Path, host: str, data: object | bytes) -> Path:
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = root / f"{safe_filename(host)}.json"
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return path


def valid_doc(host: str = HOST, **extra: object) -> dict[str, object]:
    return {
        "schema_version": SCHEMA_VERSION,
        "org_url": f"https://{host}",
        "org_host": host,
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-02T00:00:00Z",
        "current_step": "10.4",
        "steps": {"B.1": {"status": "done"}},
        **extra,
    }


# -- round trip ------------------------------------------------------------------------------


def test_new_tenant_is_saved_at_once_and_round_trips(store: StateStore, clock: FakeClock) -> None:
    with store.open(URL, HOST) as session:
        assert session.moved_aside is None
        assert session.path == store.root / "acme.okta.com.json"
        assert session.path.exists()
        assert session.state.current_step == "B.1"
        assert session.state.created_at == clock.now

        clock.advance()
        session.set_status("B.1", StepStatus.DONE, note="pasted by admin", evidence={"url": "https://x"})
        session.set_status("17", StepStatus.SKIPPED)
        session.set_current("10.4")
        session.update_settings(group_name="Mac Users", users_already_exist=True, auth_method="oauth")

    with store.open(URL, HOST) as again:
        loaded = again.state
    assert loaded.current_step == "10.4"
    assert loaded.steps["B.1"].status is StepStatus.DONE
    assert loaded.steps["B.1"].note == "pasted by admin"
    assert loaded.steps["B.1"].evidence == {"url": "https://x"}
    assert loaded.steps["B.1"].updated_at == clock.now
    assert loaded.steps["17"].status is StepStatus.SKIPPED
    assert loaded.settings.group_name == "Mac Users"
    assert loaded.settings.users_already_exist is True
    assert loaded.settings.auth_method == "oauth"
    assert loaded.schema_version == SCHEMA_VERSION


def test_save_stamps_updated_at_from_the_clock(store: StateStore, clock: FakeClock) -> None:
    with store.open(URL, HOST) as session:
        later = clock.advance(3600)
        session.set_current("2")
        assert session.state.updated_at == later
        on_disk = json.loads(session.path.read_text())
        assert datetime.fromisoformat(on_disk["updated_at"]) == later


def test_step_creates_a_pending_record_once() -> None:
    now = datetime.now(UTC)
    state = TenantState(org_url=URL, org_host=HOST, created_at=now, updated_at=now)
    record = state.step("10.2")
    assert record.status is StepStatus.PENDING
    assert state.step("10.2") is record
    assert list(state.steps) == ["10.2"]


def test_set_status_replaces_evidence_and_keeps_note_when_not_given(store: StateStore) -> None:
    with store.open(URL, HOST) as session:
        session.set_status("8", StepStatus.FAILED, note="first", evidence={"a": 1})
        session.set_status("8", StepStatus.DONE, evidence={"app_id": "0oa1"})
        record = session.state.steps["8"]
        assert record.note == "first"
        assert record.evidence == {"app_id": "0oa1"}
        assert record.status is StepStatus.DONE


def test_bad_settings_are_refused_and_nothing_changes(store: StateStore) -> None:
    with store.open(URL, HOST) as session:
        before = session.path.read_bytes()
        with pytest.raises(InvalidSettings, match="auth_method"):
            session.update_settings(group_name="changed", auth_method="password")
        with pytest.raises(InvalidSettings, match="Unknown setting"):
            session.update_settings(kandji_token="x")
        assert session.state.settings.group_name == "Kandji Users"
        assert session.path.read_bytes() == before


def test_closed_session_refuses_to_save_and_close_is_idempotent(store: StateStore) -> None:
    session = store.open(URL, HOST)
    session.close()
    session.close()
    assert session.closed
    with pytest.raises(StateError, match="closed"):
        session.save()


def test_safe_filename_keeps_hosts_inside_the_state_dir() -> None:
    assert safe_filename("Acme.Okta.com") == "acme.okta.com"
    assert safe_filename("127.0.0.1:8080") == "127.0.0.1_8080"
    assert "/" not in safe_filename("../../etc/passwd")
    assert not safe_filename("../x").startswith(".")
    with pytest.raises(StateError):
        safe_filename(" .. ")


def test_loopback_host_with_port(store: StateStore) -> None:
    with store.open("http://127.0.0.1:8080", "127.0.0.1:8080") as session:
        assert session.path.name == "127.0.0.1_8080.json"
    summaries, _ = store.list_tenants()
    assert [s.org_host for s in summaries] == ["127.0.0.1:8080"]


# -- atomic writes ---------------------------------------------------------------------------


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp"))


def test_saves_go_through_os_replace_from_the_same_dir(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    synced_dirs: list[Path] = []
    real_replace = os.replace
    real_fsync_dir = state_module._fsync_dir

    def spy_replace(src: str, dst: str) -> None:
        calls.append((str(src), str(dst)))
        real_replace(src, dst)

    def spy_fsync_dir(directory: Path) -> None:
        synced_dirs.append(Path(directory))
        real_fsync_dir(directory)

    monkeypatch.setattr(state_module.os, "replace", spy_replace)
    monkeypatch.setattr(state_module, "_fsync_dir", spy_fsync_dir)
    with store.open(URL, HOST) as session:
        session.set_current("5")
    assert len(calls) == 2
    for src, dst in calls:
        assert Path(src).parent == Path(dst).parent == store.root
        assert Path(dst).name == "acme.okta.com.json"
    assert store.root in synced_dirs
    assert leftovers(store.root) == []


def test_crash_during_replace_leaves_the_old_file_intact(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.open(URL, HOST) as session:
        session.set_current("9")
        before = session.path.read_bytes()

        def crash(src: str, dst: str) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(state_module.os, "replace", crash)
        with pytest.raises(StateError, match="No space left on device") as caught:
            session.set_current("10.1")
        assert "Traceback" not in str(caught.value)
        assert session.path.read_bytes() == before
        assert leftovers(store.root) == []
    monkeypatch.undo()
    with store.open(URL, HOST) as again:
        assert again.state.current_step == "9"


def test_crash_while_writing_the_temp_file_leaves_no_temp_file(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.open(URL, HOST) as session:
        before = session.path.read_bytes()

        def failing_fsync(fd: int) -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(state_module.os, "fsync", failing_fsync)
        with pytest.raises(StateError):
            session.set_current("3")
        monkeypatch.undo()
        assert session.path.read_bytes() == before
        assert leftovers(store.root) == []


# -- permissions -----------------------------------------------------------------------------


def test_dir_is_0700_and_file_is_0600(store: StateStore) -> None:
    with store.open(URL, HOST) as session:
        assert mode(store.root) == 0o700
        assert mode(session.path) == 0o600
        session.set_current("2")
        assert mode(session.path) == 0o600


def test_loose_dir_and_file_are_tightened(root: Path, clock: FakeClock) -> None:
    path = write_doc(root, HOST, valid_doc())
    os.chmod(root, 0o755)
    os.chmod(path, 0o644)
    with StateStore(root, clock=clock).open(URL, HOST) as session:
        assert mode(root) == 0o700
        assert mode(session.path) == 0o600


def test_listing_tightens_a_loose_dir(root: Path, clock: FakeClock) -> None:
    write_doc(root, HOST, valid_doc())
    os.chmod(root, 0o755)
    StateStore(root, clock=clock).list_tenants()
    assert mode(root) == 0o700


def test_default_root_is_the_state_dir_from_paths(tmp_path: Path) -> None:
    # conftest points OKTA_KANDJI_SETUP_STATE_DIR at tmp_path / "state"
    assert StateStore().root == tmp_path / "state"


# -- unreadable and newer files --------------------------------------------------------------

VALID_BYTES = json.dumps(valid_doc(), indent=2).encode()
BAD_FILES = {
    "bad-json": b"{not json",
    "truncated": VALID_BYTES[: len(VALID_BYTES) // 2],
    "empty": b"",
    "not-an-object": b"[1, 2, 3]",
    "binary": b"\xff\xfe\x00garbage",
    "wrong-shape": json.dumps(valid_doc(steps="everything")).encode(),
    "missing-field": json.dumps({k: v for k, v in valid_doc().items() if k != "org_host"}).encode(),
    "bad-status": json.dumps(valid_doc(steps={"1": {"status": "finished"}})).encode(),
    "bad-version": json.dumps(valid_doc(schema_version="one")).encode(),
    "other-tenant": json.dumps(valid_doc(host="other.okta.com")).encode(),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_unreadable_file_is_moved_aside_and_a_fresh_setup_starts(
    kind: str, root: Path, clock: FakeClock
) -> None:
    raw = BAD_FILES[kind]
    path = write_doc(root, HOST, raw)
    with StateStore(root, clock=clock).open(URL, HOST) as session:
        aside = session.moved_aside
        assert isinstance(aside, MovedAside)
        assert aside.original == path
        assert aside.moved_to.name == "acme.okta.com.corrupt-20250301T120000Z.json"
        assert aside.moved_to.read_bytes() == raw
        assert "could not be read" in aside.reason
        assert str(aside.moved_to) in aside.reason
        assert session.state.current_step == "B.1"
        assert session.state.steps == {}
    assert json.loads(path.read_text())["org_host"] == HOST


def test_moving_aside_never_overwrites_an_earlier_file(root: Path, clock: FakeClock) -> None:
    earlier = root / "acme.okta.com.corrupt-20250301T120000Z.json"
    write_doc(root, HOST, b"first broken")
    earlier.write_bytes(b"kept from before")
    with StateStore(root, clock=clock).open(URL, HOST) as session:
        assert session.moved_aside is not None
        assert session.moved_aside.moved_to.name == "acme.okta.com.corrupt-20250301T120000Z-1.json"
        assert session.moved_aside.moved_to.read_bytes() == b"first broken"
    assert earlier.read_bytes() == b"kept from before"


def test_a_newer_version_is_moved_aside_with_upgrade_advice(root: Path, clock: FakeClock) -> None:
    raw = json.dumps(valid_doc(schema_version=SCHEMA_VERSION + 1, future_field=True)).encode()
    write_doc(root, HOST, raw)
    with StateStore(root, clock=clock).open(URL, HOST) as session:
        aside = session.moved_aside
        assert aside is not None
        assert aside.moved_to.name == "acme.okta.com.newer-20250301T120000Z.json"
        assert aside.moved_to.read_bytes() == raw
        assert "newer okta-kandji-setup" in aside.reason
        assert "upgrade" in aside.reason


def test_an_unreadable_file_is_tried_again_by_nobody_else(root: Path, clock: FakeClock) -> None:
    """After moving aside, the aside file is not listed nor moved again."""
    write_doc(root, HOST, b"{")
    store = StateStore(root, clock=clock)
    summaries, moved = store.list_tenants()
    assert summaries == []
    assert len(moved) == 1
    assert store.list_tenants() == ([], [])


# -- migration -------------------------------------------------------------------------------

V0_DOC = {
    "org_url": URL,
    "org_host": HOST,
    "created": "2024-12-01T09:00:00Z",
    "updated": "2024-12-02T10:30:00Z",
    "current": "10.3",
    "statuses": {"B.1": "done", "B.2": "done", "9": "needs_console", "17": "skipped"},
    "settings": {"group_name": "Kandji Users EU"},
}


def test_migrate_turns_a_v0_document_into_the_current_shape() -> None:
    migrated = _migrate(json.loads(json.dumps(V0_DOC)))
    assert migrated["schema_version"] == SCHEMA_VERSION
    state = TenantState.model_validate(migrated)
    assert state.current_step == "10.3"
    assert state.steps["9"].status is StepStatus.NEEDS_CONSOLE
    assert state.steps["17"].status is StepStatus.SKIPPED
    assert state.created_at == datetime(2024, 12, 1, 9, 0, tzinfo=UTC)
    assert state.settings.group_name == "Kandji Users EU"


def test_current_version_passes_through_migrate_unchanged() -> None:
    doc = valid_doc()
    assert _migrate(dict(doc)) == doc


def test_opening_a_v0_file_migrates_it_and_saves_the_new_version(root: Path, clock: FakeClock) -> None:
    path = write_doc(root, HOST, V0_DOC)
    with StateStore(root, clock=clock).open(URL, HOST) as session:
        assert session.moved_aside is None
        assert session.state.current_step == "10.3"
        assert session.state.steps["B.2"].status is StepStatus.DONE
        session.save()
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION


def test_a_negative_version_is_treated_as_unreadable(root: Path, clock: FakeClock) -> None:
    write_doc(root, HOST, valid_doc(schema_version=-3))
    with StateStore(root, clock=clock).open(URL, HOST) as session:
        assert session.moved_aside is not None
        assert "could not be upgraded" in session.moved_aside.reason


# -- listing ---------------------------------------------------------------------------------


def test_list_tenants_newest_first_with_progress(store: StateStore, clock: FakeClock) -> None:
    for host, done in (("old.okta.com", 1), ("newest.okta.com", 3), ("middle.okta.com", 0)):
        clock.advance(60)
        with store.open(f"https://{host}", host) as session:
            for number in ["B.1", "B.2", "1"][:done]:
                session.set_status(number, StepStatus.DONE)
            session.set_status("5", StepStatus.FAILED)
    clock.advance(60)
    with store.open("https://newest.okta.com", "newest.okta.com") as session:
        session.set_status("17", StepStatus.SKIPPED)
    summaries, moved = store.list_tenants()
    assert moved == []
    assert [s.org_host for s in summaries] == ["newest.okta.com", "middle.okta.com", "old.okta.com"]
    assert [s.done_count for s in summaries] == [4, 0, 1]
    assert summaries[0].org_url == "https://newest.okta.com"
    assert summaries[0].updated_at == clock.now
    assert summaries[0].path == store.root / "newest.okta.com.json"


def test_list_tenants_without_a_state_dir_is_empty_and_creates_nothing(store: StateStore) -> None:
    assert store.list_tenants() == ([], [])
    assert not store.root.exists()


def test_list_tenants_reports_and_moves_aside_broken_files(root: Path, clock: FakeClock) -> None:
    write_doc(root, "good.okta.com", valid_doc(host="good.okta.com"))
    broken = write_doc(root, "broken.okta.com", b"\x00\x01")
    newer = write_doc(root, "future.okta.com", valid_doc(host="future.okta.com", schema_version=99))
    (root / "stray.lock").write_text("")
    (root / ".good.okta.com.json.abc.tmp").write_text("half")
    summaries, moved = StateStore(root, clock=clock).list_tenants()
    assert [s.org_host for s in summaries] == ["good.okta.com"]
    assert {m.original for m in moved} == {broken, newer}
    assert not broken.exists() and not newer.exists()
    assert all(m.moved_to.exists() for m in moved)


def test_list_tenants_leaves_a_broken_file_alone_while_its_tenant_is_open(
    store: StateStore, clock: FakeClock
) -> None:
    session = store.open(URL, HOST)
    try:
        session.path.write_bytes(b"{")  # simulate damage while another run holds it
        summaries, moved = store.list_tenants()
        assert summaries == [] and moved == []
        assert session.path.read_bytes() == b"{"
    finally:
        session.close()


# -- forgetting ------------------------------------------------------------------------------


def test_delete_removes_the_file_aside_copies_and_lock(root: Path, clock: FakeClock) -> None:
    store = StateStore(root, clock=clock)
    write_doc(root, HOST, b"broken")
    with store.open(URL, HOST):
        pass
    with store.open("https://acme.okta.com.evil.com", "acme.okta.com.evil.com"):
        pass
    (root / "acme.okta.com.evil.com.corrupt-20250101T000000Z.json").write_text("{}")
    assert store.delete(HOST) is True
    remaining = sorted(p.name for p in root.iterdir())
    assert remaining == [
        "acme.okta.com.evil.com.corrupt-20250101T000000Z.json",
        "acme.okta.com.evil.com.json",
        "acme.okta.com.evil.com.lock",
    ]
    assert store.delete(HOST) is False


def test_delete_refuses_while_the_tenant_is_open(store: StateStore) -> None:
    with store.open(URL, HOST) as session:
        with pytest.raises(StateLocked):
            store.delete(HOST)
        assert session.path.exists()
        session.set_current("2")  # the open session still works
    assert store.delete(HOST) is True


def test_delete_without_a_state_dir(store: StateStore) -> None:
    assert store.delete(HOST) is False


def test_open_after_delete_starts_fresh(store: StateStore) -> None:
    with store.open(URL, HOST) as session:
        session.set_current("24")
    store.delete(HOST)
    with store.open(URL, HOST) as session:
        assert session.state.current_step == "B.1"
