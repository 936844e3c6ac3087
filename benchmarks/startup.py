"""Time from process start to the wizard's first screen being ready (headless), against a
bare Textual app composed of the same widget types. Runs alternate so that machine noise
hits both alike; prints medians on one line: `wizard=…s bare=…s ratio=…`.

    python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

WIZARD = """
from screens.app import WizardApp

async def ready(pilot):
    await pilot.pause()
    pilot.app.exit()

WizardApp().run(headless=True, size=(120, 40), auto_pilot=ready)
"""

BARE = """
from textual.app import App
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, OptionList, Static

class Bare(App):
    def compose(self):
        yield Header()
        with VerticalScroll():
            yield Static("intro")
            yield Label("Setups in progress")
            yield OptionList()
            with Vertical():
                with Horizontal():
                    yield Input()
                    yield Button("Start")
                yield Checkbox("custom domain")
        yield Footer()

async def ready(pilot):
    await pilot.pause()
    pilot.app.exit()

Bare().run(headless=True, size=(120, 40), auto_pilot=ready)
"""


def once(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(
            os.environ,
            OKTA_KANDJI_SETUP_STATE_DIR=scratch,
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        )
        once(WIZARD, env), once(BARE, env)  # warm the file cache and bytecode
        wizard, bare = [], []
        for _ in range(args.runs):
            wizard.append(once(WIZARD, env))
            bare.append(once(BARE, env))
    w, b = statistics.median(wizard), statistics.median(bare)
    print(f"wizard={w:.3f}s bare={b:.3f}s ratio={w / b:.2f}")


if __name__ == "__main__":
    main()
