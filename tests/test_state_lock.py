"""One run per tenant: a second process, or a second open in the same process, is refused with
a message naming the holder; the lock goes away on close and when the holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.state import StateError, StateLocked, StateStore

ROOT = Path(__file__).resolve().parents[1]
HOST = "acme.okta.com"
URL = "https://acme.okta.com"

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from wizard.state import StateStore

    session = StateStore(Path(sys.argv[1])).open("https://acme.okta.com", "acme.okta.com")
    print("ready", flush=True)
    sys.stdin.readline()
    session.close()
    print("closed", flush=True)
    sys.stdin.readline()
    """
)


class Holder:
    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(root), "--demo"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.expect("ready")

    def expect(self, word: str) -> None:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if line != word:
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            pytest.fail(f"holder said {line!r}, expected {word!r}; stderr: {err}")

    def send(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Holder]:
    held = Holder(tmp_path / "state")
    yield held
    if held.process.poll() is None:
        held.process.kill()
    held.process.communicate(timeout=10)


@pytest.mark.slow
def test_a_second_process_is_refused_with_the_holders_pid_until_it_closes(
    holder: Holder, tmp_path: Path
) -> None:
    store = StateStore(tmp_path / "state")
    with pytest.raises(StateLocked) as caught:
        store.open(URL, HOST)
    error = caught.value
    assert error.pid == holder.process.pid
    assert f"pid {holder.process.pid}" in str(error)
    assert "--demo" in error.command
    assert "another okta-kandji-setup" in str(error)
    assert "quit that one first" in str(error)
    with pytest.raises(StateLocked):
        store.delete(HOST)

    holder.send()
    holder.expect("closed")
    with store.open(URL, HOST) as session:
        assert session.state.org_host == HOST


@pytest.mark.slow
def test_the_lock_dies_with_its_process(holder: Holder, tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state")
    with pytest.raises(StateLocked):
        store.open(URL, HOST)
    holder.process.send_signal(signal.SIGKILL)
    holder.process.wait(timeout=10)
    with store.open(URL, HOST) as session:
        assert session.moved_aside is None  # the killed run's file is intact


def test_a_second_open_in_the_same_process_is_refused(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state")
    first = store.open(URL, HOST)
    try:
        with pytest.raises(StateLocked) as caught:
            StateStore(tmp_path / "state").open(URL, HOST)
        assert caught.value.pid == os.getpid()
        assert "already open in this okta-kandji-setup" in str(caught.value)
    finally:
        first.close()
    with store.open(URL, HOST):
        pass


def test_other_tenants_are_not_blocked(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state")
    with store.open(URL, HOST), store.open("https://beta.okta.com", "beta.okta.com") as other:
        assert other.state.org_host == "beta.okta.com"


def test_the_lock_file_names_the_holder_and_is_emptied_on_close(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state")
    lock_path = tmp_path / "state" / "acme.okta.com.lock"
    with store.open(URL, HOST):
        pid, _, command = lock_path.read_text().partition("\n")
        assert int(pid) == os.getpid()
        assert command.strip()
    assert lock_path.read_text() == ""


def test_a_failed_open_releases_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = StateStore(tmp_path / "state")

    def broken_write(path: Path, payload: bytes) -> None:
        raise OSError(13, "Permission denied")

    import wizard.state as state_module

    monkeypatch.setattr(state_module, "_atomic_write", broken_write)
    with pytest.raises(StateError, match="Permission denied"):
        store.open(URL, HOST)
    monkeypatch.undo()
    with store.open(URL, HOST):
        pass
