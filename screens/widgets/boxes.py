"""Which action box a step's action gets."""

from __future__ import annotations

from screens.widgets.action_box import ActionBox
from screens.widgets.api_box import ApiActionBox
from screens.widgets.console_box import ConsoleActionBox
from screens.widgets.proof_box import ProofBox
from screens.widgets.sign_in_box import SignInBox

API_ACTIONS = {"create-app", "group", "test-user", "assign"}
CONSOLE_ACTIONS = {"enable-scim", "scim-connection", "test-connector", "to-app"}


def box_for(action: str) -> ActionBox | None:
    if action in API_ACTIONS:
        return ApiActionBox(action)
    if action in CONSOLE_ACTIONS:
        return ConsoleActionBox(action)
    if action == "okta-sign-in":
        return SignInBox(action)
    if action == "verify":
        return ProofBox(action)
    return None
