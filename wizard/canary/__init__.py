"""Day two (issue 14): prove delivery now with a canary change, and rotate the Kandji token.

`run_canary()` changes one harmless attribute that the app's profile mapping pushes, watches it
arrive in Kandji's SCIM Users, and puts it back; `restore_pending()` puts back a canary that a
run left behind. `rotation` holds the token rotation's steps. No UI here: the CLI and the TUI
both call these.
"""

from wizard.canary.attribute import CanaryAttribute, choose_attribute
from wizard.canary.model import CanaryReport
from wizard.canary.run import restore_pending, run_canary

__all__ = ["CanaryAttribute", "CanaryReport", "choose_attribute", "restore_pending", "run_canary"]
