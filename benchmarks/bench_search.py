"""Search as you type over 100 000 events: does each keystroke answer within a frame?

A feed of 100 000 events (ticker-like JSON text, one in a hundred carrying an error) is
mounted headless at 120x40; then a search is typed a letter at a time (``e``, ``er`` …
``error``, and a regex). For each keystroke this times what the dashboard does before the
next frame (``EventFeed.set_search``: a first bounded step through the ring, then the
highlighted rows on screen drawn again), and then every later step that counts the
matches over the whole ring between frames, until the count (``3/120``) is final.

Target: each keystroke and each later step within a frame at 60 Hz (16.7 ms). Times are
CPU time (``time.process_time``), which the other processes of a shared machine move less
than wall time. Prints one JSON document; not part of ``run_all.py``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from common import check, main_for, result
from textual.app import App, ComposeResult

from tui.core.events import ReceiveEvent
from tui.core.ring import ALL, EventRing, FeedFilter
from tui.widgets.feed import EventFeed
from tui.widgets.feed_matches import SearchMatches

FRAME = 1 / 60
"""Seconds of one frame at 60 Hz."""
SIZE = (120, 40)
TYPED: list[tuple[str, bool]] = [
    *(("error"[:length], False) for length in range(1, 6)),
    ("err(or|no)", True),
]
"""What is typed, one keystroke at a time (text), and a regex searched as a whole."""


def events(count: int) -> list[ReceiveEvent]:
    out = []
    for seq in range(1, count + 1):
        kind = "error" if seq % 100 == 0 else "tick"
        data = f'{{"type":"{kind}","seq":{seq},"price":101.25,"sym":"ACME","ts":"2026-11-29"}}'
        out.append(
            ReceiveEvent(f"feed-{seq % 4}", 1_795_600_000 + seq / 1000, seq, data, len(data))
        )
    return out


class FeedApp(App[None]):
    def __init__(self, ring: EventRing) -> None:
        super().__init__()
        self.ring = ring

    def compose(self) -> ComposeResult:
        yield EventFeed(self.ring)


async def measure(count: int, runs: int) -> dict[str, Any]:
    ring = EventRing(count)
    ring.extend(events(count))
    app = FeedApp(ring)
    keystrokes: list[float] = []
    steps: list[float] = []
    totals: dict[str, list[float]] = {}
    matches_found: dict[str, int] = {}
    async with app.run_test(size=SIZE) as pilot:
        feed = app.query_one(EventFeed)
        await pilot.pause()
        height = feed.scrollable_content_region.height
        for _ in range(runs):
            for text, regex in TYPED:
                search = FeedFilter(search=text, regex=regex)
                started = time.process_time()
                feed.set_search(search)  # what a keystroke does before the frame
                for y in range(height):
                    feed.render_line(y)
                keystrokes.append(time.process_time() - started)
                # The count over the whole ring, in the steps the feed takes between frames
                # (a fresh search of its own: the feed's is then let finish as the app runs).
                matches = SearchMatches(ring, ALL, search)
                total = 0.0
                for _ in range(100_000):  # bounded: far more steps than any search needs
                    began = time.process_time()
                    more = matches.step()
                    spent = time.process_time() - began
                    steps.append(spent)
                    total += spent
                    if not more:
                        break
                totals.setdefault(text, []).append(total)
                matches_found[text] = len(matches)
            feed.set_search(None)
    return {
        "keystrokes": keystrokes,
        "steps": steps,
        "totals": totals,
        "matches": matches_found,
    }


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    count = 10_000 if quick else 100_000
    measured = asyncio.run(measure(count, runs))
    keystrokes = [seconds * 1000 for seconds in measured["keystrokes"]]
    steps = [seconds * 1000 for seconds in measured["steps"]]
    figures = {
        "events": count,
        "typed": [text for text, _ in TYPED],
        "keystroke_ms": {
            "median": round(statistics.median(keystrokes), 2),
            "max": round(max(keystrokes), 2),
        },
        "count_step_ms": {
            "median": round(statistics.median(steps), 2),
            "max": round(max(steps), 2),
        },
        "full_count_ms": {
            text: round(statistics.median(values) * 1000, 1)
            for text, values in measured["totals"].items()
        },
        "matches": measured["matches"],
        "frame_ms": round(FRAME * 1000, 1),
    }
    checks = [
        check("slowest keystroke (CPU ms)", figures["keystroke_ms"]["max"], "<=", FRAME * 1000),
        check("slowest count step (CPU ms)", figures["count_step_ms"]["max"], "<=", FRAME * 1000),
    ]
    return result("search as you type over a full ring", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
