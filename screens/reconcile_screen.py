"""Compare all users: reconcile with a progress bar, counts and ETA; the CSV at the end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from screens.base import WizardScreen
from screens.widgets.action_text import escape
from screens.widgets.key_footer import KeyFooter
from screens.widgets.reconcile_progress import ReconcileProgress

if TYPE_CHECKING:
    from wizard.doctor.access import IntegrationAccess
    from wizard.reconcile.model import Progress, Summary


class ReconcileScreen(WizardScreen):
    DEFAULT_CSS = """
    ReconcileScreen #reconcile-head { height: auto; padding: 0 1; text-style: bold; }
    ReconcileScreen #reconcile-result { height: auto; padding: 1 1 0 1; }
    """
    BINDINGS = [Binding("escape,b", "back", "Back (finished pages are kept)", id="reconcile-back")]

    def __init__(
        self,
        access: IntegrationAccess | None,
        app_id: str,
        app_label: str,
        *,
        output: Path | None = None,
        progress: Progress | None = None,
    ) -> None:
        super().__init__()
        self.access = access
        self.app_id = app_id
        self.app_label = app_label
        self.output = output
        self.fixed_progress = progress
        self.summary: Summary | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        yield Static(f"Compare all users of {escape(self.app_label)} with Kandji", id="reconcile-head")
        yield ReconcileProgress()
        yield Static("", id="reconcile-result")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.fixed_progress is not None:
            self.update_progress(self.fixed_progress)
            return
        self.run_reconcile()

    def update_progress(self, progress: Progress) -> None:
        self.query_one(ReconcileProgress).update_progress(progress)

    def _output(self) -> Path:
        from wizard.state import safe_filename

        if self.output is not None:
            return self.output
        assert self.access is not None
        name = f"okta-kandji-reconcile-{safe_filename(self.access.org.host)}.csv"
        # The demo keeps its files in its own temporary folder; a real run writes here.
        folder = (
            self.access.store_root if self.wizard.demo is not None and self.access.store_root else Path.cwd()
        )
        return folder / name

    @work(exclusive=True, group="reconcile", exit_on_error=False, description="comparing all users")
    async def run_reconcile(self) -> None:
        from wizard.engine.errors import EngineError
        from wizard.kandji.users import ScimListError, ScimUserPager
        from wizard.okta.errors import OktaError
        from wizard.okta.pacing import RetryPolicy
        from wizard.reconcile.journal import Journal, JournalError, journal_path
        from wizard.reconcile.output import OutputError, RowWriter
        from wizard.reconcile.run import reconcile

        access = self.access
        assert access is not None and access.kandji.url is not None and access.kandji.token is not None
        output = self._output()
        result_box = self.query_one("#reconcile-result", Static)
        journal = None
        if access.store_root is not None:
            identity = {"org": access.org.base_url, "app": self.app_id, "kandji": access.kandji.url.base_url}
            journal = Journal(journal_path(access.store_root, access.org.host, self.app_id), identity)
        try:
            okta = await access.open_okta(retry=RetryPolicy(budget_share=0.5))
        except (EngineError, LookupError) as exc:
            result_box.update(f"[red]{escape(str(exc))}[/]")
            return
        try:
            async with ScimUserPager(access.kandji.url, access.kandji.token) as pager:
                with RowWriter(output, "csv") as writer:
                    result = await reconcile(
                        okta,
                        pager,
                        self.app_id,
                        writer,
                        since=datetime.now(UTC) - timedelta(days=7),
                        journal=journal,
                        on_progress=self.update_progress,
                    )
        except (OktaError, ScimListError, JournalError, OutputError) as exc:
            result_box.update(
                f"[red]{escape(str(exc))}[/]\nFinished pages are kept: open this screen again to resume."
            )
            return
        finally:
            await okta.aclose()
        self.summary = result.summary
        lines = [escape(line) for line in result.summary.lines()]
        lines.append(f"One row per user: [b]{escape(str(output))}[/]")
        result_box.update("\n".join(lines))

    def action_back(self) -> None:
        # Leaving cancels the run; every finished page is in the checkpoint for next time.
        self.workers.cancel_group(self, "reconcile")
        self.app.pop_screen()
