"""Where notices go: never over the focused pane, nor over a dialog.

Textual docks each screen's notices (toasts) at its bottom right and stacks them upwards
over whatever is there, however many there are. Here a screen's notices are confined to a
band that covers nothing the operator works in: the main screen says which band (see
:meth:`tui.screens.main.MainScreen.fit_notices`), a dialog gets the larger of the bands
above and below it. A stack taller than its band shows the newest notices that fit; a band
too small for any shows none until the dialog closes (notices are kept until they time out).

A full screen (the detail, the settings) whose focused widget leaves no band big enough
makes room: the widget gives up rows at its bottom to the notices while they show, like
the message line of a pager, and takes them back when they are gone.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from textual.css.query import NoMatches
from textual.geometry import Region
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._toast import Toast, ToastRack

_given: WeakKeyDictionary[Widget, int] = WeakKeyDictionary()
"""Rows each focused widget gave up to the notices (its bottom margin, set here)."""


def confine(screen: Screen[Any], room: int, tries: int = 5) -> ToastRack | None:
    """Let ``screen``'s notices take at most ``room`` rows; returns its rack, if any.

    A notice just raised has no size until it is laid out: then this runs again after the
    next refresh (up to ``tries`` times).
    """
    try:
        rack = screen.get_child_by_type(ToastRack)
    except NoMatches:
        return None
    rack.styles.max_height = max(0, room)
    # The newest notices that fit are shown, the older ones wait (Textual's rack would
    # scroll to its end, but a hidden rack has no scroll extent: the oldest stayed on top).
    # Holders are invisible (not laid out), their toasts are; a hidden toast keeps the
    # size it was last laid out with.
    used = 0
    unsized = False
    for holder in reversed(rack.children):
        height = sum(toast.outer_size.height for toast in holder.children)
        unsized = unsized or not height
        used += height
        holder.display = used <= room
    if unsized and tries > 1:
        rack.call_after_refresh(confine, screen, room, tries - 1)
    return rack


def beside_dialog(screen: Screen[Any]) -> None:
    """Put a dialog's notices in the larger band above or below it (none if neither fits)."""
    if not isinstance(screen, ModalScreen) or not screen.is_mounted:
        return
    parts = [c.region for c in screen.children if not isinstance(c, ToastRack) and c.display]
    dialog = Region.from_union(parts) if parts else Region()
    above, below = dialog.y, screen.size.height - dialog.bottom
    rack = confine(screen, max(above, below))
    if rack is not None:
        top = above > below
        rack.styles.dock = "top" if top else "bottom"
        rack.styles.align = ("right", "top" if top else "bottom")
        rack.styles.margin = 0


ONE_LINE_NOTICE = 4
"""Rows a one-line notice takes (a line, padding above and below, a margin): the guess for
a notice not laid out yet, which is laid out in that much room and then measured."""


def _stack_height(rack: ToastRack) -> tuple[int, bool]:
    """Rows the rack's notices take, and whether that is a guess (one is not laid out yet)."""
    height, guessed = 0, False
    for holder in rack.children:
        for toast in holder.children:
            if toast.outer_size.height:
                height += toast.outer_size.height + toast.styles.margin.top
            else:
                height += ONE_LINE_NOTICE
                guessed = True
    return height, guessed


RETRY = 0.03
"""Seconds between two looks at toasts still being mounted or laid out (Textual mounts a
toast's content in steps, over more than one refresh of an idle screen)."""


def beside_focus(screen: Screen[Any], tries: int = 20) -> None:
    """Put a full screen's notices beside its focused widget, making room under it if need be.

    The larger band above or below the widget takes them if they fit there; otherwise the
    widget gives up rows at its bottom (at most half of them) while notices show.
    """
    if isinstance(screen, ModalScreen) or not screen.is_mounted:
        return
    focused = screen.focused
    rack = next(iter(screen.query_children(ToastRack)), None)
    # Textual mounts toasts some time after it is told of a notice: until the rack holds one
    # toast per notice, all laid out, look again a little later (``tries`` more times).
    toasts = 0 if rack is None else len(rack.query(Toast))
    needed, guessed = (0, False) if rack is None else _stack_height(rack)
    if (guessed or toasts != len(screen.app._notifications)) and tries > 1:
        screen.set_timer(RETRY, partial(beside_focus, screen, tries - 1), name="place-notices")
    if rack is None or focused is None:
        return
    given = _given.get(focused, 0)
    area = focused.region
    bottom = area.bottom + given  # where the widget ends when it gives nothing
    footer = sum(child.outer_size.height for child in screen.query_children(Footer))
    above, below = area.y, screen.size.height - footer - bottom
    room = max(above, below)
    if needed > room and needed:
        give = min(needed, (bottom - area.y) // 2)
        room = give
        above, below = 0, give  # the band is the rows given, at the widget's new bottom
    else:
        give = 0
    if give != given:
        focused.styles.margin = (0, 0, give, 0)
        _given[focused] = give
    top = above > below
    rack.styles.dock = "top" if top else "bottom"
    rack.styles.align = ("right", "top" if top else "bottom")
    rack.styles.margin = (0, 0, 0, 0) if top else (0, 0, screen.size.height - bottom, 0)
    confine(screen, room)
