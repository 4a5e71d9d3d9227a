"""The key bar at the bottom of a screen: Textual's Footer without its per-key data binding.

Textual 8.2.8's ``Footer.compose`` binds every ``FooterKey`` it makes to the footer's
``compact`` reactive (``data_bind``). Each binding adds a watcher on the footer that holds
the key, and watchers are only pruned when ``compact`` changes, which never happens here:
every rebuild of the keys (each selection change, each return from help or the palette)
kept ~22 dead keys alive, ~1 MiB per selection change. This footer gives each key its
``compact`` value once instead (the footer's ``compact`` is never changed after mount),
and rebuilds once for a burst of binding changes instead of once per change.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

__all__ = ["KeyFooter"]


class KeyFooter(Footer):
    """A :class:`~textual.widgets.Footer` whose rebuilds free the keys they replace."""

    def __init__(self) -> None:
        super().__init__()
        self._rebuild_pending = False

    def compose(self) -> ComposeResult:
        compact = self.compact
        for widget in super().compose():
            # Only the keys Footer.compose data-binds: the command palette's key keeps its
            # own (compact) look, one cell narrower, as Textual's Footer draws it.
            if isinstance(widget, FooterKey) and widget._reactive_connect:
                # Drop the pending data_bind (made in Footer.compose, applied at mount).
                widget._reactive_connect = None
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        # Footer's own handler queues one full rebuild per change: a burst of ten `j`
        # rebuilt the keys ten times after the burst, each ~10 ms.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
