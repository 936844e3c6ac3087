"""Help: keys, what the modes mean, and where things are kept."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from screens.widgets.step_list import LEGEND

HELP = """\
# Help

**Keys** — the same on every step

- `Enter` — what the highlighted button at the bottom right says: save and test (B.1,
  B.2, 1), run the calls shown (API steps), check Okta now (Admin Console steps; in the
  demo: do it in the demo console), prove (24), and Next once the step is done
- `c` — on Admin Console steps: confirm what Okta cannot report
- `n` / `b` — next / back (`b` on B.1: back to the list of setups)
- `d` — mark the current step done by hand (again: not done)
- `k` — on steps 17–18: your users already exist, skip the test person
- `s` — show or hide the step list
- `PageUp` / `PageDown`, `↑` / `↓` — scroll the step
- `Tab` / `shift+Tab` — into fields and buttons; `Escape` leaves a field. Each step starts
  on its highlighted button, so a letter is a command and never lands in a field by accident
- `ctrl+p` — command palette: jump to any step by number or name
- `F1` or `?` — this help (in a text field, `?` is a character: use `F1`)
- `ctrl+q` — quit; progress is saved after every change, and the terminal says how to resume
- `Escape` or `q` — close this help

**Step list**: {legend}

**Modes**

- **BY API** — Okta's public API can do this step; the wizard shows the calls it makes.
- **ADMIN CONSOLE** — only Okta's Admin Console can do it. The wizard gives you the link
  and copy-ready values, then checks what it can.
- **CHECK** — the wizard verifies that the steps before worked.
- **NOTHING TO DO** — a screen of the Admin Console with no effect on the setup.

**Checking an existing integration** (start screen; made by the wizard or by hand): read-only
findings, most severe first. `↑`/`↓` show each one's evidence, fix and link; `c` compares all
users with Kandji and writes a CSV (leaving keeps the pages read: reopen to resume); `r`
checks again; `escape` goes back. `okta-kandji-setup doctor` and `reconcile` do the same headless.

**Copying.** *Copy* uses your terminal's clipboard support (OSC 52). macOS Terminal, and
tmux without `set -g set-clipboard on`, ignore it: select the value on screen instead.
Links open in the browser of the machine running the wizard — over SSH, copy them.

**Where things are kept.** Progress is saved per Okta org after every change, in your user
state directory (or `$OKTA_KANDJI_SETUP_STATE_DIR`). The Kandji token goes to your OS
keyring, never to a file. Step numbers follow Kandji's article "Okta - SCIM Directory
Integration", so a support engineer can say "we are on step 10.4".
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="close-help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP.replace("{legend}", LEGEND))
