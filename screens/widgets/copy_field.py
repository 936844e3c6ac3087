"""A value the admin pastes into Okta: shown in a selectable field, with a Copy button.

Copying goes through Textual's clipboard support (OSC 52), which macOS Terminal and tmux
without `set-clipboard on` ignore, so the value is always on screen too. Secrets stay masked
until revealed, and are read at the moment they are needed, not kept in the widget.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Label, Static

MASK = "•" * 12


class CopyField(Horizontal):
    DEFAULT_CSS = """
    CopyField { height: auto; margin: 0 0 1 0; }
    CopyField > Label { width: 22; padding: 1 1 0 0; color: $text-muted; }
    CopyField > .value { width: 1fr; min-width: 16; border: round $primary 40%; padding: 0 1; height: auto; }
    CopyField > Button { min-width: 8; width: auto; margin: 1 0 0 1; }
    """

    class Copied(Message):
        def __init__(self, field: CopyField, label: str) -> None:
            super().__init__()
            self.field = field
            self.label = label

    def __init__(
        self,
        label: str,
        value: str | None = None,
        *,
        secret: Callable[[], str | None] | None = None,
        openable: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.label = label
        self.value = value
        self.secret = secret
        self.revealed = False
        self.openable = openable

    def compose(self) -> ComposeResult:
        yield Label(self.label)
        yield Static(self._shown(), classes="value")
        yield Button("Copy", id="copy", variant="primary", compact=True)
        if self.secret is not None:
            yield Button("Reveal", id="reveal", compact=True)
        if self.openable:
            yield Button("Open", id="open-link", compact=True)

    def _shown(self) -> str:
        if self.secret is not None:
            if not self.revealed:
                return MASK
            return self.secret() or "(not stored — see step B.2)"
        return self.value if self.value else "(not set yet)"

    def current_value(self) -> str | None:
        return self.secret() if self.secret is not None else self.value

    @on(Button.Pressed, "#copy")
    def copy_value(self, event: Button.Pressed) -> None:
        event.stop()
        value = self.current_value()
        if not value:
            self.notify(f"{self.label}: nothing to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(value)
        self.post_message(self.Copied(self, self.label))
        self.notify(
            f"{self.label} copied. If pasting gives nothing, your terminal blocks clipboard "
            "access: select the value on screen instead.",
            timeout=4,
        )

    @on(Button.Pressed, "#reveal")
    def toggle_reveal(self, event: Button.Pressed) -> None:
        event.stop()
        self.revealed = not self.revealed
        event.button.label = "Hide" if self.revealed else "Reveal"
        self.query_one(".value", Static).update(self._shown())
