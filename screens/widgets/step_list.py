"""The sidebar: every step with its article number and a status glyph."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from wizard.catalog import Catalog

# One glyph per status, readable without colour too.
GLYPHS = {
    "pending": ("○", "dim"),
    "done": ("✔", "green"),
    "skipped": ("↷", "yellow"),
    "failed": ("!", "bold red"),
    "needs-console": ("!", "bold yellow"),
}
LEGEND = "○ pending · ✔ done · ↷ skipped · ! needs attention"


def step_prompt(number: str, title: str, status: str) -> Content:
    glyph, style = GLYPHS.get(status, GLYPHS["pending"])
    return Content.assemble((glyph, style), (f" {number:>4}  ", "bold"), title)


def option_id(number: str) -> str:
    return "step-" + number.replace(".", "_")


class StepList(OptionList):
    """Highlights the current step; selecting one jumps to it."""

    def __init__(self, catalog: Catalog, statuses: dict[str, str], *, id: str | None = None) -> None:
        self.catalog = catalog
        options = [
            Option(step_prompt(s.number, s.title, statuses.get(s.number, "pending")), id=option_id(s.number))
            for s in catalog.steps
        ]
        super().__init__(*options, id=id)

    def set_status(self, number: str, status: str) -> None:
        step = self.catalog.get(number)
        self.replace_option_prompt(option_id(number), step_prompt(number, step.title, status))

    def show_current(self, number: str) -> None:
        self.highlighted = self.catalog.position(number) - 1

    @staticmethod
    def number_of(option: Option) -> str:
        return (option.id or "").removeprefix("step-").replace("_", ".")
