"""The Kandji pre-flight as it runs: one row per check, the verdict on top.

Rows are added as `run_preflight` reports each check (`add_result`), so the admin watches the
checks complete; failures show the request made, the likely cause and the fix. Nothing here
animates, so snapshots are stable.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.await_remove import AwaitRemove
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from wizard.kandji.checks import CheckResult, PreflightReport, summarize

GLYPHS = {"pass": "✓", "fail": "✗", "info": "•", "skip": "–"}
IDLE_SUMMARY = "The Kandji check has not run yet."


class CheckRow(Horizontal):
    """One check: a status glyph, then title and detail, then (on failure) request, cause and fix."""

    DEFAULT_CSS = """
    CheckRow { height: auto; width: 1fr; }
    CheckRow > .glyph { width: 2; height: 1; text-style: bold; }
    CheckRow > .body { width: 1fr; height: auto; }
    CheckRow.-pass > .glyph { color: $text-success; }
    CheckRow.-fail > .glyph { color: $text-error; }
    CheckRow.-info > .glyph { color: $text-accent; }
    CheckRow.-skip { color: $text-muted; }
    """

    def __init__(self, result: CheckResult) -> None:
        super().__init__(classes=f"-{result.status}", id=f"check-{result.key}")
        self.result = result

    def compose(self) -> ComposeResult:
        yield Static(GLYPHS[self.result.status], classes="glyph")
        yield Static(self._body(), classes="body")

    def _body(self) -> Text:
        result = self.result
        text = Text()
        text.append(result.title, style="bold")
        if result.detail:
            text.append(f" — {result.detail}")
        if result.status == "fail":
            if result.request:
                text.append(f"\n{result.request}", style="dim")
            if result.cause:
                text.append("\nCause: ", style="bold")
                text.append(result.cause)
            if result.fix:
                text.append("\nFix: ", style="bold")
                text.append(result.fix)
        elif result.request and result.status != "skip":
            text.append(f"\n{result.request}", style="dim")
        return text


class PreflightPanel(Widget):
    """Shows pre-flight checks as they complete. Call `reset()`, `add_result()` per check, `finish()`."""

    DEFAULT_CSS = """
    PreflightPanel { height: auto; width: 1fr; padding: 0 1; border: round $primary; }
    PreflightPanel > #preflight-summary { height: auto; text-style: bold; margin-bottom: 1; }
    PreflightPanel.-ok { border: round $success; }
    PreflightPanel.-failed { border: round $error; }
    PreflightPanel.-failed > #preflight-summary { color: $text-error; }
    PreflightPanel.-ok > #preflight-summary { color: $text-success; }
    PreflightPanel > #preflight-rows { height: auto; }
    """

    def __init__(self, *, id: str | None = "preflight-panel", classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "Kandji SCIM check"
        self._results: list[CheckResult] = []

    @property
    def results(self) -> list[CheckResult]:
        return list(self._results)

    def compose(self) -> ComposeResult:
        yield Static(IDLE_SUMMARY, id="preflight-summary")
        yield Vertical(id="preflight-rows")

    def reset(self) -> AwaitRemove | None:
        """Forget earlier results before a new run. Await the answer before adding rows again:
        the old rows' ids are only free once they are gone."""
        self._results.clear()
        self.remove_class("-ok", "-failed")
        if not self.is_mounted:
            return None
        self._set_summary(summarize([], finished=False))
        return self.query_one("#preflight-rows", Vertical).remove_children()

    def add_result(self, result: CheckResult) -> None:
        """Show one finished check (call from the app's event loop, e.g. run_preflight's on_result)."""
        self._results.append(result)
        self.query_one("#preflight-rows", Vertical).mount(CheckRow(result))
        self._set_summary(summarize(self._results, finished=False))

    def finish(self, report: PreflightReport | None = None) -> None:
        """Show the verdict. Without a report, the verdict is computed from the rows shown."""
        if report is None:
            report = PreflightReport("", list(self._results))
        self.set_class(report.ok, "-ok")
        self.set_class(not report.ok, "-failed")
        self._set_summary(report.summary)

    def _set_summary(self, text: str) -> None:
        self.query_one("#preflight-summary", Static).update(text)
