"""The end: what now exists, the report, and what to do with the Kandji token."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Static

from screens.base import WizardScreen

if TYPE_CHECKING:
    pass


class FinishScreen(WizardScreen):
    BINDINGS = [Binding("escape,b", "back", "Back to the steps", id="finish-back")]

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll(id="finish"):
            yield Static("", id="finish-summary")
            yield Static("", id="report-path")
            with Horizontal(classes="input-row"):
                yield Button("Delete the Kandji token from the keyring", id="forget-token", compact=True)
                yield Button("Back to the steps", id="back-to-steps", compact=True)
                yield Button("Quit", id="quit", variant="primary", compact=True)
            yield Static("", id="token-message", classes="message")
        yield Footer()

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
            lines.append(f"✔ App  [b]{app['label']}[/b]  {app['link']}")
        if group:
            lines.append(f"✔ Group  [b]{group['group_name']}[/b]")
        if facts["expected"] is not None:
            lines.append(f"✔ {facts['provisioned']} of {facts['expected']} users provisioned to Kandji")
        lines += ["", SYNC_NOTE, ""]
        lines.append(
            "Okta now holds the Kandji token in the app's SCIM connection, so the wizard no longer "
            "needs its copy."
        )
        self.query_one("#finish-summary", Static).update("\n".join(lines))
        try:
            path = write_report(session.state, session.path, demo=demo)
        except (OSError, StateError) as exc:  # a planted link at its name is refused, not followed
            self.query_one("#report-path", Static).update(f"[red]The report was not written: {exc}[/red]")
            return
        shown = f"~/{path.relative_to(Path.home())}" if path.is_relative_to(Path.home()) else str(path)
        where = f"Report (no secrets): {shown}"
        if demo:
            where += "\n(The demo keeps it only until you quit: its folder is temporary.)"
        self.query_one("#report-path", Static).update(where)

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#back-to-steps")
    def _back(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#quit")
    async def _quit(self) -> None:
        await self.wizard.action_quit()

    @on(Button.Pressed, "#forget-token")
    @work(thread=True, group="keyring", exit_on_error=False, description="deleting the Kandji token")
    def forget_token(self) -> None:
        from wizard.secrets import Purpose, SecretStoreError

        app = self.wizard
        assert app.org is not None
        try:
            removed = app.secrets.delete(app.org.host, Purpose.KANDJI_SCIM_TOKEN)
        except SecretStoreError as exc:
            self.app.call_from_thread(self._say, f"[red]{exc}[/red]")
            return
        self.app.call_from_thread(
            self._say,
            "[green]Deleted from the keyring.[/green]" if removed else "No Kandji token was stored.",
        )

    def _say(self, text: str) -> None:
        self.query_one("#token-message", Static).update(text)
