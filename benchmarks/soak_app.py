"""The real dashboard (``wsdeck ARGS``) with probes for the soak benchmark.

``python benchmarks/soak_app.py PROBE_FILE ARGS...`` runs ``wsdeck ARGS`` exactly (same
CLI, same terminal driver) and, once the dashboard has started, appends one JSON line a
second to ``PROBE_FILE`` with what only the process itself can see:

- ``tasks``: asyncio tasks alive;
- ``widgets``: widget objects alive (after a full collection, every 10 s, only while the
  main screen is on top: help and the palette add their own for a moment);
- ``stale``: the longest time in the last second between a batch of events entering the
  ring and the feed showing its last event, while the feed follows; a batch still unshown
  counts with its age so far (a feed that stopped repainting shows as a growing figure).

Probes cost nothing per message: one timestamp per batch (the ring's ``extend``) and one
check per feed flush (at most ~15 a second).
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections import deque
from typing import Any

from textual.widget import Widget

from tui.app import WsdeckApp
from tui.cli import main
from tui.core.ring import EventRing
from tui.widgets.feed import EventFeed

WIDGETS_EVERY = 10.0
_PENDING_LIMIT = 100_000  # batches waiting to be shown (bounded even if the feed stalls)


class Probe:
    """Batch arrival times against what the feed shows, and the periodic JSON line."""

    def __init__(self, path: str) -> None:
        self.out = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        self.pending: deque[tuple[float, int]] = deque(maxlen=_PENDING_LIMIT)
        self.stale = 0.0
        self.widgets_at = float("-inf")

    def arrived(self, last_seq: int) -> None:
        self.pending.append((time.monotonic(), last_seq))

    def shown(self, feed: EventFeed) -> None:
        event = feed.highlighted
        if not feed.following or event is None:
            self.pending.clear()  # paused or filtered: not a staleness case
            return
        now = time.monotonic()
        while self.pending and self.pending[0][1] <= event.seq:
            arrived, _ = self.pending.popleft()
            self.stale = max(self.stale, now - arrived)

    def tick(self, app: WsdeckApp) -> None:
        now = time.monotonic()
        stale = self.stale
        if self.pending:
            stale = max(stale, now - self.pending[0][0])
        self.stale = 0.0
        record: dict[str, Any] = {
            "t": now,
            "tasks": len(asyncio.all_tasks()),
            "stale": round(stale, 4),
            "ring": len(app.ring),
            "screen": type(app.screen).__name__,
        }
        if app.screen is app.main and now - self.widgets_at >= WIDGETS_EVERY:
            self.widgets_at = now
            gc.collect()
            record["widgets"] = sum(isinstance(o, Widget) for o in gc.get_objects())
        self.out.write(json.dumps(record) + "\n")


def install(probe: Probe) -> None:
    extend = EventRing.extend
    flush = EventFeed.flush
    start = WsdeckApp._start

    def probed_extend(self: EventRing, events: Any) -> Any:
        done = extend(self, events)
        if events:
            probe.arrived(events[-1].seq)
        return done

    def probed_flush(self: EventFeed) -> None:
        flush(self)
        if self.is_mounted:
            probe.shown(self)

    def probed_start(self: WsdeckApp) -> None:
        start(self)
        self.set_interval(1.0, lambda: probe.tick(self), name="soak-probe")

    EventRing.extend = probed_extend  # type: ignore[method-assign]
    EventFeed.flush = probed_flush  # type: ignore[method-assign]
    WsdeckApp._start = probed_start  # type: ignore[method-assign]


if __name__ == "__main__":
    install(Probe(sys.argv[1]))
    raise SystemExit(main(sys.argv[2:]))
