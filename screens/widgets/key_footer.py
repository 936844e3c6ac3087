"""The footer of every screen: Textual's Footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.widgets import Footer

# What one shown key looks like: its key, how it is displayed, its words, its action, whether it
# is enabled now, its tooltip and its group.
KeyLook = tuple[str, str, str, str, bool, str, object]


class KeyFooter(Footer):
    """Textual's Footer throws its keys away and mounts new ones each time the bindings might
    have changed, which is every focus move and every `refresh_bindings()`: about ten widgets
    mounted and restyled for each Tab or keypress, for a footer that nearly always reads the
    same. This one keeps its keys while what they would show is unchanged."""

    _shown: tuple[KeyLook, ...] | None = None

    def _keys_now(self) -> tuple[KeyLook, ...] | None:
        if not self._bindings_ready or not self.is_attached:
            return None
        app = self.app
        return tuple(
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
                binding.group,
            )
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )

    async def recompose(self) -> None:
        shown = self._keys_now()
        if shown is not None and shown == self._shown:
            return
        self._shown = shown
        await super().recompose()
