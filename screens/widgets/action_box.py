"""The base of every action box: the part of a step panel that drives the step engine.

Each box runs the engine (wizard/engine) in workers and reports back to the step screen with
messages (screens/widgets/messages.py); none of them talks HTTP itself. The boxes live one per
module: api_box, sign_in_box, console_box, proof_box; `boxes.box_for` picks one for an action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Vertical
from textual.widgets import Static

from screens.host import WizardHost, host_of

if TYPE_CHECKING:
    from wizard.engine import EngineContext


class ActionBox(Vertical):
    DEFAULT_CSS = """
    ActionBox { height: auto; margin: 1 0; padding: 0 1; border: round $primary 50%; }
    ActionBox .box-title { text-style: bold; }
    ActionBox .result, ActionBox .plan { height: auto; }
    ActionBox Horizontal { height: auto; }
    ActionBox Horizontal Button { margin-right: 2; }
    ActionBox .field { height: auto; margin-bottom: 1; }
    ActionBox .field Label { width: 22; }
    ActionBox .field Input { width: 1fr; }
    """

    def __init__(self, action: str) -> None:
        super().__init__(id="action-box")
        self.action = action

    @property
    def wizard(self) -> WizardHost:
        return host_of(self)

    def say(self, text: str) -> None:
        self.query_one(".result", Static).update(text)

    async def engine_context(self) -> EngineContext | None:
        from wizard.engine import EngineError

        try:
            return await self.wizard.engine.context()
        except EngineError as exc:
            self.say(f"[yellow]{exc}[/yellow]")
            return None
