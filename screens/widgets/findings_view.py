"""Doctor's report at a glance: one line of checks, one line per finding (most severe first),
and the highlighted finding's evidence, fix and link below — all of it on an 80×24 screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.widgets.action_text import escape

if TYPE_CHECKING:
    from wizard.doctor.model import Candidate, DoctorReport, Finding

BADGE = {
    "critical": "[b red]CRIT[/]",
    "high": "[red]HIGH[/]",
    "medium": "[yellow]MED [/]",
    "low": "[dim]LOW [/]",
}
CHECK_GLYPH = {"ok": "[green]✓[/]", "warn": "[yellow]~[/]", "fail": "[red]✗[/]", "info": "i", "skip": "-"}
CHECK_SHORT = {
    "app": "app",
    "scim": "SCIM",
    "connection": "URL",
    "push": "To App",
    "groups": "groups",
    "profile": "profile",
    "app-users": "users",
    "system-log": "log",
    "kandji": "Kandji",
}


class FindingsView(Vertical):
    DEFAULT_CSS = """
    FindingsView { height: 1fr; }
    FindingsView #checks-line { height: auto; padding: 0 1; }
    FindingsView #findings {
        height: auto;
        max-height: 9;
        border: none;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    FindingsView #finding-detail { height: 1fr; padding: 0 1; }
    """

    class Chosen(Message):
        """The admin picked one of several candidate apps."""

        def __init__(self, app_id: str) -> None:
            super().__init__()
            self.app_id = app_id

    def __init__(self) -> None:
        super().__init__()
        self._findings: list[Finding] = []
        self._candidates: list[Candidate] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="checks-line")
        yield OptionList(id="findings")
        yield Static("", id="finding-detail")

    def show(self, report: DoctorReport) -> None:
        self._candidates = []
        checks = " ".join(f"{CHECK_GLYPH[c.status]} {CHECK_SHORT.get(c.key, c.key)}" for c in report.checks)
        self.query_one("#checks-line", Static).update(checks)
        self._findings = report.ranked()
        listing = self.query_one("#findings", OptionList)
        listing.clear_options()
        if not self._findings:
            listing.display = False
            self.query_one("#finding-detail", Static).update(
                "[green]Healthy: nothing to fix.[/] Every check above holds."
            )
            return
        listing.display = True
        for index, finding in enumerate(self._findings):
            step = f"{finding.step:>5}" if finding.step else "     "
            listing.add_option(
                Option(f"{BADGE[finding.severity]} {step}  {escape(finding.title)}", id=str(index))
            )
        listing.highlighted = 0
        self._detail(0)

    def show_candidates(self, candidates: list[Candidate]) -> None:
        self._findings = []
        self._candidates = candidates
        self.query_one("#checks-line", Static).update(
            "Several apps could be the Kandji integration. Choose one (Enter):"
        )
        listing = self.query_one("#findings", OptionList)
        listing.clear_options()
        listing.display = True
        for c in candidates:
            about = escape(f"{c.id} · {c.sign_on_mode} · {c.why}")
            listing.add_option(Option(f"{escape(c.label)}  [dim]{about}[/]", id=c.id))
        listing.highlighted = 0
        self.query_one("#finding-detail", Static).update("")

    def focus_list(self) -> None:
        self.query_one("#findings", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#findings")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self._findings and event.option_index is not None:
            self._detail(event.option_index)

    @on(OptionList.OptionSelected, "#findings")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if self._candidates and event.option.id:
            self.post_message(self.Chosen(event.option.id))

    def _detail(self, index: int) -> None:
        finding = self._findings[index]
        lines = [
            f"[b]{escape(finding.title)}[/]",
            f"[dim]evidence[/] {escape(finding.evidence)}",
            f"[dim]fix[/]      {escape(finding.fix)}",
        ]
        if finding.link:
            lines.append(f"[dim]open[/]     {escape(finding.link)}")
        self.query_one("#finding-detail", Static).update("\n".join(lines))

    @property
    def selected(self) -> Finding | None:
        listing = self.query_one("#findings", OptionList)
        if not self._findings or listing.highlighted is None:
            return None
        return self._findings[listing.highlighted]
