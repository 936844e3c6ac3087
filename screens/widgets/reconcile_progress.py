"""Reconcile's progress: a bar over both sides' users, the counts read so far and the ETA."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

if TYPE_CHECKING:
    from wizard.reconcile.model import Progress

PHASES = {
    "kandji-probe": "Asking Kandji how many users it holds…",
    "okta": "Reading the users Okta assigns to the app…",
    "kandji": "Comparing with Kandji's users…",
    "reasons": "Reading the System Log for why users are missing…",
    "done": "Done.",
}


class ReconcileProgress(Vertical):
    DEFAULT_CSS = """
    ReconcileProgress { height: auto; padding: 0 1; }
    ReconcileProgress ProgressBar { margin: 1 0 0 0; }
    ReconcileProgress #progress-counts { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(PHASES["kandji-probe"], id="progress-phase")
        # Our own ETA (from the pages read so far), not the bar's clock: screens stay still.
        yield ProgressBar(total=None, show_eta=False, id="progress-bar")
        yield Static("", id="progress-counts")

    def update_progress(self, progress: Progress) -> None:
        from wizard.reconcile.model import format_seconds

        self.query_one("#progress-phase", Static).update(PHASES.get(progress.phase, progress.phase))
        bar = self.query_one("#progress-bar", ProgressBar)
        total = progress.estimated_total
        if progress.phase == "done":
            bar.update(total=max(1, progress.done_units), progress=max(1, progress.done_units))
        elif total:
            bar.update(total=total, progress=min(progress.done_units, total))
        kandji_total = f" of {progress.kandji_total:,}" if progress.kandji_total is not None else ""
        eta = format_seconds(progress.eta) if progress.phase != "done" else "–"
        lines = [
            f"Okta users read   {progress.okta_read:>9,}",
            f"Kandji users read {progress.kandji_read:>9,}{kandji_total}",
            f"ETA {eta}"
            + (f" · resumed after {progress.resumed_pages} pages" if progress.resumed_pages else ""),
        ]
        self.query_one("#progress-counts", Static).update("\n".join(lines))
