"""Exit codes shared by every headless command, defined once so scripts can rely on them.

The console codes equal the article's step number that is still open (9, 10, 11, 12), so a
script or a support engineer reads "exit 10" as "step 10 is waiting for the admin".
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    NOT_FOUND = 3
    CREDENTIALS = 4
    LOCKED = 5
    CANCELLED = 6
    SECRET_FOUND = 7
    BAD_ANSWER = 8
    CONSOLE_STEP_9 = 9
    CONSOLE_STEP_10 = 10
    CONSOLE_STEP_11 = 11
    CONSOLE_STEP_12 = 12
    INTERRUPTED = 130


MEANING: dict[Exit, str] = {
    Exit.OK: "success",
    Exit.FAILED: "a step failed or a check does not hold (the output names the step to fix)",
    Exit.USAGE: "bad arguments or configuration file (the message names the key and line)",
    Exit.NOT_FOUND: "no such tenant, nothing recorded yet, or the demo's services are gone",
    Exit.CREDENTIALS: "a secret is missing or refused, or the keyring is locked",
    Exit.LOCKED: "another okta-kandji-setup run has this tenant open",
    Exit.CANCELLED: "not confirmed: answered no, or no --yes without a terminal",
    Exit.SECRET_FOUND: "refused: a known secret value would have been written",
    Exit.BAD_ANSWER: (
        "Okta or Kandji did not answer as its API does: a redirect, a web page, an untrusted TLS "
        "certificate, or an answer too large or unreadable (the last line says which)"
    ),
    Exit.CONSOLE_STEP_9: "stopped at step 9: Enable SCIM provisioning is still open",
    Exit.CONSOLE_STEP_10: "stopped at steps 10.1–10.5: the SCIM connection is still open",
    Exit.CONSOLE_STEP_11: "stopped at step 11: Test Connector Configuration is still open",
    Exit.CONSOLE_STEP_12: "stopped at steps 12–14: To App provisioning is still open",
    Exit.INTERRUPTED: "interrupted (ctrl+c); rerun to continue",
}

# The console action still open → its exit code (see assets/steps.toml for the actions).
CONSOLE_EXIT: dict[str, Exit] = {
    "enable-scim": Exit.CONSOLE_STEP_9,
    "scim-connection": Exit.CONSOLE_STEP_10,
    "test-connector": Exit.CONSOLE_STEP_11,
    "to-app": Exit.CONSOLE_STEP_12,
}

COMMON: tuple[Exit, ...] = (Exit.OK, Exit.USAGE, Exit.INTERRUPTED)


def table(*codes: Exit) -> str:
    """The exit-code table for a command's help epilog (common codes included, in order)."""
    chosen = sorted(set(codes) | set(COMMON))
    lines = ["exit status:"]
    lines += [f"  {int(code):>3}  {MEANING[code]}" for code in chosen]
    return "\n".join(lines)


def markdown_table() -> str:
    """Every code as a Markdown table (the README's "Headless use" section shows this)."""
    rows = ["| Code | Meaning |", "|---:|---|"]
    rows += [f"| {int(code)} | {MEANING[code]} |" for code in Exit]
    return "\n".join(rows)
