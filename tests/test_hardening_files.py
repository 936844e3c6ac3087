"""Hostile local files (issue 15 §1): whatever sits in the progress folder, or at a path the
admin names, is never followed, written through, chmod-ed or silently moved. Each case plants
something where the wizard reads or writes, runs the real command, and checks three things:
the run stops (or carries on) with a sentence naming the path, the planted thing and what it
points at are untouched, and no traceback reached the admin.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hardening_support import FIGURES, HOSTILE_FILES, assert_no_traceback
from wizard.commands.exit_codes import Exit
from wizard.state import StateError, StateStore

LOOPBACK = "--allow-insecure-loopback"


def _root() -> Path:
    return Path(os.environ["OKTA_KANDJI_SETUP_STATE_DIR"])


def _stem(demo) -> str:
    return StateStore(_root()).path_for(demo.org.host).name.removesuffix(".json")


def apply(cli, config, *extra: str):
    result = cli("apply", "--config", str(config), "--yes", "--timeout", "0", LOOPBACK, *extra)
    assert_no_traceback(result.out + result.err)
    return result


class Victim:
    """A file of the admin's that a planted link points at: its bytes and mode must survive."""

    def __init__(self, path: Path, text: bytes = b"the admin's own file\n", mode: int = 0o644) -> None:
        self.path = path
        path.write_bytes(text)
        path.chmod(mode)
        self.text, self.mode = text, mode

    def untouched(self) -> bool:
        info = os.stat(self.path)
        return self.path.read_bytes() == self.text and stat.S_IMODE(info.st_mode) == self.mode


def _make_foreign(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `path` another user's file: chown when we may, else make the store see another uid."""
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
        return
    import wizard.state

    judge = wizard.state._judge

    def as_if_foreign(seen: Path, info: os.stat_result) -> None:
        if Path(seen) == path:
            fields = list(info[:10])
            fields[4] = os.geteuid() + 1  # st_uid
            info = os.stat_result(fields)
        judge(seen, info)

    monkeypatch.setattr(wizard.state, "_judge", as_if_foreign)


# -- links planted where a run writes: the run stops naming the path; nothing is written through --

PLANTED = {
    # name of the thing at the path → where it sits relative to the tenant's stem
    "lock file": ".lock",
    "progress file": ".json",
    "call log": ".calls.jsonl",
    "report beside the progress": ".report.md",
}


@pytest.mark.parametrize("what", list(PLANTED))
def test_a_link_planted_in_the_progress_folder_stops_apply_and_is_never_followed(
    what: str, cli, sim_setup, demo_services, tmp_path: Path
) -> None:
    FIGURES.add(HOSTILE_FILES)
    root = _root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    victim = Victim(tmp_path / "victim.txt")
    planted = root / f"{_stem(demo_services)}{PLANTED[what]}"
    planted.symlink_to(victim.path)

    result = apply(cli, sim_setup)

    assert result.code == Exit.FAILED, result.out + result.err
    assert str(planted) in result.err and "symbolic link" in result.err, result.err
    assert "remove it" in result.err
    assert victim.untouched(), f"{what}: the link's target was changed"
    assert planted.is_symlink() and os.readlink(planted) == str(victim.path), "the link was moved or replaced"
    assert not list(root.glob("*.corrupt-*")), "the link was moved aside as if it were a damaged file"


def test_the_call_logs_old_fixed_temp_name_is_no_trap(cli, sim_setup, demo_services, tmp_path) -> None:
    """The call log used to be written to `.<host>.calls.jsonl.tmp` and renamed: a link planted
    at that name got the call log written into its target, and calls.jsonl became that link."""
    FIGURES.add(HOSTILE_FILES)
    root = _root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    victim = Victim(tmp_path / "victim.txt")
    trap = root / f".{_stem(demo_services)}.calls.jsonl.tmp"
    trap.symlink_to(victim.path)

    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9

    log = root / f"{_stem(demo_services)}.calls.jsonl"
    assert victim.untouched()
    assert not log.is_symlink() and stat.S_ISREG(os.lstat(log).st_mode)
    assert stat.S_IMODE(os.lstat(log).st_mode) == 0o600 and b'"method"' in log.read_bytes()


@pytest.mark.parametrize("kind", ["another user's file", "a second name (hard link)"])
def test_a_progress_file_that_is_not_ours_alone_is_refused_not_chmodded_or_moved(
    kind: str, cli, sim_setup, demo_services, tmp_path, monkeypatch
) -> None:
    FIGURES.add(HOSTILE_FILES)
    root = _root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    state = root / f"{_stem(demo_services)}.json"
    if kind == "another user's file":
        state.write_bytes(b"{}")
        state.chmod(0o644)
        _make_foreign(state, monkeypatch)
        expected = "belongs to another user"
        victim = None
    else:
        victim = Victim(tmp_path / "victim.txt")
        os.link(victim.path, state)
        expected = "hard links"

    result = apply(cli, sim_setup)

    assert result.code == Exit.FAILED and str(state) in result.err and expected in result.err, result.err
    assert stat.S_IMODE(os.lstat(state).st_mode) == 0o644, "its mode was changed"
    assert not list(root.glob("*.corrupt-*")), "it was moved aside"
    if victim is not None:
        assert victim.untouched()


def test_status_refuses_a_linked_progress_file_instead_of_moving_it_aside(tmp_path, cli) -> None:
    FIGURES.add(HOSTILE_FILES)
    root = _root()
    root.mkdir(mode=0o700, parents=True)
    victim = Victim(tmp_path / "victim.txt")
    planted = root / "acme.okta.com.json"
    planted.symlink_to(victim.path)

    result = cli("status")

    assert_no_traceback(result.out + result.err)
    assert result.code == Exit.FAILED and str(planted) in result.err, result.err
    assert planted.is_symlink() and victim.untouched()
    assert not list(root.glob("*.corrupt-*"))


def test_a_fifo_where_the_lock_goes_is_refused_without_hanging(tmp_path) -> None:
    FIGURES.add(HOSTILE_FILES)
    root = tmp_path / "state"
    root.mkdir(mode=0o700)
    os.mkfifo(root / "acme.okta.com.lock")
    with pytest.raises(StateError, match="not a regular file"):
        StateStore(root).open("https://acme.okta.com", "acme.okta.com")


# -- a folder open to others: made private, and the admin is told ------------------------------


def test_a_progress_folder_open_to_everyone_is_made_private_and_the_run_says_so(
    cli, sim_setup, demo_services
) -> None:
    FIGURES.add(HOSTILE_FILES)
    root = _root()
    root.mkdir(parents=True)
    root.chmod(0o777)

    result = apply(cli, sim_setup)

    assert result.code == Exit.CONSOLE_STEP_9, result.out + result.err
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert "was open to other users (mode 0777); it is now 0700" in result.out


def test_a_planted_link_in_a_folder_that_was_open_is_refused_after_the_folder_is_fixed(
    cli, sim_setup, demo_services, tmp_path
) -> None:
    FIGURES.add(HOSTILE_FILES)
    root = _root()
    root.mkdir(parents=True)
    root.chmod(0o777)
    victim = Victim(tmp_path / "victim.txt")
    (root / f"{_stem(demo_services)}.lock").symlink_to(victim.path)

    result = apply(cli, sim_setup)

    assert result.code == Exit.FAILED and "symbolic link" in result.err
    assert stat.S_IMODE(root.stat().st_mode) == 0o700 and victim.untouched()


def test_the_start_screen_store_reports_the_folder_fix(tmp_path) -> None:
    """The TUI's start screen lists `store.notices` beside what was moved aside."""
    FIGURES.add(HOSTILE_FILES)
    root = tmp_path / "state"
    root.mkdir()
    root.chmod(0o757)
    store = StateStore(root)
    assert store.list_tenants() == ([], [])
    assert any("mode 0757" in notice for notice in store.notices)


def test_a_cut_short_progress_file_is_reported_by_apply_headless(cli, sim_setup, demo_services) -> None:
    FIGURES.add(HOSTILE_FILES)
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    state = _root() / f"{_stem(demo_services)}.json"
    whole = state.read_bytes()
    state.write_bytes(whole[: len(whole) // 2])

    again = apply(cli, sim_setup)

    (aside,) = _root().glob("*.corrupt-*.json")
    assert "could not be read" in again.out and str(aside) in again.out, again.out


# -- files the admin names: 0600, and a link there is refused ----------------------------------

OutputCommand = Callable[[Path], list[str]]
OUTPUTS: dict[str, OutputCommand] = {
    "report": lambda path: ["report", "--output", str(path)],
    "report --format json": lambda path: ["report", "--format", "json", "--output", str(path)],
    "support-bundle": lambda path: ["support-bundle", "--output", str(path)],
}


@pytest.mark.parametrize("command", list(OUTPUTS))
def test_files_the_admin_names_are_written_0600(command: str, cli, sim_setup, demo_services, tmp_path):
    FIGURES.add(HOSTILE_FILES)
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    target = tmp_path / "out.file"
    result = cli(*OUTPUTS[command](target))
    assert result.code == 0, result.err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("command", list(OUTPUTS))
def test_a_link_at_the_output_path_is_refused_not_written_through(
    command: str, cli, sim_setup, demo_services, tmp_path
) -> None:
    FIGURES.add(HOSTILE_FILES)
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    victim = Victim(tmp_path / "victim.txt")
    link = tmp_path / "out.file"
    link.symlink_to(victim.path)

    result = cli(*OUTPUTS[command](link))

    assert_no_traceback(result.out + result.err)
    assert result.code == Exit.FAILED and str(link) in result.err and "symbolic link" in result.err
    assert victim.untouched() and link.is_symlink()


# -- the TUI says the same: its start screen lists what was moved aside, repaired or refused ------


async def _start_screen_text(root: Path) -> str:
    from textual.widgets import Static

    from screens.app import WizardApp
    from tests.ui_support import settle

    app = WizardApp(store=StateStore(root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = [app.screen.query_one(f"#{name}", Static) for name in ("tenants-empty", "moved-aside")]
        return " ".join(str(widget.render()) for widget in shown)


async def test_the_start_screen_reports_a_file_moved_aside_and_the_folder_fixed(tmp_path) -> None:
    FIGURES.add(HOSTILE_FILES)
    root = tmp_path / "state"
    root.mkdir()
    (root / "acme.okta.com.json").write_bytes(b'{"schema_version": 1, "org_url": "https://acme.ok')
    root.chmod(0o777)

    text = " ".join((await _start_screen_text(root)).split())

    (aside,) = root.glob("acme.okta.com.corrupt-*.json")
    assert "could not be read" in text and aside.name in text, text
    assert "was open to other users (mode 0777); it is now 0700" in text, text


async def test_the_start_screen_names_a_planted_link_instead_of_listing_nothing(tmp_path) -> None:
    FIGURES.add(HOSTILE_FILES)
    root = tmp_path / "state"
    root.mkdir(mode=0o700)
    victim = Victim(tmp_path / "victim.txt")
    (root / "acme.okta.com.json").symlink_to(victim.path)

    text = " ".join((await _start_screen_text(root)).split())

    assert "could not be listed" in text and "symbolic link" in text and "None yet" not in text, text
    assert victim.untouched()


def test_a_link_planted_as_the_demo_folder_is_refused(cli, tmp_path) -> None:
    FIGURES.add(HOSTILE_FILES)
    root = _root()
    root.mkdir(mode=0o700, parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "demo").symlink_to(elsewhere)

    result = cli("apply", "--demo", "--yes")

    assert_no_traceback(result.out + result.err)
    assert result.code == Exit.FAILED and str(root / "demo") in result.err and "symbolic link" in result.err
    assert not list(elsewhere.iterdir()), "the demo's progress was written through the link"


def test_a_link_planted_as_the_saved_doctor_report_is_refused_by_the_bundle(
    cli, sim_setup, demo_services, tmp_path
) -> None:
    FIGURES.add(HOSTILE_FILES)
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    victim = Victim(tmp_path / "victim.txt", b'{"secret": "the admin\'s own file"}\n')
    folder = _root() / "doctor"
    folder.mkdir(mode=0o700)
    (folder / f"{_stem(demo_services)}.json").symlink_to(victim.path)

    result = cli("support-bundle", "--output", str(tmp_path / "bundle.zip"))

    assert_no_traceback(result.out + result.err)
    assert result.code == Exit.FAILED and "symbolic link" in result.err, result.err
    assert not (tmp_path / "bundle.zip").exists() and victim.untouched()


def test_a_progress_file_readable_by_others_is_made_private_and_the_run_says_so(
    cli, sim_setup, demo_services
) -> None:
    FIGURES.add(HOSTILE_FILES)
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    state = _root() / f"{_stem(demo_services)}.json"
    state.chmod(0o644)

    again = apply(cli, sim_setup)

    assert again.code == Exit.CONSOLE_STEP_9
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert f"{state} was readable by other users (mode 0644); it is now 0600" in again.out, again.out


@pytest.mark.parametrize("case", ["JSON nested 200,000 deep", "a real progress file padded to 11 MB"])
def test_a_progress_file_no_wizard_wrote_is_moved_aside_in_one_sentence(
    case: str, cli, sim_setup, demo_services
) -> None:
    FIGURES.add(HOSTILE_FILES)
    assert apply(cli, sim_setup).code == Exit.CONSOLE_STEP_9
    state = _root() / f"{_stem(demo_services)}.json"
    if case.startswith("JSON nested"):
        content = b"[" * 200_000 + b"]" * 200_000
    else:  # still valid JSON: whitespace may follow the document
        content = state.read_bytes() + b" " * (11 * 1024 * 1024)
    state.write_bytes(content)

    listed = cli("status")
    assert_no_traceback(listed.out + listed.err)
    result = apply(cli, sim_setup)

    assert result.code == Exit.CONSOLE_STEP_9, result.out + result.err
    (aside,) = _root().glob("*.corrupt-*.json")
    assert "could not be read" in listed.out + result.out and aside.read_bytes() == content
