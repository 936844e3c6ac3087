"""Which action box a step's action gets: every action has one, so every step has a main
button that Enter presses."""

from __future__ import annotations

from screens.widgets.action_box import ActionBox
from screens.widgets.api_box import ApiActionBox
from screens.widgets.console_box import ConsoleActionBox
from screens.widgets.kandji_token_box import KandjiTokenBox
from screens.widgets.kandji_url_box import KandjiUrlBox
from screens.widgets.proof_box import ProofBox
from screens.widgets.sign_in_box import SignInBox

API_ACTIONS = {"create-app", "group", "test-user", "assign"}
CONSOLE_ACTIONS = {"enable-scim", "scim-connection", "test-connector", "to-app"}
OWN_BOXES: dict[str, type[ActionBox]] = {
    "kandji": KandjiUrlBox,
    "kandji-token": KandjiTokenBox,
    "okta-sign-in": SignInBox,
    "verify": ProofBox,
}


def box_for(action: str) -> ActionBox | None:
    if action in API_ACTIONS:
        return ApiActionBox(action)
    if action in CONSOLE_ACTIONS:
        return ConsoleActionBox(action)
    if action in OWN_BOXES:
        return OWN_BOXES[action](action)
    return None
