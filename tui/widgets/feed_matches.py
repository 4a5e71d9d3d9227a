"""Search that finds without hiding: which shown events match, the next and previous match,
and the highlighted spans of a row.

The matches are a second :class:`FilteredView` over the feed's ring (the feed's filter plus
the search), so they are found in the same bounded steps as a re-filter and kept up to
date as events arrive and leave; a keystroke costs one short step, not a scan of the ring.
"""

from __future__ import annotations

from dataclasses import replace

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tui.core.ring import EventRing, FeedFilter, FilteredView

__all__ = ["STEP_SECONDS", "SearchMatches", "highlight"]

STEP_SECONDS = 0.006
"""How long one step of the search through the ring may take: a keystroke does one before
the screen updates, the rest run between frames (60 a second: 16.7 ms each)."""


def search_of(flt: FeedFilter) -> FeedFilter:
    """Only the search part of ``flt`` (text, regex, case)."""
    return FeedFilter(search=flt.search, regex=flt.regex, case_sensitive=flt.case_sensitive)


class SearchMatches:
    """The events that match ``search`` among those ``base`` shows, oldest first."""

    def __init__(self, ring: EventRing, base: FeedFilter, search: FeedFilter) -> None:
        """Start finding matches (nothing is scanned until :meth:`step`).

        Raises:
            ValueError: the search's regular expression is invalid.
        """
        self.search = search_of(search)
        self.view = FilteredView(
            ring,
            replace(
                base, search=search.search, regex=search.regex, case_sensitive=search.case_sensitive
            ),
        )

    @property
    def pending(self) -> bool:
        """Whether part of the ring is still to be scanned."""
        return self.view.pending

    def step(self) -> bool:
        """Search the next part of the ring (new events first); returns :attr:`pending`."""
        return self.view.step(max_seconds=STEP_SECONDS)

    def sync(self) -> bool:
        """Take in events added to or evicted from the ring; returns :attr:`pending`."""
        return self.view.sync()

    def __len__(self) -> int:
        return len(self.view)

    def number(self, pos: int | None) -> int | None:
        """The 1-based number of the match at ``pos`` (``None``: not a match)."""
        if pos is None or not self.view.contains(pos):
            return None
        return self.view.row_of(pos) + 1

    def after(self, pos: int | None) -> int | None:
        """The first match after ``pos`` (from the oldest when none is after it)."""
        view = self.view
        view.finish()
        if not len(view):
            return None
        row = 0 if pos is None else view.row_of(pos + 1)
        return view.position(row if row < len(view) else 0)

    def before(self, pos: int | None) -> int | None:
        """The last match before ``pos`` (from the newest when none is before it)."""
        view = self.view
        view.finish()
        if not len(view):
            return None
        row = len(view) if pos is None else view.row_of(pos)
        return view.position(row - 1 if row > 0 else -1)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the search occurs in ``text``."""
        return self.search.spans(text)


def highlight(strip: Strip, spans: list[tuple[int, int]], style: Style) -> Strip:
    """``strip`` with ``style`` over the characters in ``spans`` (sorted, not overlapping)."""
    if not spans:
        return strip
    segments: list[Segment] = []
    start = 0  # character offset of the segment in the row's text
    index = 0
    for segment in strip:
        text, seg_style, control = segment
        end = start + len(text)
        cut = start
        while index < len(spans) and spans[index][0] < end:
            lo, hi = max(spans[index][0], start), min(spans[index][1], end)
            if lo > cut:
                segments.append(Segment(text[cut - start : lo - start], seg_style, control))
            if hi > lo:
                marked = style if seg_style is None else seg_style + style
                segments.append(Segment(text[lo - start : hi - start], marked, control))
                cut = hi
            if spans[index][1] <= end:
                index += 1
            else:
                break
        if cut < end:
            segments.append(Segment(text[cut - start :], seg_style, control))
        start = end
    return Strip(segments, strip.cell_length)
