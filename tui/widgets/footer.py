"""The key bar at the bottom of a screen: Textual's Footer without its per-key data binding.

Textual 8.2.8's ``Footer.compose`` binds every ``FooterKey`` it makes to the footer's
``compact`` reactive (``data_bind``). Each binding adds a watcher on the footer that holds
the key, and watchers are only pruned when ``compact`` changes, which never happens here:
every rebuild of the keys (each selection change, each return from help or the palette)
kept ~22 dead keys alive, ~1 MiB per selection change. This footer gives each key its
``compact`` value once instead (the footer's ``compact`` is never changed after mount),
and rebuilds once for a burst of binding changes instead of once per change, and not at
all when the keys it would show are the ones it shows: opening and closing help or the
palette changed the main screen's bindings twice and rebuilt the same ~20 keys each time
(~10 ms each, then their styles, a layout of the whole screen and their repaint).

It also fits its width: Quit and Help come first and always stay, then the keys that only
show while they apply (``n``/``N`` after a search); the other keys follow in the order
Textual gives them (the focused widget's first) and the last ones that do not fit are left
out, instead of the bar scrolling Quit and Help off the right edge.

It shows only keys that work where the focus is: a key the focused text field or editor
types (``/`` in the composer) is not offered, although Textual 8.2.8 lists it (its
``key_to_character`` knows no character for ``slash``, ``minus``, ``plus``, ``at``,
``underscore`` and ``backslash``, so its filter of typed keys lets them through); and a
screen may keep a key that works but has nothing to do now off the bar
(:meth:`FooterHints.footer_shows`).
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.compose import compose
from textual.dom import DOMNode
from textual.keys import _character_to_key, key_to_character
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

__all__ = ["FooterHints", "KeyFooter", "fit_keys", "typed_away"]

PINNED = ("request_quit", "help")
"""Actions whose keys the footer always shows, first."""
PROMOTED = ("next_match",)
"""Actions whose keys come right after the pinned ones: they are only on the bar while they
apply (after a search), and are what the operator wants then."""

# Key name -> the character it types, for the names Textual's key_to_character misses.
_TYPED = {_character_to_key(char): char for char in string.printable if char.isprintable()}


def typed_character(key: str) -> str | None:
    """The character a key types (``slash`` -> ``/``), ``None`` for ``ctrl+x``, ``f1``..."""
    return key_to_character(key) or _TYPED.get(key)


def typed_away(screen: Screen[object], key: str, node: DOMNode) -> bool:
    """Whether ``key``, bound on ``node``, is typed into the focused text field or editor
    (below ``node``) instead of reaching its binding."""
    focused = screen.focused
    character = typed_character(key)
    if focused is None or character is None:
        return False
    for widget in focused.ancestors_with_self:
        if widget is node:
            return False
        if widget.check_consume_key(key, character):
            return True
    return False


@runtime_checkable
class FooterHints(Protocol):
    """A screen that keeps some working keys off the key bar while they have nothing to do."""

    def footer_shows(self, action: str) -> bool:
        """Whether the key bar offers ``action`` now."""


def key_width(key: FooterKey) -> int:
    """Cells a (non-compact) footer key takes: `` key description ``."""
    return cell_len(key.key_display) + 2 + (cell_len(key.description) + 1 if key.description else 0)


def action_name(key: FooterKey) -> str:
    """The action a key runs, without its arguments (``next_match(1)`` -> ``next_match``)."""
    return key.action.partition("(")[0]


def fit_keys(keys: Iterable[FooterKey], width: int) -> list[FooterKey]:
    """The keys to show in ``width`` cells: the pinned ones, then the promoted ones, then
    the others in order until one does not fit (every key is shown whole or not at all)."""
    first = (*PINNED, *PROMOTED)

    def rank(key: FooterKey) -> int:
        name = action_name(key)
        return first.index(name) if name in first else len(first)

    ordered = sorted(keys, key=rank)  # stable: the others keep Textual's order
    shown = [key for key in ordered if action_name(key) in PINNED]
    used = sum(key_width(key) for key in shown)
    for key in ordered[len(shown) :]:
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
        screen = self.screen
        active = screen.active_bindings
        hints = screen if isinstance(screen, FooterHints) else None
        keys: list[FooterKey] = []
        others: list[Widget] = []  # the command palette's key (docked right), group labels
        for widget in super().compose():
            # Only the keys Footer.compose data-binds: the command palette's key keeps its
            # own (compact) look, one cell narrower, as Textual's Footer draws it.
            if isinstance(widget, FooterKey) and widget._reactive_connect:
                binding = active.get(widget.key)
                if binding is not None and typed_away(screen, widget.key, binding.node):
                    continue
                if hints is not None and not hints.footer_shows(action_name(widget)):
                    continue
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
        if not self.is_attached or self._pruning:
            return
        keys = compose(self)
        showing = [w for w in self.children if not w.has_class("-textual-system")]
        shown = shows(showing)
        if shown is not None and shows(keys) == shown:
            return  # the same keys: the new ones are dropped unmounted
        # Widget.recompose, with the keys composed above.
        async with self.batch():
            await self.query_children("*").exclude(".-textual-system").remove()
            if self.is_attached:
                await self.mount_all(keys)


def shows(widgets: Iterable[Widget]) -> list[tuple[object, ...]] | None:
    """What a footer's keys show, to compare two rebuilds; ``None`` if one of them is not a
    plain key (a binding group's: wsdeck has none, and they are rebuilt every time)."""
    shown: list[tuple[object, ...]] = []
    for widget in widgets:
        if type(widget) is not FooterKey:
            return None
        # Mounting adds "-compact" to the palette's key (``compact`` says it already).
        classes = tuple(sorted(widget.classes - {"-compact"}))
        shown.append(
            (
                *(widget.key, widget.key_display, widget.description, widget.action),
                *(widget.disabled, widget.tooltip, widget.compact, classes),
            )
        )
    return shown
