"""A URL shown whole: wrapped only after `/`, `#`, `?`, `&` or `=`, never in the middle of a word,
so what the admin reads (and selects) is exactly the link."""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget

BREAK_AFTER = "/#?&="


def wrap_url(url: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken after a separator where one fits."""
    if width <= 0 or len(url) <= width:
        return [url]
    lines: list[str] = []
    rest = url
    while len(rest) > width:
        cut = max((i + 1 for i, ch in enumerate(rest[:width]) if ch in BREAK_AFTER), default=0)
        if cut < width // 3:  # no separator near the end: a long segment is cut where it must be
            cut = width
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        lines.append(rest)
    return lines


class WholeLink(Widget):
    DEFAULT_CSS = "WholeLink { height: auto; width: 1fr; }"

    def __init__(self, url: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.url = url

    def set_url(self, url: str) -> None:
        self.url = url
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(wrap_url(self.url, width))

    def render(self) -> str:
        return "\n".join(wrap_url(self.url, self.content_region.width or self.size.width))

    def on_resize(self) -> None:
        self.refresh(layout=True)
