"""The line under the feed: following or paused, how many events, what the filter hides.

The text is plain (filter text and connection names come from the operator and the
settings), and the line is only updated when it changes.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tui.core.display import counted, printable
from tui.core.ring import FeedFilter
from tui.widgets.feed import EventFeed
from tui.widgets.line_finish import LineFinish, line_finish

__all__ = ["FeedStatus", "describe_filter", "match_text", "shown_by"]


def searched(text: str) -> str:
    """A search as the operator typed it, cut to 30 characters: a backslash stays one (a
    regex's ``\\d`` is not ``\\\\d``); control and invisible characters are escaped."""
    return printable(text, 30, backslash=False)


def describe_filter(feed_filter: FeedFilter) -> str:
    """``filter connections: …; kinds: …; search: …``, or nothing when all events pass."""
    parts = []
    if feed_filter.connections is not None:
        parts.append("connections: " + ",".join(sorted(feed_filter.connections)))
    if feed_filter.kinds is not None:
        parts.append("kinds: " + ",".join(sorted(feed_filter.kinds)))
    if feed_filter.search:
        kind = "regex" if feed_filter.regex else "search"
        parts.append(f"{kind}: {searched(feed_filter.search)}")
    return "filter " + "; ".join(parts) if parts else ""


def shown_by(feed_filter: FeedFilter) -> str:
    """`` shown by the … filter`` when a filter is active, else nothing."""
    description = describe_filter(feed_filter)
    return f" shown by the {description.removeprefix('filter ')} filter" if description else ""


def match_text(feed: EventFeed) -> str:
    """``3/120`` (the highlighted event is match 3 of 120), ``120 matches``, ``no match``;
    ``…`` while the ring is still being searched; nothing without a search."""
    if feed.search is None:
        return ""
    count, more = feed.match_count, "…" if feed.matching else ""
    if not count:
        return f"no match{more}"
    number = feed.match_number
    if number is not None:
        return f"{number}/{count}{more}"
    return f"{count} match{'' if count == 1 else 'es'}{more}"


def status_text(feed: EventFeed, recording_stopped: str | None, search_error: str = "") -> str:
    """The status line for ``feed``; ``recording_stopped`` says why recording stopped,
    ``search_error`` why the search being typed is not a valid regex."""
    if feed.following:
        parts = ["following"]
    else:
        paused = f"paused — {feed.new_since_pause} new"
        if feed.dropped_since_pause:
            paused += f", {feed.dropped_since_pause} more dropped"
        if feed.highlighted_dropped:
            paused += ", its row dropped"  # the highlighted event left the ring
        parts = [paused + " (End)"]
    if recording_stopped:  # stays until a retry succeeds (ctrl+p → recording: retry)
        parts.insert(0, f"⚠ recording stopped: {recording_stopped} (ctrl+p: recording: retry)")
    # What the feed holds: cleared events stay in the ring for undo but are not counted.
    shown = len(feed.view)
    parts.append(counted(shown, "event") if feed.filter.is_all else f"{shown} shown")
    if feed.dropped:
        parts.append(f"{feed.dropped} dropped")
    description = describe_filter(feed.filter)
    if description:
        parts.append(description)
    search = feed.search
    if search_error:  # instead of the last valid search's count, which would pass for its
        parts.append("bad regex: " + search_error.removeprefix("invalid regular expression: "))
    elif search is not None:
        label = f"{'regex' if search.regex else 'search'}: {searched(search.search)}"
        if not feed.match_count:
            # Said in words: an empty result must not read like a quiet feed.
            parts.append(f"no event matches {label}{'…' if feed.matching else ''}")
        else:
            parts.append(match_text(feed) if description else f"{label} {match_text(feed)}")
    if feed.filter_error:
        parts.append(feed.filter_error)
    return " · ".join(parts)


class FeedStatus(Widget):
    """One line of feed status, repainted only when its text changes.

    Drawn as one segment in the widget's style (cut to its width), not as a ``Static``'s
    content: the line changes with nearly every repaint of a following feed, and a Static
    took ~0.35 ms to lay its text out each time (~2 % of the App's CPU under fan-in).
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown = ""
        self._finish: LineFinish | None = None  # see render_lines

    def show(self, feed: EventFeed, recording_stopped: str | None, search_error: str = "") -> None:
        """Show the status of ``feed`` (see :func:`status_text`)."""
        status = status_text(feed, recording_stopped, search_error)
        if status != self._shown:
            self._shown = status
            # One line of fixed height: no layout needed (a layout per update costs ms).
            self.refresh()

    def render(self) -> Text:
        """The line's text (what :meth:`render_line` draws)."""
        return Text(self._shown, end="")

    def render_line(self, y: int) -> Strip:
        return self._line(y, self.rich_style)

    def _line(self, y: int, style: Style) -> Strip:
        if y or not self._shown:
            return Strip([])  # Textual pads lines to the width in the background's style
        line = Strip([Segment(self._shown, style)])
        width = self.size.width
        return line.crop(0, width) if line.cell_length > width else line

    def render_lines(self, crop: Region) -> list[Strip]:
        # Drawn finished, padding and all (see tui.widgets.line_finish): Textual's styles
        # cache made three more Strips of the line at each change.
        finish = line_finish(self)
        if finish != self._finish:
            self._finish = finish
            self._styles_cache.clear()  # lines kept by line, finished or not
        if finish is None:
            return super().render_lines(crop)
        return finish.lines(self, crop, lambda y: self._finished_line(finish, y))

    def _finished_line(self, finish: LineFinish, y: int) -> Strip:
        # The widget's style is worked out once (it walks every ancestor's styles).
        line = self._line(y, finish.style(self.rich_style))
        return finish.padded(list(line), line.cell_length)
