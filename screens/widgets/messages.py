"""Messages the action boxes send to the step screen."""

from __future__ import annotations

from textual.message import Message


class ActionDone(Message):
    """An action finished; the screen refreshes statuses and moves on when `ok`."""

    def __init__(self, action: str, ok: bool, advance: bool = True) -> None:
        super().__init__()
        self.action = action
        self.ok = ok
        self.advance = advance


class GoToStep(Message):
    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
