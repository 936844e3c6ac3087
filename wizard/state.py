"""Per-tenant progress: what was done, when, and the evidence for it (DESIGN §3).

One JSON document per Okta org in the state dir (0700), each file 0600, written atomically.
A lock file per tenant stops two runs from editing the same setup. A file that cannot be read,
or that a newer version wrote, is moved aside (never overwritten) and reported. No secret is
ever stored: settings that look like a credential are refused, and notes and evidence are
passed through the redactor before they are kept.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wizard import redact

SCHEMA_VERSION = 1
FIRST_STEP = "B.1"
PRODUCT = "okta-kandji-setup"

_FILE_MODE = 0o600
# A progress file is a few KB; one past this is not ours to read whole (it is moved aside).
MAX_STATE_BYTES = 10 * 1024 * 1024
_DIR_MODE = 0o700
_ASIDE_NAME = re.compile(r"\.(?:corrupt|newer)-\d{8}T\d{6}Z(?:-\d+)?\.json$")
_UNSAFE_FILENAME_CHARS = re.compile(r"[^a-z0-9.-]")


class StepStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    NEEDS_CONSOLE = "needs-console"


FINISHED_STATUSES = frozenset({StepStatus.DONE, StepStatus.SKIPPED})


class StepRecord(BaseModel):
    model_config = ConfigDict(validate_assignment=True)

    status: StepStatus = StepStatus.PENDING
    updated_at: datetime | None = None
    note: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)


class SetupSettings(BaseModel):
    """The admin's choices for this tenant. Never secrets: a value that looks like one is
    refused, so a token pasted into the wrong field cannot reach the disk."""

    model_config = ConfigDict(validate_assignment=True)

    kandji_base_url: str | None = None
    app_label: str = "Kandji SCIM App"
    group_name: str = "Kandji Users"
    group_description: str = "Users provisioned to Kandji over SCIM"
    users_already_exist: bool = False
    test_user_login: str | None = None
    auth_method: Literal["api_token", "oauth"] | None = None
    oauth_client_id: str | None = None
    preferred_language: str = "en"
    locale: str = "en_US"
    token_kept_despite_failed_preflight: bool = False
    secrets_memory_only: bool = False

    @field_validator("*", mode="after")
    @classmethod
    def _no_secrets(cls, value: object) -> object:
        if isinstance(value, str) and looks_like_secret(value):
            raise ValueError(
                "this looks like a token or key, which is never saved in the progress file; "
                "secrets belong in the keyring (paste it where the wizard asks for the token)"
            )
        return value


class CanaryChange(BaseModel):
    """A canary change in flight (issue 14): saved before Okta is touched and cleared once the
    old value is back in Okta, so a run cut short puts it back on the next run."""

    user_id: str
    login: str
    attribute: str  # the Okta profile attribute changed
    old_value: str | None
    new_value: str
    started_at: datetime


class DayTwo(BaseModel):
    """After the setup: the canary in flight, the last canary's result, each token rotation."""

    model_config = ConfigDict(validate_assignment=True)

    pending_canary: CanaryChange | None = None
    last_canary: dict[str, Any] | None = None
    rotations: list[dict[str, Any]] = Field(default_factory=list)


class TenantState(BaseModel):
    model_config = ConfigDict(validate_assignment=True)

    schema_version: int = SCHEMA_VERSION
    org_url: str
    org_host: str
    created_at: datetime
    updated_at: datetime
    current_step: str = FIRST_STEP
    steps: dict[str, StepRecord] = Field(default_factory=dict)
    settings: SetupSettings = Field(default_factory=SetupSettings)
    day_two: DayTwo = Field(default_factory=DayTwo)

    def step(self, number: str) -> StepRecord:
        """The record for step `number`, creating a pending one if there is none yet."""
        record = self.steps.get(number)
        if record is None:
            record = StepRecord()
            self.steps[number] = record
        return record


_URL_CREDENTIALS = re.compile(r"://[^/@\s]*:[^/@\s]*@|[?&](?:access_token|token|api_key|apikey)=", re.I)
_OKTA_API_TOKEN = re.compile(r"^00[A-Za-z0-9_-]{38,44}$")  # 42 chars in practice


def looks_like_secret(text: str) -> bool:
    """A cheap guard: a known secret, a credential pattern, an Okta API token's shape, or a URL
    carrying credentials."""
    stripped = text.strip()
    return bool(
        redact.contains_secret(stripped)
        or _OKTA_API_TOKEN.match(stripped)
        or _URL_CREDENTIALS.search(stripped)
    )


@dataclass(frozen=True)
class TenantSummary:
    org_host: str
    org_url: str
    current_step: str
    updated_at: datetime
    done_count: int  # steps done or skipped: both count as finished for progress
    path: Path


@dataclass(frozen=True)
class MovedAside:
    original: Path
    moved_to: Path
    reason: str  # a sentence for the admin


class StateError(Exception):
    """Progress could not be read or saved. `str()` is a sentence for the admin."""


class UnsafeFile(StateError):
    """A file where the wizard keeps (or writes) something is not one it can trust: a link, not a
    regular file, another user's, or one with other names. It was neither followed nor changed."""

    def __init__(self, path: Path, why: str) -> None:
        self.path = path
        super().__init__(
            f"{path} {why}, so okta-kandji-setup did not read, follow or change it. If you did not "
            f"put it there, someone else may have: remove it (or move it out of {path.parent}) and "
            "run again."
        )


class InvalidSettings(StateError, ValueError):
    """A settings change was refused; `str()` says which field and why."""


class StateLocked(StateError):
    """Another run (or another window of this one) has this tenant open."""

    def __init__(self, org_host: str, pid: int, command: str, *, same_process: bool = False) -> None:
        self.org_host = org_host
        self.pid = pid
        self.command = command
        who = f"pid {pid}: {command}" if pid else "a process that did not say who it is"
        if same_process:
            message = (
                f"The setup for {org_host} is already open in this okta-kandji-setup ({who}). "
                "Go back to it instead of opening it twice."
            )
        else:
            message = (
                f"The setup for {org_host} is already open in another okta-kandji-setup ({who}). "
                "Finish or quit that one first (ctrl+q saves and quits); if it is stuck, end "
                f"it{f' (kill {pid})' if pid else ''} and try again."
            )
        super().__init__(message)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def safe_filename(org_host: str) -> str:
    """The file stem for a tenant: the lowercased host with anything unusual (a port's colon,
    slashes, spaces) replaced, so a host can never name a path outside the state dir."""
    stem = _UNSAFE_FILENAME_CHARS.sub("_", org_host.strip().lower()).strip(".")[:200]
    if not stem:
        raise StateError(f"{org_host!r} is not a usable Okta org host for saving progress.")
    return stem


# ---------------------------------------------------------------------------------------------
# Schema migration: each function turns version N into N + 1.


def _migrate_v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """v0, the pre-release layout: `current` instead of `current_step`, a flat
    `statuses: {step: status}` map (with `needs_console` spelled with an underscore), and
    `created` / `updated` timestamps. Kept as the template for real migrations."""
    statuses = data.pop("statuses", {}) or {}
    steps = data.setdefault("steps", {})
    for number, status in statuses.items():
        steps.setdefault(str(number), {})["status"] = str(status).replace("_", "-")
    if "current" in data:
        data["current_step"] = data.pop("current")
    if "created" in data:
        data["created_at"] = data.pop("created")
    if "updated" in data:
        data["updated_at"] = data.pop("updated")
    data.setdefault("updated_at", data.get("created_at"))
    return data


_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _migrate_v0_to_v1}


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a document from an older schema version up to SCHEMA_VERSION."""
    version = data.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError(f"schema_version is {version!r}, not a version number")
    while version < SCHEMA_VERSION:
        data = _MIGRATIONS[version](data)
        version += 1
        data["schema_version"] = version
    return data


class _NewerVersion(Exception):
    def __init__(self, version: int) -> None:
        self.version = version


class _Unreadable(Exception):
    """The file is not a valid state document; `str()` says why in a few words."""


def _parse(raw: bytes, org_host: str | None) -> TenantState:
    if len(raw) > MAX_STATE_BYTES:
        size = MAX_STATE_BYTES // (1024 * 1024)
        raise _Unreadable(f"it is larger than {size} MB, far more than any progress file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Unreadable("it is not text") from None
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"it is not valid JSON ({exc.msg}, line {exc.lineno}), perhaps cut short") from None
    except RecursionError:
        raise _Unreadable("its JSON is nested too deeply to read") from None
    if not isinstance(data, dict):
        raise _Unreadable("it does not hold a progress document")
    version = data.get("schema_version", 0)
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise _NewerVersion(version)
    try:
        state = TenantState.model_validate(_migrate(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        raise _Unreadable(f"{where}: {first['msg']}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _Unreadable(f"it could not be upgraded from an older version ({exc})") from None
    if org_host is not None and safe_filename(state.org_host) != safe_filename(org_host):
        raise _Unreadable(f"it belongs to {state.org_host}, not {org_host}")
    return state


def parse_document(raw: bytes) -> TenantState:
    """A saved document read without touching its file (for read-only commands): an older
    format is migrated in memory. Raises ValueError with a sentence when it cannot be used."""
    try:
        return _parse(raw, None)
    except _NewerVersion as newer:
        raise ValueError(
            f"it was written by a newer okta-kandji-setup (format {newer.version}); upgrade to read it"
        ) from None
    except _Unreadable as exc:
        raise ValueError(str(exc)) from None


# ---------------------------------------------------------------------------------------------
# Files: atomic writes, moving aside, the state dir's permissions.

# Every file the wizard keeps is opened without following a final symlink and without blocking
# on a FIFO, then judged by what was actually opened (fstat), so a name swapped in between the
# check and the open cannot redirect a write.
_SAFE_OPEN = os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
# Names kept beside a tenant's progress file, all judged before a run touches any of them.
COMPANION_SUFFIXES = (".json", ".lock", ".calls.jsonl", ".report.md")


def _uid() -> int:
    return os.geteuid()


def _judge(path: Path, info: os.stat_result) -> None:
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "somewhere"
        raise UnsafeFile(path, f"is a symbolic link (to {target})")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile(path, "is not a regular file")
    if info.st_uid != _uid():
        raise UnsafeFile(path, f"belongs to another user (uid {info.st_uid})")
    if info.st_nlink > 1:
        raise UnsafeFile(
            path, f"has {info.st_nlink} names (hard links), so writing it could change another file"
        )


def check_entry(path: Path) -> os.stat_result | None:
    """What is at `path` without following it: None when nothing is, UnsafeFile unless it is a
    regular file of ours with one name."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    _judge(path, info)
    return info


def open_private(path: Path, flags: int = os.O_RDONLY) -> int:
    """`os.open` that never follows a link at `path` (UnsafeFile instead); new files are 0600."""
    try:
        fd = os.open(path, flags | _SAFE_OPEN, _FILE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            _judge(path, os.lstat(path))  # raises, naming the link's target
        if exc.errno == errno.ENXIO:  # a socket or a FIFO with nobody at the other end
            raise UnsafeFile(path, "is not a regular file") from None
        raise
    try:
        _judge(path, os.fstat(fd))
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_private(path: Path, limit: int | None = None) -> bytes:
    """A file's bytes, refusing links and files that are not ours (FileNotFoundError if absent).
    With `limit`, at most limit + 1 bytes are read: more than `limit` means "too large"."""
    fd = open_private(path)
    with os.fdopen(fd, "rb") as handle:
        return handle.read() if limit is None else handle.read(limit + 1)


def write_private(path: Path, payload: bytes) -> None:
    """Replace `path` atomically with a 0600 file, refusing to replace a link or another's file."""
    check_entry(path)
    _atomic_write(path, payload)


def write_output(path: Path, payload: bytes) -> None:
    """Write a file the admin named (a report, a support bundle): a fresh 0600 temp file beside
    it, then a rename, so an existing link at `path` is never written through; one is refused."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        _judge(path, info)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UnsafeFile(path, "is not a regular file")
    _atomic_write(path, payload)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, payload: bytes) -> None:
    """Write to a temp file in the same dir, fsync it, `os.replace` it over `path`, fsync the
    dir: a crash at any point leaves either the old file or the new one, never a mix."""
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), _FILE_MODE)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_dir(path.parent)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _move_aside(path: Path, kind: Literal["corrupt", "newer"], moment: datetime) -> Path:
    """Rename `path` to `<stem>.<kind>-<timestamp>.json`, picking a free name; never replaces
    an existing file (a hard link fails if the target exists, then the original is dropped)."""
    stem = path.name.removesuffix(".json")
    for attempt in range(1000):
        suffix = f"-{attempt}" if attempt else ""
        target = path.with_name(f"{stem}.{kind}-{_timestamp(moment)}{suffix}.json")
        try:
            os.link(path, target)
        except FileExistsError:
            continue
        except OSError:
            # Filesystems without hard links: check, then rename (fine under our lock).
            if target.exists():
                continue
            os.rename(path, target)
        else:
            os.unlink(path)
        _fsync_dir(path.parent)
        return target
    raise StateError(f"Could not find a free name to move {path} aside; tidy up {path.parent}.")


def _command_line() -> str:
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else PRODUCT
    if program in ("__main__.py", "-c", "-m", ""):
        program = PRODUCT
    # argv never carries secrets by design; redact anyway, it is cheap insurance.
    return redact.redact(" ".join([program, *sys.argv[1:]]))[:200]


@dataclass
class _Lock:
    fd: int
    path: Path


def _read_holder(lock_path: Path) -> tuple[int, str]:
    """The pid and command line the lock's holder wrote; it writes right after locking, so
    wait briefly if the file is still empty."""
    for _ in range(10):
        try:
            text = read_private(lock_path, 4096).decode("utf-8", errors="replace")
        except (OSError, UnsafeFile):
            text = ""
        first, _, rest = text.partition("\n")
        if first.strip().isdigit():
            return int(first.strip()), rest.strip()
        time.sleep(0.02)
    return 0, ""


def _acquire_lock(lock_path: Path, org_host: str) -> _Lock:
    while True:
        fd = open_private(lock_path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid, command = _read_holder(lock_path)
            raise StateLocked(org_host, pid, command, same_process=pid == os.getpid()) from None
        except BaseException:
            os.close(fd)
            raise
        # `forget` unlinks lock files; if ours was unlinked before we locked it, start over.
        try:
            same = os.lstat(lock_path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{_command_line()}\n".encode(), 0)
        return _Lock(fd, lock_path)


def _release_lock(lock: _Lock, *, unlink: bool = False) -> None:
    try:
        if unlink:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock.path)
        else:
            os.ftruncate(lock.fd, 0)
    finally:
        fcntl.flock(lock.fd, fcntl.LOCK_UN)
        os.close(lock.fd)


def _scrub(value: Any) -> Any:
    """Evidence and notes pass through the redactor before they are kept."""
    if isinstance(value, str):
        return redact.redact(value)
    if isinstance(value, dict):
        return {
            str(key): redact.MASK
            if str(key) in redact.SENSITIVE_FIELD_NAMES and isinstance(item, str)
            else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------------


class TenantSession:
    """One open tenant: holds its lock until `close()` (or the end of a `with` block) and saves
    after every change."""

    def __init__(
        self,
        state: TenantState,
        path: Path,
        lock: _Lock,
        clock: Callable[[], datetime],
        moved_aside: MovedAside | None,
    ) -> None:
        self.state = state
        self.path = path
        self.moved_aside = moved_aside
        self._lock = lock
        self._clock = clock
        self._mutex = threading.RLock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def save(self) -> None:
        """Write the state atomically, stamping `updated_at`."""
        with self._mutex:
            if self._closed:
                raise StateError(f"The setup for {self.state.org_host} was already closed; open it again.")
            self.state.updated_at = self._clock()
            payload = self.state.model_dump_json(indent=2).encode("utf-8") + b"\n"
            if redact.contains_secret(payload.decode("utf-8")):
                # Every way in is guarded; this is the last line, so refuse rather than leak.
                raise StateError(
                    "Progress was not saved because it would have contained a secret. "
                    "This is a bug in okta-kandji-setup: please report it (no secret was written)."
                )
            try:
                write_private(self.path, payload)
            except OSError as exc:
                raise StateError(
                    f"Could not save progress to {self.path} ({exc.strerror or exc}). "
                    "Check free disk space and that the folder is writable, then try again."
                ) from None

    def set_status(
        self,
        number: str,
        status: StepStatus,
        *,
        note: str | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> None:
        with self._mutex:
            record = self.state.step(number)
            record.status = StepStatus(status)
            record.updated_at = self._clock()
            if note is not None:
                record.note = redact.redact(note)
            if evidence is not None:
                record.evidence = _scrub(evidence)
            self.save()

    def set_current(self, number: str) -> None:
        with self._mutex:
            self.state.current_step = number
            self.save()

    def update_day_two(self, **changes: Any) -> None:
        """Set fields of the day-two record (canary, rotations) and save; values are scrubbed."""
        with self._mutex:
            for name, value in changes.items():
                setattr(self.state.day_two, name, _scrub(value) if isinstance(value, dict | list) else value)
            self.save()

    def update_settings(self, **changes: Any) -> None:
        """Apply setting changes after validating them all; nothing changes if one is bad."""
        with self._mutex:
            known = SetupSettings.model_fields
            unknown = sorted(name for name in changes if name not in known)
            if unknown:
                raise InvalidSettings(f"Unknown setting(s): {', '.join(unknown)}.")
            try:
                updated = SetupSettings.model_validate({**self.state.settings.model_dump(), **changes})
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(part) for part in first["loc"])
                message = str(first["msg"]).removeprefix("Value error, ")
                raise InvalidSettings(f"The setting {field} was not changed: {message}.") from None
            self.state.settings = updated
            self.save()

    def close(self) -> None:
        """Release the lock. Safe to call twice."""
        with self._mutex:
            if not self._closed:
                self._closed = True
                _release_lock(self._lock)

    def __enter__(self) -> TenantSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class StateStore:
    def __init__(
        self,
        root: Path | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        root_may_be_link: bool = True,
    ) -> None:
        if root is None:
            from wizard.paths import state_dir

            root = state_dir()
        self.root = Path(root)
        self._clock = clock
        # The admin's own state folder may be a link they made; a folder the wizard makes inside
        # it (the demo's) never is, so a link there was planted.
        self._root_may_be_link = root_may_be_link
        # Repairs made on the way (a folder or file open to others made private), for the admin:
        # the commands print them and the start screen shows them.
        self.notices: list[str] = []

    # -- paths -----------------------------------------------------------------------------

    def path_for(self, org_host: str) -> Path:
        return self.root / f"{safe_filename(org_host)}.json"

    def _lock_path(self, org_host: str) -> Path:
        return self.root / f"{safe_filename(org_host)}.lock"

    def _ensure_root(self) -> None:
        try:
            # Missing parents are made private too (mkdir's mode only reaches the last one).
            for folder in [*reversed(self.root.parents), self.root]:
                if not folder.exists():
                    folder.mkdir(mode=_DIR_MODE, exist_ok=True)
            link = os.lstat(self.root)
            info = os.stat(self.root)
        except OSError as exc:
            raise StateError(
                f"Could not prepare the progress folder {self.root} ({exc.strerror or exc}). "
                "Check that it is yours and writable, or set OKTA_KANDJI_SETUP_STATE_DIR to "
                "another folder."
            ) from None
        # The folder may be a link the admin made (say, into a synced folder); one made by someone
        # else, or a folder that is not ours, is refused rather than used.
        for what, seen in (("is a link made by another user", link), ("belongs to another user", info)):
            if seen.st_uid != _uid():
                raise StateError(
                    f"The progress folder {self.root} {what} (uid {seen.st_uid}), so nothing was "
                    "read or written there. Use a folder of your own: remove it, or set "
                    "OKTA_KANDJI_SETUP_STATE_DIR to another folder."
                )
        if stat.S_ISLNK(link.st_mode) and not self._root_may_be_link:
            raise UnsafeFile(self.root, f"is a symbolic link (to {os.readlink(self.root)})")
        if not stat.S_ISDIR(info.st_mode):
            raise StateError(
                f"The progress folder {self.root} is not a folder. Move it away, or set "
                "OKTA_KANDJI_SETUP_STATE_DIR to another folder."
            )
        if info.st_mode & 0o077:
            try:
                os.chmod(self.root, _DIR_MODE)
            except OSError as exc:
                raise StateError(
                    f"The progress folder {self.root} is open to other users (mode "
                    f"{stat.S_IMODE(info.st_mode):04o}) and could not be made private "
                    f"({exc.strerror or exc}). Run `chmod 700 {self.root}` and try again."
                ) from None
            self._notice(
                f"The progress folder {self.root} was open to other users (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); it is now 0700. Files in it are checked before "
                "use: a link or another user's file stops the run rather than being followed."
            )

    def _notice(self, text: str) -> None:
        if text not in self.notices:
            self.notices.append(text)

    def check_companions(self, org_host: str) -> None:
        """Refuse to start while a planted link or another user's file sits where this tenant's
        progress, lock, call log or report would be read or written."""
        stem = safe_filename(org_host)
        for suffix in COMPANION_SUFFIXES:
            check_entry(self.root / f"{stem}{suffix}")

    # -- reading ---------------------------------------------------------------------------

    def _load(self, path: Path, org_host: str | None) -> tuple[TenantState | None, MovedAside | None]:
        """Read a state file; move it aside if it cannot be used. The caller holds the lock."""
        try:
            fd = open_private(path)
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            raise StateError(
                f"Could not read {path} ({exc.strerror or exc}). Check its permissions."
            ) from None
        with os.fdopen(fd, "rb") as handle:
            mode = stat.S_IMODE(os.fstat(fd).st_mode)
            if mode & 0o077:
                # Judged above: our own regular file, so making it private changes nothing else.
                with contextlib.suppress(OSError):
                    os.fchmod(fd, _FILE_MODE)
                    self._notice(f"{path} was readable by other users (mode {mode:04o}); it is now 0600.")
            try:
                raw = handle.read(MAX_STATE_BYTES + 1)
            except OSError as exc:
                raise StateError(
                    f"Could not read {path} ({exc.strerror or exc}). Check its permissions."
                ) from None
        host = org_host or path.name.removesuffix(".json")
        try:
            return _parse(raw, org_host), None
        except _NewerVersion as newer:
            target = _move_aside(path, "newer", self._clock())
            reason = (
                f"The saved progress for {host} was written by a newer okta-kandji-setup "
                f"(format {newer.version}; this version reads up to {SCHEMA_VERSION}). It was "
                f"moved to {target} so this version cannot damage it; upgrade okta-kandji-setup "
                "to continue that setup."
            )
        except _Unreadable as why:
            target = _move_aside(path, "corrupt", self._clock())
            reason = (
                f"The saved progress for {host} could not be read: {why}. It was moved to "
                f"{target} (nothing was deleted)."
            )
        return None, MovedAside(original=path, moved_to=target, reason=reason)

    def list_tenants(self) -> tuple[list[TenantSummary], list[MovedAside]]:
        """Every saved setup, most recently changed first, plus any file that could not be read
        (moved aside and reported). A file another run has open is listed, not touched."""
        if not self.root.is_dir():
            return [], []
        self._ensure_root()
        summaries: list[TenantSummary] = []
        moved: list[MovedAside] = []
        for path in sorted(self.root.glob("*.json")):
            if path.name.startswith(".") or _ASIDE_NAME.search(path.name):
                continue
            try:
                state = _parse(read_private(path, MAX_STATE_BYTES), None)
            except FileNotFoundError:
                continue
            except (_Unreadable, _NewerVersion, OSError):
                state = self._move_aside_if_free(path, moved)
            if state is not None:
                done = sum(1 for record in state.steps.values() if record.status in FINISHED_STATUSES)
                summaries.append(
                    TenantSummary(
                        org_host=state.org_host,
                        org_url=state.org_url,
                        current_step=state.current_step,
                        updated_at=state.updated_at,
                        done_count=done,
                        path=path,
                    )
                )
        summaries.sort(key=lambda summary: summary.org_host)
        summaries.sort(key=lambda summary: summary.updated_at, reverse=True)
        return summaries, moved

    def _move_aside_if_free(self, path: Path, moved: list[MovedAside]) -> TenantState | None:
        stem = path.name.removesuffix(".json")
        try:
            lock = _acquire_lock(self.root / f"{stem}.lock", stem)
        except StateLocked:
            return None  # the run that has it open will deal with it
        try:
            state, aside = self._load(path, None)  # re-read under the lock
        finally:
            _release_lock(lock)
        if aside is not None:
            moved.append(aside)
        return state

    # -- opening and forgetting ------------------------------------------------------------

    def open(self, org_url: str, org_host: str) -> TenantSession:
        """Lock the tenant and load its progress, or start it fresh (saved at once)."""
        self._ensure_root()
        self.check_companions(org_host)
        path = self.path_for(org_host)
        lock = _acquire_lock(self._lock_path(org_host), org_host)
        try:
            state, aside = self._load(path, org_host)
            fresh = state is None
            if state is None:
                now = self._clock()
                state = TenantState(org_url=org_url, org_host=org_host, created_at=now, updated_at=now)
            session = TenantSession(state, path, lock, self._clock, aside)
            if fresh:
                session.save()
        except BaseException:
            _release_lock(lock)
            raise
        return session

    def delete(self, org_host: str) -> bool:
        """Forget a tenant: its progress file, its report, any files moved aside for it and its
        lock file.
        Raises StateLocked while another run has it open. True if anything was removed."""
        if not self.root.is_dir():
            return False
        stem = safe_filename(org_host)
        lock = _acquire_lock(self._lock_path(org_host), org_host)
        removed = False
        try:
            for path in [self.root / f"{stem}.json", *self.root.glob(f"{glob_escape(stem)}.*-*.json")]:
                aside = _ASIDE_NAME.search(path.name)
                if path.name == f"{stem}.json" or (aside and path.name[: aside.start()] == stem):
                    try:
                        path.unlink()
                    except FileNotFoundError:
                        continue
                    removed = True
            report = self.root / f"{stem}.report.md"  # written beside the state by wizard.report
            if report.exists():
                report.unlink()
                removed = True
            _fsync_dir(self.root)
        finally:
            _release_lock(lock, unlink=True)
        return removed


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
