"""A value the admin pastes into Okta: a label, the value on screen, and a Copy button.

Copying goes through Textual's clipboard support (OSC 52), which macOS Terminal and tmux
without `set-clipboard on` ignore, so the value is always on screen too. Secrets stay masked
until revealed, and are read at the moment they are needed, not kept in the widget. Links are
shown whole on their own lines (never cut mid-word), with Copy and Open.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label, Static

from screens.widgets.whole_link import WholeLink

MASK = "•" * 12


class CopyField(Vertical):
    DEFAULT_CSS = """
    CopyField { height: auto; }
    CopyField > Horizontal { height: auto; }
    CopyField Label { width: 24; color: $text-muted; }
    CopyField .value { width: 1fr; min-width: 16; height: auto; text-style: bold; }
    CopyField Button { min-width: 6; width: auto; margin: 0 0 0 1; }
    CopyField > WholeLink { padding: 0 0 0 2; color: $text-accent; }
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
        with Horizontal():
            yield Label(self.label)
            if not self.openable:
                yield Static(self._shown(), classes="value", markup=False)
            else:
                yield Static("", classes="value")
            yield Button("Copy", id="copy", compact=True)
            if self.secret is not None:
                yield Button("Reveal", id="reveal", compact=True)
            if self.openable:
                yield Button("Open", id="open-link", compact=True)
        if self.openable and self.value:
            yield WholeLink(self.value)

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

    @on(Button.Pressed, "#open-link")
    def _open(self, event: Button.Pressed) -> None:
        event.stop()
        if self.value:
            self.open_in_browser(self.value)

    @work(thread=True, group="browser", exit_on_error=False, description="opening the browser")
    def open_in_browser(self, url: str) -> None:
        """Say what really happened: `webbrowser.open` is False when no browser could start."""
        import webbrowser

        try:
            opened = webbrowser.open(url)
        except webbrowser.Error:
            opened = False
        if opened:
            text = "Opened in the browser of the machine running the wizard (over SSH: the server's)."
            self.app.call_from_thread(self.notify, text, timeout=5)
        else:
            text = "No browser could be opened here. Press Copy, or select the link on screen."
            self.app.call_from_thread(self.notify, text, severity="warning", timeout=8)

    @on(Button.Pressed, "#reveal")
    def toggle_reveal(self, event: Button.Pressed) -> None:
        event.stop()
        self.revealed = not self.revealed
        event.button.label = "Hide" if self.revealed else "Reveal"
        self.query_one(".value", Static).update(self._shown())
