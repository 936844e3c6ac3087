"""Deleting the tenant's Kandji token once Okta holds it (the finish screen and the rotation
screen offer it), and the one sentence that says truly where it was deleted from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from screens.widgets.action_text import escape

if TYPE_CHECKING:
    from screens.host import WizardHost


def forget_kandji_token(host: WizardHost) -> str:
    """Runs in a worker thread: a keyring call can block. Returns markup for the screen."""
    from wizard.secrets import Purpose, SecretStoreError

    assert host.org is not None
    try:
        removed = host.secrets.delete(host.org.host, Purpose.KANDJI_SCIM_TOKEN)
    except SecretStoreError as exc:
        return f"[red]{escape(str(exc))}[/red]"
    if not removed:
        return "No Kandji token was stored."
    where = "this run's memory" if host.secrets.memory_only else "the keyring"
    return f"[green]The Kandji token is deleted from {where}.[/green]"
