"""Textual 8.2.x rendered every widget on the screen in full for each partial update: a fix.

``Compositor._get_renders`` (``textual/_compositor.py``) is given the region that holds
the update's dirty lines, and renders each widget whose *clip* overlaps it; a widget in
the screen's own layout is clipped to the whole screen, so every widget was rendered, all
its lines, for an update that changed only the feed's rows and its status line. Cached
lines make each one cheap, but under fan-in (a following feed repainted 11 times a
second) the header, the footer, the table and the containers cost ~1 µs per message.

The fix renders only the widgets whose visible part overlaps that region, and of them
only the lines inside it, as Textual already does for a widget its container clips. What
it leaves out lies outside the region, which the update does not write. Nor does it render
a widget that the widgets in front of it already cover there (the main screen and the
feed's container behind the feed and its status line: ~0.2 ms of each update): the first
render of a cut wins, so a hidden widget's lines were made only to be thrown away. It is applied
only to the method of Textual 8.2 (``textual>=8.2.8,<8.3`` in ``pyproject.toml``), checked
by the names its code uses.
"""

from __future__ import annotations

from collections.abc import Iterator

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

Render = tuple[Region, Region, list[Strip]]

_ORIGINAL = Compositor._get_renders
# Names the code of Textual 8.2's method uses (a cheap check of its shape at start-up).
_SHAPE = frozenset({"visible_widgets", "overlaps", "contains_region", "render_lines"})


def _get_renders(self: Compositor, crop: Region | None = None) -> Iterator[Render]:
    if not crop:  # a full update: everything, as before
        yield from _ORIGINAL(self, crop)
        return
    intersection = Region.intersection
    overlaps = crop.overlaps
    top, bottom = crop.y, crop.bottom
    drawn: list[Region] = []
    # Front to back, as the original: the first render of a cut wins.
    for widget, (region, clip) in list(self.visible_widgets.items()):
        shown = intersection(region, clip)
        if not (shown.width and shown.height and overlaps(shown)):
            continue
        first, last = max(shown.y, top), min(shown.bottom, bottom)
        rows = Region(shown.x, first, shown.width, last - first)
        if _hidden(rows, drawn):
            continue
        lines = Region(shown.x - region.x, first - region.y, shown.width, last - first)
        yield rows, rows, widget.render_lines(lines)
        drawn.append(rows)


def _hidden(rows: Region, front: list[Region]) -> bool:
    """Whether the regions drawn in front cover ``rows`` (a sufficient test: those as wide
    as ``rows`` at least, one above the other without a gap)."""
    left, right = rows.x, rows.right
    y, bottom = rows.y, rows.bottom
    for above, below in sorted((r.y, r.bottom) for r in front if r.x <= left and r.right >= right):
        if above > y:
            return False
        y = max(y, below)
        if y >= bottom:
            return True
    return False


def render_only_what_changed() -> bool:
    """Apply the fix once; whether it applied now (``False`` once applied, or on a
    Textual whose method is not the one it replaces)."""
    if Compositor._get_renders is not _ORIGINAL or not _SHAPE.issubset(_ORIGINAL.__code__.co_names):
        return False
    Compositor._get_renders = _get_renders  # type: ignore[method-assign]
    return True
