"""Headless subcommands for automation and support (issue 6): status, plan, apply, verify,
report, support-bundle, forget, undo.

Every command drives the step engine (wizard/engine); none talks HTTP itself or re-implements
a step. Each module exposes `register(subparsers)` and keeps its top-level imports light so
`okta-kandji-setup --help` stays instant; the work happens in functions that import lazily.
"""

COMMAND_MODULES: tuple[str, ...] = (
    "wizard.commands.status",
    "wizard.commands.plan",
    "wizard.commands.apply",
    "wizard.commands.verify",
    "wizard.commands.report",
    "wizard.commands.support_bundle",
    "wizard.commands.forget",
    "wizard.commands.undo",
    "wizard.commands.doctor",
    "wizard.commands.reconcile",
    "wizard.commands.canary",
    "wizard.commands.rotate_token",
)
