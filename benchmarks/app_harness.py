"""The real dashboard (``WsdeckApp``, headless ``run_test`` at 120x40) under a benchmark load.

``python benchmarks/app_harness.py MODE CONFIG [ARGS]`` loads ``CONFIG`` the way ``wsdeck
--config`` does, runs the App headless and prints one JSON object. The only additions to the
App are probes that cost nothing per message: the ring is swapped for a subclass that notes
the time (and CPU time) of each batch stored, a 50 ms interval timer and a task that sleeps
5 ms at a time note when the event loop gets to them,
and (latency mode only) the feed's ``render_line`` is wrapped to see what is drawn.

Modes:
    flood CONFIG COUNT [RSS_AT]: one connection drains a flood; time (and CPU time) until
        the COUNT-th message is in the App's store, longest event-loop stall, counters, RSS
        (also when the store reached RSS_AT messages, for the memory target).
    fanin CONFIG CONNS EXPECTED: every connection reads ``/fanin``; delay from send to the
        store of every message, CPU between the first and the last message, RSS once all
        connections are open (before traffic).
    idle CONFIG: RSS of the mounted App (the base for memory per connection).
    latency CONFIG COUNT: one ``/paced`` connection; delay from send to the first rendered
        feed line that shows the message.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import re
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import psutil

from settings import load_settings
from tui.app import WsdeckApp
from tui.core.client import State
from tui.core.events import Event, ReceiveEvent
from tui.core.ring import EventRing
from tui.widgets.feed import EventFeed

try:
    from tui.launch import tune_gc
except ImportError:  # an older wsdeck, benchmarked for comparison

    def tune_gc() -> None:
        pass


SIZE = (120, 40)
TICK = 0.05
PROBE = 0.005  # the stall probe's sleep: a stall is seen to within this
_PROCESS = psutil.Process()


def rss() -> int:
    return int(_PROCESS.memory_info().rss)


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class ProbeRing(EventRing):
    """The App's ring, noting when batches are stored (and, if asked, each message's delay)."""

    def __init__(self, max_events: int, *, delays: bool = False, rss_at: int = 0) -> None:
        super().__init__(max_events)
        self.t_first: float | None = None
        self.marks: list[tuple[float, int]] = []  # (time, total) per batch
        self.cpu_marks: list[float] = []
        self.want_delays = delays
        self.delays: list[int] = []
        self.cpu_first_receive: float | None = None
        self.t_first_receive: float | None = None
        self.cpu_last: float = 0.0
        self.t_last: float = 0.0
        self.receives = 0
        self.rss_at = rss_at
        self.rss_sample: int | None = None

    def extend(self, events: Sequence[Event]) -> None:
        super().extend(events)
        now = time.monotonic()
        if self.t_first is None:
            self.t_first = now
        self.marks.append((now, self.total))
        self.cpu_marks.append(time.process_time())
        if self.rss_at and self.rss_sample is None and self.total >= self.rss_at:
            self.rss_sample = rss()
        if self.want_delays:
            now_ns = time.monotonic_ns()
            record = self.delays.append
            count = 0
            for event in events:
                if type(event) is ReceiveEvent:
                    record(now_ns - int(event.data[9:28]))
                    count += 1
            if count:
                if self.cpu_first_receive is None:
                    self.cpu_first_receive = time.process_time()
                    self.t_first_receive = now
                self.receives += count
                self.cpu_last = time.process_time()
                self.t_last = now


def _cpu_until(ring: ProbeRing, total: int) -> float:
    """CPU seconds from the first batch stored to the one that made ``total``."""
    for (_, stored), cpu in zip(ring.marks, ring.cpu_marks, strict=True):
        if stored >= total:
            return cpu - ring.cpu_marks[0]
    return float("nan")


def time_reaching(marks: list[tuple[float, int]], total: int) -> float | None:
    """When the store first held ``total`` events."""
    for when, stored in marks:
        if stored >= total:
            return when
    return None


def longest_gap(ticks: list[float], start: float, end: float) -> float:
    """Longest time between two timer ticks during ``start..end`` (edges included)."""
    longest = 0.0
    for before, after in itertools.pairwise(ticks):
        if after >= start and before <= end:
            longest = max(longest, after - before)
    return longest


async def wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def make_app(config: Path, **ring_options: Any) -> tuple[WsdeckApp, ProbeRing]:
    settings = load_settings(config)
    app = WsdeckApp(settings, config_path=config)
    ring = ProbeRing(settings.feed.max_events, **ring_options)
    app.ring = ring  # MainScreen builds the feed over app.ring when it mounts
    tune_gc()  # as `wsdeck` does once the App is built
    return app, ring


async def flood(config: Path, count: int, rss_at: int) -> dict[str, Any]:
    app, ring = make_app(config, rss_at=rss_at)
    ticks: list[float] = []
    fine: list[float] = []
    frames = _count_feed_frames()
    async with app.run_test(size=SIZE):
        app.set_interval(TICK, lambda: ticks.append(time.monotonic()))
        probe = asyncio.ensure_future(_probe(fine))
        # start + count receives; the stop event follows
        finished = await wait_for(lambda: ring.total >= count + 1, timeout=600)
        t_end = time_reaching(ring.marks, count + 1)
        await asyncio.sleep(0.2)  # let the last repaint happen before reading the feed
        client = next(iter(app.hub.clients.values()))
        feed = app.main.query_one(EventFeed)
        start = ring.t_first or 0.0
        end = t_end or time.monotonic()
        receives = sum(1 for event in ring if type(event) is ReceiveEvent)
        result = {
            "finished": finished,
            "count": count,
            "msgs_in": client.stats.msgs_in,
            "stored_total": ring.total,
            "receives_kept": receives,
            "dropped": ring.dropped,
            "t_start_event": ring.t_first,
            "t_end": t_end,
            "longest_gap": longest_gap(ticks, start, end),
            "ticks": len([t for t in ticks if start <= t <= end]),
            "stall": longest_gap(fine, start, end),
            "cpu": _cpu_until(ring, count + 1),
            "feed_following": feed.following,
            "feed_visible": feed.display and feed.size.height > 0,
            "feed_size": [feed.size.width, feed.size.height],
            "feed_frames": _frames_between(frames, start, end),
            "batches": len([m for m in ring.marks if start <= m[0] <= end]),
            "rss_at": ring.rss_sample,
            "rss_end": rss(),
            "peak_rss": peak_rss(),
        }
        probe.cancel()
    return result


During = Callable[[WsdeckApp, ProbeRing, Callable[[], bool]], Awaitable[dict[str, Any]]]
"""Something to do in the App during the traffic (told whether it still flows); its figures."""


async def fanin(
    config: Path, conns: int, expected: int, during: During | None = None
) -> dict[str, Any]:
    app, ring = make_app(config, delays=True)
    async with app.run_test(size=SIZE):
        clients = app.hub.clients
        opened = await wait_for(
            lambda: len(clients) == conns and all(c.state is State.OPEN for c in clients.values()),
            timeout=120,
        )
        gc.collect()
        rss_open = rss()
        deadline = time.monotonic() + 300

        def flowing() -> bool:
            return ring.receives < expected and time.monotonic() < deadline

        extra = asyncio.create_task(during(app, ring, flowing)) if during else None
        finished = await wait_for(lambda: ring.receives >= expected, timeout=300)
        # The fields and pairing thread may still be working on the last batches.
        analysed = await wait_for(lambda: app.analysis.idle, timeout=60)
        cpu_analysed = time.process_time() - (ring.cpu_first_receive or 0.0)
        found = await extra if extra else {}
        msgs_in = sum(c.stats.msgs_in for c in clients.values())
        msgs_out = sum(c.stats.msgs_out for c in clients.values())
        await wait_for(lambda: all(c.state is State.STOPPED for c in clients.values()), 30)
        return {
            "opened": opened,
            "finished": finished,
            "conns": len(clients),
            "count": ring.receives,
            "msgs_in": msgs_in,
            "msgs_out": msgs_out,
            "rss_open": rss_open,
            "rss_end": rss(),
            "peak_rss": peak_rss(),
            "cpu": ring.cpu_last - (ring.cpu_first_receive or 0.0),
            "cpu_analysed": cpu_analysed if analysed else float("nan"),
            "analysis_skipped": app.analysis.skipped,
            "with_field_values": sum(
                any(isinstance(v, float) for v in app.analysis.fields.latest(name).values())
                for name in clients
            ),
            "window": ring.t_last - (ring.t_first_receive or 0.0),
            "delays_ns": ring.delays,
            **found,
        }


async def idle(config: Path) -> dict[str, Any]:
    app, _ = make_app(config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(2.0)
        gc.collect()
        return {"rss": rss(), "peak_rss": peak_rss()}


_STAMP = re.compile(r"(\d{8}) (\d{19}) ")


async def latency(config: Path, count: int) -> dict[str, Any]:
    app, _ = make_app(config)
    seen: dict[int, int] = {}
    original = EventFeed.render_line

    def render_line(self: EventFeed, y: int) -> Any:
        strip = original(self, y)
        now = time.monotonic_ns()
        for match in _STAMP.finditer(strip.text):
            seq = int(match.group(1))
            if seq not in seen:
                seen[seq] = now - int(match.group(2))
        return strip

    EventFeed.render_line = render_line  # type: ignore[method-assign]
    async with app.run_test(size=SIZE):
        finished = await wait_for(lambda: len(seen) >= count, timeout=count / 5 + 40)
        return {"finished": finished, "count": len(seen), "delays_ns": list(seen.values())}


async def _probe(times: list[float]) -> None:
    """Note when the event loop gets to a task that sleeps PROBE at a time: a gap between
    two notes is the longest a ready callback (a key, a repaint) waited, to within PROBE."""
    while True:
        times.append(time.monotonic())
        await asyncio.sleep(PROBE)


def _count_feed_frames() -> list[float]:
    """Times at which the feed drew its first line (one per repaint of the feed)."""
    frames: list[float] = []
    original = EventFeed.render_line

    def render_line(self: EventFeed, y: int) -> Any:
        if y == 0:
            frames.append(time.monotonic())
        return original(self, y)

    EventFeed.render_line = render_line  # type: ignore[method-assign]
    return frames


def _frames_between(frames: list[float], start: float, end: float) -> int:
    return len([t for t in frames if start <= t <= end])


def main(argv: list[str]) -> int:
    mode, config = argv[0], Path(argv[1])
    if mode == "flood":
        rss_at = int(argv[3]) if len(argv) > 3 else 0
        result = asyncio.run(flood(config, int(argv[2]), rss_at))
    elif mode == "fanin":
        result = asyncio.run(fanin(config, int(argv[2]), int(argv[3])))
    elif mode == "idle":
        result = asyncio.run(idle(config))
    elif mode == "latency":
        result = asyncio.run(latency(config, int(argv[2])))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
