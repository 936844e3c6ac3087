"""A checklist line that wraps instead of being cut: Textual's Checkbox is always one line."""

from __future__ import annotations

from textual.geometry import Size
from textual.widgets import Checkbox


class ChecklistItem(Checkbox):
    DEFAULT_CSS = """
    ChecklistItem { width: 1fr; height: auto; text-wrap: wrap; text-overflow: fold; }
    """

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.render().wrap(width)))
