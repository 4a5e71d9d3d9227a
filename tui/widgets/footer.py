"""The key bar at the bottom of a screen: Textual's Footer without its per-key data binding.

Textual 8.2.8's ``Footer.compose`` binds every ``FooterKey`` it makes to the footer's
``compact`` reactive (``data_bind``). Each binding adds a watcher on the footer that holds
the key, and watchers are only pruned when ``compact`` changes, which never happens here:
every rebuild of the keys (each selection change, each return from help or the palette)
kept ~22 dead keys alive, ~1 MiB per selection change. This footer gives each key its
``compact`` value once instead (the footer's ``compact`` is never changed after mount),
and rebuilds once for a burst of binding changes instead of once per change.

It also fits its width: Quit and Help come first and always stay; the other keys follow
in the order Textual gives them (the focused widget's first) and the last ones that do not
fit are left out, instead of the bar scrolling Quit and Help off the right edge.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

__all__ = ["KeyFooter", "fit_keys"]

PINNED = ("request_quit", "help")
"""Actions whose keys the footer always shows, first."""


def key_width(key: FooterKey) -> int:
    """Cells a (non-compact) footer key takes: `` key description ``."""
    return cell_len(key.key_display) + 2 + (cell_len(key.description) + 1 if key.description else 0)


def fit_keys(keys: Iterable[FooterKey], width: int) -> list[FooterKey]:
    """The keys to show in ``width`` cells: the pinned ones first, then the others in order
    until one does not fit (every key is shown whole or not at all)."""
    keys = list(keys)
    pinned = sorted(
        (key for key in keys if key.action in PINNED), key=lambda key: PINNED.index(key.action)
    )
    shown = list(pinned)
    used = sum(key_width(key) for key in pinned)
    for key in keys:
        if key.action in PINNED:
            continue
        used += key_width(key)
        if used > width:
            break
        shown.append(key)
    return shown


class KeyFooter(Footer):
    """A :class:`~textual.widgets.Footer` whose rebuilds free the keys they replace."""

    def __init__(self) -> None:
        super().__init__()
        self._rebuild_pending = False
        self._composed_width = 0

    def compose(self) -> ComposeResult:
        compact = self.compact
        keys: list[FooterKey] = []
        others: list[Widget] = []  # the command palette's key (docked right), group labels
        for widget in super().compose():
            # Only the keys Footer.compose data-binds: the command palette's key keeps its
            # own (compact) look, one cell narrower, as Textual's Footer draws it.
            if isinstance(widget, FooterKey) and widget._reactive_connect:
                # Drop the pending data_bind (made in Footer.compose, applied at mount).
                widget._reactive_connect = None
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
                keys.append(widget)
            else:
                others.append(widget)
        room = (self.size.width or self.app.size.width) - sum(
            key_width(widget) + 1 for widget in others if isinstance(widget, FooterKey)
        )
        yield from fit_keys(keys, room)
        yield from others

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._composed_width:
            self._composed_width = event.size.width
            self._schedule_rebuild()

    def bindings_changed(self, screen: Screen[object]) -> None:
        # Footer's own handler queues one full rebuild per change: a burst of ten `j`
        # rebuilt the keys ten times after the burst, each ~10 ms.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self._schedule_rebuild()

    def _schedule_rebuild(self) -> None:
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
