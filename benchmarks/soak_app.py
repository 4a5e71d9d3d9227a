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
  The time the probe's own counting below held the event loop is left out (see
  :meth:`Probe.clock`): in a diagnostic run with the machine loaded 5-8 deep, the second
  after each 10 s count had a median staleness of 0.12 s and a worst of 0.89, the others
  0.08 and 0.50, and the sampled stalls were the count itself;
- ``blocks``: Python's allocated memory blocks (``sys.getallocatedblocks``);
  ``malloc``: the bytes glibc's malloc has handed out (``mallinfo2``: ``uordblks`` +
  ``hblkhd``) and ``malloc_held``: what it holds from the system (``arena`` +
  ``hblkhd``); every 10 s with ``widgets``, ``arenas``: the 1 MiB arenas Python's object
  allocator holds, and ``pymalloc``: the bytes of its live blocks (both from
  ``sys._debugmallocstats``). RSS moving while the live figures stay flat is the
  allocators keeping pages, not live objects growing;
- ``trim_ms``: the longest of the heap trims (``tui.core.memory``, every 30 s) in the
  last second, when there was one;
- ``types``: every 60 s, the number of live objects (that the collector tracks) of the
  60 most common types;
- ``probe_ms``: how long the counting every 10 s (a full collection, the widgets, the
  allocators' statistics, the types) held the event loop;
- ``gc_ms``: the longest of the garbage collector's own collections in the last second, and
  ``gc2_ms`` the longest full one (generation 2), when there was one (the probe's own
  collection is not counted): a full collection scans every tracked object in the process
  and holds the event loop meanwhile;
- ``batch``: the largest batch the drain stored in the last second (events) and
  ``batch_ms`` the longest it took to record and store one (``Recorder.write`` plus
  ``EventRing.extend``, in one turn of the event loop): the drain's work per turn.

With ``WSDECK_SOAK_TRACE=START,FIRST,SECOND`` (seconds after the dashboard started) it
also starts ``tracemalloc`` at START, and writes ``PROBE_FILE.trace.json`` at SECOND: the
allocations that grew most between the snapshots taken at FIRST and SECOND (by
traceback), and the object counts by type that grew most. A diagnostic: tracing slows
every allocation down, and START must be 0 for the growth to mean growth (an object
allocated before START and replaced after it would count as new). The report also has
the growth by the line that allocated (every traceback through it added up).

With ``WSDECK_SOAK_STALLS=SECONDS`` a thread samples what the main thread runs whenever a
batch waits unshown for longer than that (see :class:`StallSampler`).

The probes cost nothing per message: two timestamps per batch (the recording's ``write``, the
ring's ``extend``) and one check per feed flush (at most ~15 a second).
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import json
import os
import sys
import tempfile
import threading
import time
import traceback
import tracemalloc
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from textual.widget import Widget

from tui.app import WsdeckApp
from tui.cli import main
from tui.core import memory
from tui.core.recorder import Recorder
from tui.core.ring import EventRing
from tui.widgets.feed import EventFeed

WIDGETS_EVERY = 10.0
TYPES_EVERY = 60.0
TYPES_KEPT = 60
_PENDING_LIMIT = 100_000  # batches waiting to be shown (bounded even if the feed stalls)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


try:
    _mallinfo2 = ctypes.CDLL(None).mallinfo2
    _mallinfo2.restype = _MallInfo2
except (OSError, AttributeError):  # not glibc (or older than 2.33)
    _mallinfo2 = None


def _malloc() -> tuple[int, int] | tuple[None, None]:
    """Bytes glibc's malloc has handed out, and holds (``None`` off glibc)."""
    if _mallinfo2 is None:
        return None, None
    info = _mallinfo2()
    return int(info.uordblks + info.hblkhd), int(info.arena + info.hblkhd)


def _pymalloc() -> dict[str, int]:
    """Python's object allocator: ``arenas`` (1 MiB each) it holds and ``pymalloc`` bytes
    in live blocks (its statistics go to fd 2, the terminal: they are caught in a file)."""
    with tempfile.TemporaryFile() as caught:
        saved = os.dup(2)
        os.dup2(caught.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        caught.seek(0)
        text = caught.read().decode(errors="replace")
    found: dict[str, int] = {}
    for line in text.splitlines():
        for prefix, key in (
            ("# arenas allocated current", "arenas"),
            ("# bytes in allocated blocks", "pymalloc"),
        ):
            if line.startswith(prefix):
                found[key] = int(line.rsplit("=", 1)[1].replace(",", ""))
    return found


class Tracer:
    """Two tracemalloc snapshots and type counts; the growth between them, to a file."""

    def __init__(self, path: str, spec: str) -> None:
        self.path = path
        self.start, self.first, self.second = (float(part) for part in spec.split(","))
        self.snapshot: tracemalloc.Snapshot | None = None
        self.types: Counter[str] = Counter()
        self.done = False

    def tick(self, elapsed: float) -> None:
        if self.done:
            return
        if elapsed >= self.start and not tracemalloc.is_tracing():
            tracemalloc.start(5)
        elif elapsed >= self.first and self.snapshot is None:
            self.snapshot, self.types = self._take()
        elif elapsed >= self.second and self.snapshot is not None:
            snapshot, types = self._take()
            growth = snapshot.compare_to(self.snapshot, "traceback")
            report = {
                "seconds": [self.first, self.second],
                "traced_mib": [
                    round(sum(s.size for s in shot.statistics("filename")) / 2**20, 2)
                    for shot in (self.snapshot, snapshot)
                ],
                "grew": [
                    {
                        "kib": round(stat.size_diff / 1024, 1),
                        "blocks": stat.count_diff,
                        "where": stat.traceback.format()[-10:],
                    }
                    for stat in growth[:25]
                ],
                "grew_by_line": [
                    {"kib": round(stat.size_diff / 1024, 1), "where": str(stat.traceback[0])}
                    for stat in snapshot.compare_to(self.snapshot, "lineno")[:40]
                ],
                "types": (types - self.types).most_common(25),
            }
            tracemalloc.stop()
            with open(self.path, "w", encoding="utf-8") as out:
                json.dump(report, out, indent=1)
            self.done = True

    @staticmethod
    def _take() -> tuple[tracemalloc.Snapshot, Counter[str]]:
        gc.collect()
        types = Counter(type(o).__qualname__ for o in gc.get_objects())
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        return snapshot, types


class Probe:
    """Batch arrival times against what the feed shows, and the periodic JSON line."""

    def __init__(self, path: str) -> None:
        self.out = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        self.pending: deque[tuple[float, int]] = deque(maxlen=_PENDING_LIMIT)
        self.stale = 0.0
        self.paused = 0.0  # seconds the probe itself has held the event loop
        self.trims: list[float] = []
        self.writing: float | None = None  # when the drain began recording a batch
        self.batch = 0  # the largest batch stored since the tick (events)
        self.batch_took = 0.0  # the longest record + store of one batch since the tick (s)
        self.collections: list[tuple[int, float]] = []  # (generation, seconds) since the tick
        self._collecting: float | None = None
        self._counting = False  # the probe's own gc.collect()
        gc.callbacks.append(self._gc)
        self.widgets_at = float("-inf")
        self.types_at = float("-inf")
        self.began = time.monotonic()
        spec = os.environ.get("WSDECK_SOAK_TRACE")
        self.tracer = Tracer(path + ".trace.json", spec) if spec else None

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if self._counting:
            return
        if phase == "start":
            self._collecting = time.perf_counter()
        elif self._collecting is not None:
            self.collections.append((info["generation"], time.perf_counter() - self._collecting))
            self._collecting = None

    def clock(self) -> float:
        """``time.monotonic`` less the time the probe's own counting held the event loop:
        staleness is the dashboard's, not the probe's full collections (up to 0.6 s each
        with the machine loaded 7 deep)."""
        return time.monotonic() - self.paused

    def arrived(self, last_seq: int) -> None:
        self.pending.append((self.clock(), last_seq))

    def shown(self, feed: EventFeed) -> None:
        event = feed.highlighted
        if not feed.following or event is None:
            self.pending.clear()  # paused or filtered: not a staleness case
            return
        now = self.clock()
        while self.pending and self.pending[0][1] <= event.seq:
            arrived, _ = self.pending.popleft()
            self.stale = max(self.stale, now - arrived)

    def tick(self, app: WsdeckApp) -> None:
        now = time.monotonic()
        stale = self.stale
        if self.pending:
            stale = max(stale, self.clock() - self.pending[0][0])
        self.stale = 0.0
        record: dict[str, Any] = {
            "t": now,
            "tasks": len(asyncio.all_tasks()),
            "stale": round(stale, 4),
            "ring": len(app.ring),
            "screen": type(app.screen).__name__,
            "blocks": sys.getallocatedblocks(),
        }
        record["malloc"], record["malloc_held"] = _malloc()
        if self.batch:
            record["batch"] = self.batch
            record["batch_ms"] = round(self.batch_took * 1000, 2)
            self.batch, self.batch_took = 0, 0.0
        if self.collections:
            record["gc_ms"] = round(max(took for _, took in self.collections) * 1000, 2)
            full = [took for generation, took in self.collections if generation == 2]
            if full:
                record["gc2_ms"] = round(max(full) * 1000, 2)
            self.collections.clear()
        if self.trims:
            record["trim_ms"] = round(max(self.trims) * 1000, 3)
            self.trims.clear()
        if self.tracer is not None:
            self.tracer.tick(now - self.began)
        if app.screen is app.main and now - self.widgets_at >= WIDGETS_EVERY:
            self.widgets_at = now
            heavy = time.perf_counter()
            self._counting = True
            gc.collect()
            self._counting = False
            objects = gc.get_objects()
            record["widgets"] = sum(isinstance(o, Widget) for o in objects)
            record.update(_pymalloc())
            if now - self.types_at >= TYPES_EVERY:
                self.types_at = now
                counts = Counter(type(o).__qualname__ for o in objects)
                record["types"] = dict(counts.most_common(TYPES_KEPT))
            del objects
            held = time.perf_counter() - heavy
            self.paused += held
            record["probe_ms"] = round(held * 1000, 1)
        self.out.write(json.dumps(record) + "\n")


class StallSampler(threading.Thread):
    """While a batch has waited unshown for over ``threshold`` s, the main thread's stack
    every 20 ms; each such stall, with the stacks seen most, to ``PROBE_FILE.stalls``.

    A diagnostic (``WSDECK_SOAK_STALLS=SECONDS``, the threshold): a thread of its own (so
    the thread count is one more) that reads the probe's pending batches. The CPU the
    process used during the stall, per second of it, tells work of our own (near 1) from a
    machine that gave the process no turn (near 0).
    """

    def __init__(self, probe: Probe, path: str, threshold: float) -> None:
        super().__init__(name="soak-stalls", daemon=True)
        self.probe = probe
        self.threshold = threshold
        self.path = path

    def run(self) -> None:
        main = threading.main_thread().ident
        stacks: Counter[tuple[str, ...]] | None = None
        began = cpu = worst = 0.0
        with open(self.path, "a", encoding="utf-8", buffering=1) as out:
            while True:
                time.sleep(0.02)
                now = self.probe.clock()
                try:
                    oldest = self.probe.pending[0][0]
                except IndexError:
                    oldest = now
                if now - oldest > self.threshold:
                    if stacks is None:
                        stacks, began, cpu = Counter(), now, time.process_time()
                    worst = max(worst, now - oldest)
                    frame = sys._current_frames().get(main or 0)
                    if frame is not None:
                        found = traceback.extract_stack(frame)[-14:]
                        stacks[tuple(f"{f.filename}:{f.lineno} {f.name}" for f in found)] += 1
                elif stacks is not None:
                    record = {
                        "t": began,
                        "s": round(now - began, 3),
                        "worst": round(worst, 3),
                        "cpu_per_s": round((time.process_time() - cpu) / (now - began), 2),
                        "samples": sum(stacks.values()),
                        "stacks": [[n, list(k)] for k, n in stacks.most_common(6)],
                    }
                    out.write(json.dumps(record) + "\n")
                    stacks, worst = None, 0.0


def install(probe: Probe) -> None:
    extend = EventRing.extend
    write = Recorder.write
    trimmer = memory.heap_trimmer
    flush = EventFeed.flush
    start = WsdeckApp._start

    def probed_write(self: Recorder, events: Any) -> None:
        probe.writing = time.perf_counter()
        write(self, events)

    def probed_extend(self: EventRing, events: Any) -> Any:
        done = extend(self, events)
        if events:
            probe.arrived(events[-1].seq)
            # The drain records a batch, then stores it: both in one turn of the loop.
            took = time.perf_counter() - (probe.writing or time.perf_counter())
            probe.writing = None
            probe.batch = max(probe.batch, len(events))
            probe.batch_took = max(probe.batch_took, took)
        return done

    def probed_flush(self: EventFeed) -> None:
        flush(self)
        if self.is_mounted:
            probe.shown(self)

    def probed_start(self: WsdeckApp) -> None:
        start(self)
        probe.began = time.monotonic()
        self.set_interval(1.0, lambda: probe.tick(self), name="soak-probe")

    def timed_trimmer() -> Callable[[], bool] | None:
        trim = trimmer()
        if trim is None:
            return None

        def timed() -> bool:
            began = time.perf_counter()
            done = trim()
            probe.trims.append(time.perf_counter() - began)
            return done

        return timed

    memory.heap_trimmer = timed_trimmer
    EventRing.extend = probed_extend  # type: ignore[method-assign]
    Recorder.write = probed_write  # type: ignore[method-assign]
    EventFeed.flush = probed_flush  # type: ignore[method-assign]
    WsdeckApp._start = probed_start  # type: ignore[method-assign]


if __name__ == "__main__":
    probe = Probe(sys.argv[1])
    install(probe)
    if stalls := os.environ.get("WSDECK_SOAK_STALLS"):
        StallSampler(probe, sys.argv[1] + ".stalls", float(stalls)).start()
    raise SystemExit(main(sys.argv[2:]))
