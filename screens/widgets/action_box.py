"""The base of every action box: the part of a step panel that drives the step engine.

Each box runs the engine (wizard/engine) in workers and reports back to the step screen with
messages (screens/widgets/messages.py); none of them talks HTTP itself. The boxes live one per
module (kandji_url_box, kandji_token_box, sign_in_box, api_box, console_box, proof_box) and
`boxes.box_for` picks one for an action.

The key model: `main()` is what Enter does on the step (the screen draws it as the one
highlighted button, labelled `main_label`); results go to the box's `.result` line and are
scrolled into view, since that is where the admin looks next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Vertical
from textual.widgets import Input, Static

from screens.host import WizardHost, host_of

if TYPE_CHECKING:
    from wizard.engine import EngineContext


class ActionBox(Vertical):
    DEFAULT_CSS = """
    ActionBox { height: auto; margin: 1 0 0 0; }
    ActionBox .box-title { text-style: bold; }
    ActionBox .result, ActionBox .plan { height: auto; }
    ActionBox .result { display: none; }
    ActionBox .result.-said { display: block; }
    ActionBox Horizontal { height: auto; }
    ActionBox Horizontal Button { margin-right: 2; }
    ActionBox .field { height: auto; }
    ActionBox .field Label { width: 22; }
    ActionBox .field Input { width: 1fr; }
    """

    main_label = "Run"

    def __init__(self, action: str) -> None:
        super().__init__(id="action-box")
        self.action = action

    @property
    def wizard(self) -> WizardHost:
        return host_of(self)

    def main(self) -> None:
        """What Enter does on this step."""
        raise NotImplementedError

    def say(self, text: str) -> None:
        result = self.query_one(".result", Static)
        result.update(text)
        result.set_class(bool(text), "-said")
        self.reveal(result)

    def reveal(self, widget: Static | Vertical) -> None:
        """Bring a result into view once it has its new size."""
        self.call_after_refresh(widget.scroll_visible, animate=False)

    def ask_for(self, field: Input, text: str) -> None:
        """The admin must type something first: say what, and put the cursor there (Enter on
        the main button is a deliberate step into the field)."""
        self.say(f"[yellow]{text}[/yellow]")
        field.focus()

    async def engine_context(self) -> EngineContext | None:
        from wizard.engine import EngineError

        try:
            return await self.wizard.engine.context()
        except EngineError as exc:
            self.say(f"[yellow]{exc}[/yellow]")
            return None
