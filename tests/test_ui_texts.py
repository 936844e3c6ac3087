"""What the action boxes say about an outcome: a fix on the step on screen says so, instead
of sending the admin "back" to where they already are."""

from __future__ import annotations

from textual.content import Content

from screens.widgets.action_text import format_outcome
from wizard.engine import Outcome


def test_a_fix_on_this_step_is_not_sent_elsewhere() -> None:
    failed = Outcome(False, messages=["Okta refused the token [E0000011]"], fix_step="1")
    here = format_outcome(failed, ["1"])
    assert "Fix it on this step" in here and "step 1" not in here
    # Brackets in Okta's words are text, not markup.
    assert "Okta refused the token [E0000011]" in Content.from_markup(here).plain
    elsewhere = format_outcome(failed, ["2", "3"])
    assert "Go to step 1 to fix it" in elsewhere


def test_a_success_names_no_fix() -> None:
    assert "fix" not in format_outcome(Outcome(True, messages=["Created"], fix_step="1"), ["1"]).lower()
