"""Admin Console steps: live detection of what Okta reports, confirmation of the rest.

Enter checks Okta now; in the demo it does the step in the demo console instead, as an admin
would in Okta. `c` confirms what Okta cannot report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from screens.widgets.action_box import ActionBox
from screens.widgets.action_text import escape, format_outcome
from screens.widgets.messages import ActionDone

if TYPE_CHECKING:
    from wizard.engine import Detection, EngineContext


class ConsoleActionBox(ActionBox):
    """A hand-off: what to do in the Admin Console, then live detection of what Okta reports."""

    DEFAULT_CSS = "ConsoleActionBox { margin: 0; }"
    POLL_TIMEOUT = 15 * 60.0

    @property
    def main_label(self) -> str:  # type: ignore[override]
        return "Do it in the demo console" if self.wizard.demo is not None else "Check Okta now"

    def compose(self) -> ComposeResult:
        yield Static("What Okta reports", classes="box-title")
        yield Static("Looking at Okta…", id="detection")
        with Horizontal():
            yield Button("Confirm what you did (c)", id="confirm", compact=True)
            if self.wizard.demo is not None:
                yield Button("Check Okta now", id="check-now", compact=True)
        yield Static("", classes="result")

    def on_mount(self) -> None:
        self.watch_okta()

    def main(self) -> None:
        if self.wizard.demo is not None:
            self.do_in_demo_console()
        else:
            self.watch_okta()

    def show(self, detection: Detection) -> None:
        lines = []
        for raw, seen in detection.items.items():
            name = escape(raw)
            if seen is True:
                lines.append(f"[green]✔[/green] {name}")
            elif seen is None:
                lines.append(f"[dim]?[/dim] {name} [dim](you confirm)[/dim]")
            elif raw in detection.soft:
                lines.append(f"[yellow]…[/yellow] {name} [dim](may not show)[/dim]")
            else:
                lines.append(f"[yellow]…[/yellow] {name}")
        hard_missing = any(v is False and n not in detection.soft for n, v in detection.items.items())
        if detection.error or not detection.items or hard_missing:
            # Say what happened: an error, or why a required item is missing (e.g. the
            # Kandji pre-flight's cause and fix at step 11).
            lines.append(escape(detection.message))
        else:
            seen = sum(1 for value in detection.items.values() if value)
            detectable = sum(1 for value in detection.items.values() if value is not None)
            summary = f"Seen {seen} of {detectable} that Okta reports"
            if detection.undetectable:
                summary += f"; {len(detection.undetectable)} for you to confirm (c)"
            lines.append(f"[dim]{summary}.[/dim]" + (" Polling…" if not detection.complete else ""))
        self.query_one("#detection", Static).update("\n".join(lines))

    @work(exclusive=True, group="detect", exit_on_error=False, description="watching Okta")
    async def watch_okta(self) -> None:
        from wizard.engine import engine_for

        ctx = await self.engine_context()
        if ctx is None:
            self.query_one("#detection", Static).update("")
            return
        engine = engine_for(self.action)
        detection = await engine.wait(ctx, timeout=self.POLL_TIMEOUT, on_update=self.show)  # type: ignore[attr-defined]
        if detection.complete and not detection.undetectable:
            await self._record(ctx, confirmed=False)  # everything was seen: move on by itself
        elif detection.complete:
            self.say("Okta reports everything it can. Confirm the rest when it is done (c).")

    async def _record(self, ctx: EngineContext, *, confirmed: bool) -> None:
        from wizard.engine import engine_for

        outcome = await engine_for(self.action).apply(ctx, {"confirmed": confirmed})
        here = [step.number for step in self.wizard.catalog.steps_of(self.action)]
        self.say(format_outcome(outcome, here))
        self.post_message(ActionDone(self.action, outcome.ok))

    @on(Button.Pressed, "#check-now")
    def _check_now(self, event: Button.Pressed) -> None:
        event.stop()
        self.watch_okta()

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.confirm()

    @work(exclusive=True, group="apply", exit_on_error=False, description="recording the step")
    async def confirm(self) -> None:
        ctx = await self.engine_context()
        if ctx is not None:
            await self._record(ctx, confirmed=True)

    @work(exclusive=True, group="apply", exit_on_error=False, description="demo console")
    async def do_in_demo_console(self) -> None:
        from wizard.engine import EngineError, engine_for

        ctx = await self.engine_context()
        if ctx is None:
            return
        try:
            await engine_for(self.action).demo_complete(ctx)  # type: ignore[attr-defined]
        except EngineError as exc:
            self.say(f"[red]{exc}[/red]")
            return
        self.say("Done in the demo console, as an admin would in Okta.")
        # The admin did every item, the undetectable ones included.
        self.workers.cancel_group(self, "detect")
        detection = await engine_for(self.action).detect(ctx)  # type: ignore[attr-defined]
        self.show(detection)
        await self._record(ctx, confirmed=True)
