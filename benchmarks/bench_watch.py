"""Issue 13, watches: fan-in 500 connections x 10 messages/s, each connection with a
silence watch and one jq payload rule, against the same run without watches.

The load and the App are bench_fanin's (:func:`bench_fanin.paired`: its ``app_run`` with
the watches added to every connection), with its JSON telemetry payloads (128 bytes,
``[seq, time, {"temperature", "sine", "status"}, pad]``) in both runs: jq evaluates the rule
``.[2].status == "alarm"`` on every received message, and none matches; the silence watch's
clock checks 500 connections 4 times a second.

- delivered: every message reaches the App's store, with and without watches.
- CPU: process CPU time per received message between the first and the last message;
  the check is watched / plain App <= 1.3 (runs alternate which goes first).

``--isolated`` instead times :class:`~tui.core.watch.WatchedSink` on its own, in this
process: CPU per receive event of the same payloads put on a bare bus, through a silence
watch, and through the watches above (no target; it says what the watches themselves cost,
with every cache warm, where the App's runs also pay for their code being evicted between
two messages).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from bench_fanin import paired
from common import main_for, result
from server import stamped_json

WATCH: dict[str, Any] = {
    "watch": {
        "silence": {"after": 5},
        "rules": {"alarm": {"jq": '.[2].status == "alarm"', "level": "critical"}},
    }
}
"""What every connection of the watched runs gets."""


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    conns, rate, duration = (50, 10, 5.0) if quick else (500, 10, 30.0)
    runs_of = paired(conns, rate, duration, runs, WATCH, json_body=True)
    figures = runs_of.figures("watched")
    checks = runs_of.checks("watched", 1.3)
    return result(
        "13. watches (500 connections x 10 messages/s, silence + 1 jq rule each, JSON)",
        figures,
        checks,
    )


def isolated(count: int = 20_000) -> dict[str, float]:
    """µs of CPU per receive event put on the bus: bare, with a silence watch, with WATCH."""
    from settings import Connection
    from tui.core.bus import EventBus
    from tui.core.events import ReceiveEvent, StartEvent
    from tui.core.watch import WatchEngine

    frames = (stamped_json(seq, 128) for seq in range(count))
    payloads = [frame[frame.index(b"[") :].decode() for frame in frames]
    silence = {"watch": {"silence": WATCH["watch"]["silence"]}}
    figures: dict[str, float] = {}
    for label, extra in (("bare_bus_us", {}), ("silence_us", silence), ("watched_us", WATCH)):
        bus = EventBus(count + 10)
        connection = Connection(name="c", url="ws://127.0.0.1:9/", **extra)
        sink = WatchEngine(bus).sink_for(connection, bus)
        sink.offer(StartEvent("c", time.time(), url=connection.url))
        events = [ReceiveEvent("c", time.time(), 0, p, len(p)) for p in payloads]
        start = time.process_time()
        for event in events:
            if not sink.full:  # as the client's reader asks before each message
                sink.offer(event)
        figures[label] = round((time.process_time() - start) / count * 1e6, 2)
    return figures


if __name__ == "__main__":
    if sys.argv[1:] == ["--isolated"]:
        print(json.dumps(isolated()))
        raise SystemExit(0)
    raise SystemExit(main_for(run))
