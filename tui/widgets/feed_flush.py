"""When the feed repaints for new events: at most one repaint per interval, none ever lost.

Over SSH every repaint costs bandwidth, so new events repaint the feed at most every
``interval``; a slower safety tick repaints events that waited a whole tick with no repaint.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget

# The shortest repaint timer asked of Textual (see FlushPacer.request).
_MIN_TIMER = 0.001


class FlushPacer:
    """Runs ``flush`` for new events no more often than every ``interval`` seconds."""

    def __init__(self, widget: Widget, flush: Callable[[], None], interval: float) -> None:
        """Pace ``flush`` (which must call :meth:`flushed`) with ``widget``'s timers."""
        self._widget = widget
        self._flush = flush
        self._interval = interval
        self._timer: Timer | None = None
        self._behind = False  # events taken in that no flush has shown yet
        self._behind_at_last_tick = False
        self.last_flush = float("-inf")
        """When the last flush ran (``time.monotonic``)."""

    def flushed(self) -> None:
        """A flush ran (paced or not): nothing is waiting any more."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._behind = self._behind_at_last_tick = False
        self.last_flush = time.monotonic()

    def request(self) -> bool:
        """Events wait to be shown: flush now, or when the interval since the last is over.

        Returns whether the flush ran now.
        """
        self._behind = True
        if self._timer is not None:
            return False
        wait = self.last_flush + self._interval - time.monotonic()
        if wait <= 0 or not self._widget.is_mounted:
            self._flush()
            return True
        # Textual 8.2.8: a one-shot timer under ~1 µs returns without ever firing,
        # and only flushed() clears _timer: one lost timer stopped the feed for good.
        wait = max(wait, _MIN_TIMER)
        self._timer = self._widget.set_timer(wait, self._flush, name="feed-flush")
        return False

    def catch_up(self) -> None:
        """The safety net: flush if events have waited a whole tick with no flush."""
        if self._behind and self._behind_at_last_tick:
            self._flush()
        self._behind_at_last_tick = self._behind
