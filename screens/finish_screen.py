"""The end: what now exists, the report, and what to do with the Kandji token."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from screens.base import WizardScreen
from screens.widgets.copy_field import CopyField
from screens.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    pass


class FinishScreen(WizardScreen):
    """Enter quits (the highlighted button); the token's deletion is one Tab away."""

    BINDINGS = [
        Binding("escape,b", "back", "Back to the steps", id="finish-back"),
        Binding("p", "prove", "Prove delivery", id="finish-prove"),
        Binding("pagedown", "scroll('page_down')", show=False, id="finish-page-down"),
        Binding("pageup", "scroll('page_up')", show=False, id="finish-page-up"),
        Binding("down", "scroll('down')", show=False, id="finish-down"),
        Binding("up", "scroll('up')", show=False, id="finish-up"),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll(id="finish"):
            yield Static("", id="finish-summary")
            yield Static("", id="report-path")
        with Vertical(id="finish-actions"):
            yield Static("", id="token-message", classes="message")
            with Horizontal(id="finish-nav"):
                yield Button("◀ Back", id="back-to-steps", compact=True)
                yield Button(self._forget_label(), id="forget-token", compact=True)
                yield Button("Prove delivery now", id="prove-now", compact=True)
                yield Static("", classes="spacer")
                yield Button("Quit ⏎", id="quit", variant="primary", compact=True)
        yield KeyFooter()

    def _forget_label(self) -> str:
        return "Forget the Kandji token" if self.wizard.secrets.memory_only else "Delete the Kandji token"

    def action_scroll(self, how: str) -> None:
        finish = self.query_one("#finish", VerticalScroll)
        {
            "page_down": finish.scroll_page_down,
            "page_up": finish.scroll_page_up,
            "down": finish.scroll_down,
            "up": finish.scroll_up,
        }[how](animate=False)

    def on_mount(self) -> None:
        from wizard.report import SYNC_NOTE, build_report, write_report
        from wizard.state import StateError

        session = self.wizard.session
        demo = self.wizard.demo is not None
        report = build_report(session.state, demo=demo)
        facts = report["summary"]
        app, group = facts["app"], facts["group"]
        done = report["all_finished"]
        lines = ["[b]Okta now provisions users to Kandji.[/b]" if done else "[b]Almost there.[/b]", ""]
        if app:
            lines.append(f"✔ App  [b]{app['label']}[/b]")
        if group:
            lines.append(f"✔ Group  [b]{group['group_name']}[/b]")
        if facts["expected"] is not None:
            lines.append(f"✔ {facts['provisioned']} of {facts['expected']} users provisioned to Kandji")
        lines += ["", SYNC_NOTE, ""]
        lines.append(
            "Okta now holds the Kandji token in the app's SCIM connection, so the wizard no longer "
            "needs its copy: delete it below."
        )
        self.query_one("#finish-summary", Static).update("\n".join(lines))
        self.query_one("#quit", Button).focus()
        if app and app.get("link"):
            summary = self.query_one("#finish-summary", Static)
            self.query_one("#finish", VerticalScroll).mount(
                CopyField("The app in Okta", app["link"], openable=True, id="finish-link"), after=summary
            )
        try:
            path = write_report(session.state, session.path, demo=demo)
        except (OSError, StateError) as exc:  # a planted link at its name is refused, not followed
            self.query_one("#report-path", Static).update(f"[red]The report was not written: {exc}[/red]")
            return
        shown = f"~/{path.relative_to(Path.home())}" if path.is_relative_to(Path.home()) else str(path)
        where = f"Report (no secrets): {shown}"
        if demo:
            where = f"Report (no secrets; the demo deletes it when you quit): {shown}"
        self.query_one("#report-path", Static).update(where)

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#prove-now")
    def action_prove(self) -> None:
        """The canary (issue 14): a change Okta must push, seen arriving in Kandji."""
        from screens.canary_screen import CanaryScreen

        self.app.push_screen(CanaryScreen())

    @on(Button.Pressed, "#back-to-steps")
    def _back(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#quit")
    async def _quit(self) -> None:
        await self.wizard.action_quit()

    @on(Button.Pressed, "#forget-token")
    @work(thread=True, group="keyring", exit_on_error=False, description="deleting the Kandji token")
    def forget_token(self) -> None:
        from screens.token_forget import forget_kandji_token

        self.app.call_from_thread(self._say, forget_kandji_token(self.wizard))

    def _say(self, text: str) -> None:
        self.query_one("#token-message", Static).update(text)
