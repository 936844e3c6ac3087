"""Time from process start to the wizard's first screen being ready (headless), against a
bare Textual app composed of the same widget types. Runs alternate so that machine noise
hits both alike; prints medians on one line: `wizard=…s bare=…s ratio=…`.

"Ready" is Textual's app-ready moment: the start screen (the app's default screen, as the bare
app's widgets are on its own) is composed and mounted, with the cursor in the org URL field.
The list of saved setups fills in just after, from a thread that loads the pydantic state
models, and the step catalog is read when a setup opens, so neither delays the first frame.

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

# The child reports when its first screen is ready, measured from the moment the parent
# started it (BENCH_T0), so interpreter start and imports count but shutdown does not.
READY = """
import os, time

async def ready(pilot):
    # Textual calls this once the first screen is composed, mounted and painted.
    print(time.time() - float(os.environ["BENCH_T0"]), flush=True)
    await pilot.pause()
    pilot.app.exit()
"""

WIZARD = READY + """
from screens.app import WizardApp

WizardApp().run(headless=True, size=(120, 40), auto_pilot=ready)
"""

BARE = READY + """
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

Bare().run(headless=True, size=(120, 40), auto_pilot=ready)
"""


def once(code: str, env: dict[str, str]) -> float:
    env = dict(env, BENCH_T0=repr(time.time()))
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
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
