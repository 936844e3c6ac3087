"""Prove delivery now (issue 14): the canary for the open setup, its report on one screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from screens.base import WizardScreen
from screens.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from wizard.canary import CanaryReport

INTRO = (
    "Okta has no “push now”. The canary changes one harmless attribute of the test person that "
    "Okta pushes to Kandji, waits until Kandji shows it, puts the old value back and waits for "
    "that too, then reports both delivery times."
)


def _clip(text: str, limit: int = 170) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def report_markup(report: CanaryReport) -> str:
    """The verdict and what to fix first, then the times, then who and what was changed: at
    80×24 the part the admin acts on never needs scrolling."""
    verdict = "green" if report.ok else "red"
    lines = [f"[b {verdict}]{escape(report.message)}[/b {verdict}]"]
    for d in report.diagnoses:
        step = f" → step {d.fix_step}" if d.fix_step else ""
        lines.append(f"[red]✗ {escape(d.title)}{step}[/red] ({escape(d.source)}): {escape(_clip(d.detail))}")
        lines.append(f"  Fix: {escape(d.fix)}")
    shown = [line for line in report.lines() if line.startswith(("Okta → Kandji", "User:", "Attribute:"))]
    lines += [escape(line) for line in shown]
    if report.recovered:
        lines.append(escape(f"Earlier canary: {report.recovered}"))
    return "\n".join(lines)


class CanaryScreen(WizardScreen):
    DEFAULT_CSS = """
    CanaryScreen #canary { padding: 0 1; }
    CanaryScreen #canary-intro { color: $text-muted; margin: 0 0 1 0; }
    CanaryScreen #canary-progress { height: auto; }
    """
    BINDINGS = [
        Binding("escape,b", "back", "Back", id="canary-back"),
        Binding("r", "run", "Run again", id="canary-run"),
    ]

    def __init__(self, *, on_done: object = None) -> None:
        super().__init__()
        self.on_done = on_done  # called with the report (rotation records its proof)
        self.report: CanaryReport | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll(id="canary"):
            yield Static("[b]Prove delivery now[/b]", id="canary-head")
            yield Static(INTRO, id="canary-intro")
            yield Static("", id="canary-progress")
            yield Static("", id="canary-report")
            with Horizontal(classes="input-row"):
                yield Button("Run again", id="canary-again", compact=True)
                yield Button("Back", id="canary-leave", variant="primary", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        self.query_one("#canary-again", Button).disabled = True
        self.query_one("#canary-report", Static).update("")
        self.run_canary()

    @work(exclusive=True, group="canary", exit_on_error=False, description="the canary")
    async def run_canary(self) -> None:
        from wizard.canary import CanaryReport, run_canary
        from wizard.engine.errors import EngineError
        from wizard.okta.errors import OktaError

        progress = self.query_one("#canary-progress", Static)
        progress.update("Reading the app's profile mapping and Kandji…")
        try:
            ctx = await self.wizard.engine.context()
            report = await run_canary(ctx, on_progress=lambda text: progress.update(escape(text)))
        except (EngineError, OktaError) as exc:
            report = CanaryReport(False, f"The canary could not run: {exc}")
        progress.update("")
        self.query_one("#canary-intro").display = False  # the report needs the room
        self.report = report
        self.query_one("#canary-report", Static).update(report_markup(report))
        self.query_one("#canary-again", Button).disabled = False
        if callable(self.on_done):
            self.on_done(report)

    @on(Button.Pressed, "#canary-again")
    def _again(self) -> None:
        self.action_run()

    @on(Button.Pressed, "#canary-leave")
    def _leave(self) -> None:
        self.action_back()

    def action_back(self) -> None:
        self.app.pop_screen()
