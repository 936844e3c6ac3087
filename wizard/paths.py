"""Where the wizard keeps its files. One place, so tests can redirect all of it."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "okta-kandji-setup"
STATE_DIR_ENV = "OKTA_KANDJI_SETUP_STATE_DIR"


def state_dir() -> Path:
    """The per-user state directory (overridable by OKTA_KANDJI_SETUP_STATE_DIR)."""
    override = os.environ.get(STATE_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    # platformdirs is imported here, not at module level, to keep `--help` instant.
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP_NAME, appauthor=False))
