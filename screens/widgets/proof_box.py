"""Step 24: every group member provisioned in Okta and found in Kandji."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Static

from screens.widgets.action_box import ActionBox
from screens.widgets.action_text import escape, format_outcome
from screens.widgets.messages import ActionDone, GoToStep

if TYPE_CHECKING:
    from wizard.engine import ProofResult, UserProof


class ProofBox(ActionBox):
    """Enter polls Okta until every member of the group is PROVISIONED and SYNCHRONIZED, then
    looks each one up in Kandji by userName."""

    DEFAULT_CSS = """
    ProofBox .users { display: none; height: auto; }
    ProofBox .users.-said { display: block; }
    """
    main_label = "Prove it"
    TIMEOUT = 180.0

    def compose(self) -> ComposeResult:
        yield Static(
            "Enter waits for Okta to provision every member of the group, then looks each one up in Kandji.",
            classes="plan",
        )
        yield Static("", id="proof-users", classes="users")
        yield Static("", classes="result")
        yield Vertical(id="fixes")

    def main(self) -> None:
        self.run_action()

    def show_users(self, users: list[UserProof]) -> None:
        lines = []
        for user in users:
            mark = "[green]✔[/green]" if user.done else "[yellow]…[/yellow]"
            okta = f"{user.okta_status or 'not yet'}/{user.sync_state or '—'}"
            lines.append(f"{mark} {user.login}  [dim]Okta[/dim] {okta}  [dim]Kandji[/dim] {user.kandji}")
        done = sum(1 for user in users if user.done)
        lines.append(f"{done} of {len(users)} in Kandji")
        users_line = self.query_one("#proof-users", Static)
        users_line.update("\n".join(lines))
        users_line.add_class("-said")
        self.reveal(users_line)

    @work(exclusive=True, group="apply", exit_on_error=False, description="proving step 24")
    async def run_action(self) -> None:
        from wizard.engine import prove
        from wizard.engine.prove import VerifyEngine

        ctx = await self.engine_context()
        if ctx is None:
            return
        self.say("Waiting for Okta to push the users…")
        result: ProofResult = await prove(ctx, timeout=self.TIMEOUT, on_progress=self.show_users)
        self.show_users(result.users)
        outcome = VerifyEngine()._record(ctx, result)
        fixes = self.query_one("#fixes", Vertical)
        await fixes.remove_children()
        offered: set[str] = set()
        for diagnosis in result.diagnoses:
            text = (
                f"[b]{escape(diagnosis.title)}[/b] ({escape(diagnosis.source)}): "
                f"{escape(diagnosis.detail)}\n→ {escape(diagnosis.fix)}"
            )
            await fixes.mount(Static(text))
            if diagnosis.fix_step and diagnosis.fix_step not in offered:
                offered.add(diagnosis.fix_step)
                label = f"Go to step {diagnosis.fix_step}"
                await fixes.mount(Button(label, name=diagnosis.fix_step, compact=True))
        self.say(format_outcome(outcome, ["24"]))
        if result.diagnoses:
            self.reveal(fixes)
        self.post_message(ActionDone("verify", result.ok))

    @on(Button.Pressed, "#fixes Button")
    def _go_fix(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(GoToStep(event.button.name or ""))
