"""Where the headless commands find saved setups, including the demo's.

Real tenants live in the state dir (one `<org host>.json` each, as the TUI keeps them). The
demo's progress is kept apart, in `<state dir>/demo/`, so `status` can show what
`apply --demo` did after its services are gone; the demo's secrets live only in memory and are
never saved. `--tenant demo` names that setup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from wizard.state import MovedAside, StateError, StateStore, TenantState, safe_filename

DEMO_FOLDER = "demo"
DEMO_ALIAS = "demo"


class TenantNotFound(Exception):
    """No saved setup matches; `str()` says which exist."""


class TenantAmbiguous(Exception):
    """Several setups exist and none was named; `str()` lists them."""


@dataclass(frozen=True)
class TenantRef:
    store: StateStore
    host: str
    demo: bool

    @property
    def path(self) -> Path:
        return self.store.path_for(self.host)

    @property
    def label(self) -> str:
        return f"{self.host} (demo)" if self.demo else self.host

    def read(self) -> TenantState:
        """A read-only snapshot of the saved progress (no lock taken, nothing written)."""
        from wizard.state import MAX_STATE_BYTES, parse_document, read_private

        try:
            # Through the store's parser: a file from an older version is migrated, not refused.
            return parse_document(read_private(self.path, MAX_STATE_BYTES))
        except FileNotFoundError:
            raise TenantNotFound(f"No progress is saved for {self.label}.") from None
        except (OSError, ValueError) as exc:
            reason = str(exc) if isinstance(exc, ValueError) else exc.__class__.__name__
            raise StateError(
                f"The saved progress for {self.label} could not be read ({reason}). "
                "Open it once with `okta-kandji-setup` (it is moved aside and reported) or run "
                f"`okta-kandji-setup forget --tenant {self.host}`."
            ) from None


def main_store() -> StateStore:
    return StateStore()


def demo_store() -> StateStore:
    return StateStore(main_store().root / DEMO_FOLDER, root_may_be_link=False)


def normalize_host(text: str) -> str:
    """`https://Acme.okta.com/` → `acme.okta.com`; a bare host is kept (lower case)."""
    raw = text.strip()
    if "://" in raw:
        raw = urlsplit(raw).hostname or raw
    return raw.strip("/").lower()


def scan(notices: list[str] | None = None) -> tuple[list[TenantRef], list[MovedAside]]:
    """Every saved setup: the real ones (most recently changed first), then the demo's; plus
    any file that could not be read (the store moves it aside and says why). Repairs the stores
    made on the way (a folder made private) are added to `notices`."""
    refs: list[TenantRef] = []
    moved: list[MovedAside] = []
    for store, demo in ((main_store(), False), (demo_store(), True)):
        summaries, aside = store.list_tenants()
        refs += [TenantRef(store, summary.org_host, demo) for summary in summaries]
        moved += aside
        if notices is not None:
            notices += [text for text in store.notices if text not in notices]
    return refs, moved


def all_tenants() -> list[TenantRef]:
    return scan()[0]


def find_tenant(name: str | None) -> TenantRef:
    """The setup `--tenant` names (an org host, an org URL, or `demo`); with no name, the only
    one there is."""
    refs = all_tenants()
    if name is None:
        if len(refs) == 1:
            return refs[0]
        if not refs:
            raise TenantNotFound(
                "No setup is saved yet. Run `okta-kandji-setup apply --config FILE` (or "
                "`apply --demo --yes`) first."
            )
        raise TenantAmbiguous(
            "Several setups are saved; name one with --tenant: " + ", ".join(_names(refs)) + "."
        )
    if name.strip().lower() == DEMO_ALIAS:
        demos = [ref for ref in refs if ref.demo]
        if demos:
            return demos[0]
        raise TenantNotFound("No demo setup is saved. Run `okta-kandji-setup apply --demo --yes` first.")
    host = normalize_host(name)
    for ref in refs:
        if safe_filename(ref.host) == safe_filename(host):
            return ref
    known = ", ".join(_names(refs)) or "none yet"
    raise TenantNotFound(f"No setup is saved for {host}. Saved setups: {known}.")


def _names(refs: list[TenantRef]) -> list[str]:
    return [DEMO_ALIAS if ref.demo else ref.host for ref in refs]


def state_json(ref: TenantRef) -> dict:
    """The saved document as plain JSON data (for reports and bundles)."""
    return json.loads(ref.read().model_dump_json())
