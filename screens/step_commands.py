"""Command palette entries: jump to any step by its number or title."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

from wizard.catalog import load_catalog


class StepCommands(Provider):
    async def discover(self) -> Hits:
        # Scored hits, not DiscoveryHits (score 0): the palette sorts by score, so the steps
        # come before Textual's own Quit, Screenshot and Theme, in the article's order.
        steps = load_catalog().steps
        for i, step in enumerate(steps):
            yield Hit(
                2.0 - i / len(steps),
                f"Go to step {step.number}: {step.title}",
                partial(self._go, step.number),
                help=step.where,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for step in load_catalog().steps:
            text = f"Go to step {step.number}: {step.title}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._go, step.number), help=step.where)

    async def _go(self, number: str) -> None:
        from screens.step_screen import StepScreen

        screen = self.app.screen
        if isinstance(screen, StepScreen):
            await screen.go_to(number)
        else:
            self.app.notify("Open or start a setup first.", severity="warning")
