"""What every full screen of the wizard shares: typed access to the app, and the header
with the demo banner."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Static

from screens.host import WizardHost, host_of

DEMO_BANNER = "DEMO — simulated Okta and Kandji on this machine; nothing real is changed."


class WizardScreen(Screen[None]):
    @property
    def wizard(self) -> WizardHost:
        return host_of(self)

    def compose_top(self) -> ComposeResult:
        yield Header(show_clock=False)  # no clock: screens and snapshots stay still
        if self.wizard.demo is not None:
            yield Static(DEMO_BANNER, id="demo-banner")
