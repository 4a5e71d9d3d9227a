"""Where notices go: never over the focused pane, nor over a dialog.

Textual docks each screen's notices (toasts) at its bottom right and stacks them upwards
over whatever is there, however many there are. Here a screen's notices are confined to a
band that covers nothing the operator works in: the main screen says which band (see
:meth:`tui.screens.main.MainScreen.fit_notices`), a dialog gets the larger of the bands
above and below it. A stack taller than its band shows the newest notices that fit; a band
too small for any shows none until the dialog closes (notices are kept until they time out).
"""

from __future__ import annotations

from typing import Any

from textual.css.query import NoMatches
from textual.geometry import Region
from textual.screen import ModalScreen, Screen
from textual.widgets._toast import ToastRack


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
