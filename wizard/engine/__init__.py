"""The step engine shared by the TUI and the headless commands (DESIGN §3).

Each catalog action has an engine in `ENGINES` with `plan()`, `apply()` and `verify()`;
console actions add `handoff()`, `detect()`, `wait()` and `demo_complete()`. Step 24's proof
is `prove()`, resume re-checks are `reverify()`. Everything is plain async code reporting
progress by callbacks: no UI here.
"""

from wizard.engine.assign_steps import LanguageOptions, language_options
from wizard.engine.context import EngineContext, kandji_token, recorded, resolve_secret
from wizard.engine.errors import EngineError
from wizard.engine.model import (
    Detection,
    Diagnosis,
    Finding,
    Handoff,
    Outcome,
    Plan,
    PlannedCall,
    ProofResult,
    UserProof,
)
from wizard.engine.prove import prove
from wizard.engine.resume import reverify
from wizard.engine.signin import open_okta
from wizard.engine.steps import ENGINES, ActionEngine, ConsoleEngine, engine_for, is_console

__all__ = [
    "ENGINES",
    "ActionEngine",
    "ConsoleEngine",
    "Detection",
    "Diagnosis",
    "EngineContext",
    "EngineError",
    "Finding",
    "Handoff",
    "LanguageOptions",
    "Outcome",
    "Plan",
    "PlannedCall",
    "ProofResult",
    "UserProof",
    "engine_for",
    "is_console",
    "kandji_token",
    "language_options",
    "open_okta",
    "prove",
    "recorded",
    "resolve_secret",
    "reverify",
]
