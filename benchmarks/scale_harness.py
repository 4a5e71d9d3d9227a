"""The real dashboard with thousands of connections, and keys on its table while they talk.

``python benchmarks/scale_harness.py CONFIG CONNS EXPECTED KEY_INTERVAL`` runs
``app_harness.py fanin`` (the App headless at 120x40, every connection reading ``/fanin``:
delay from send to the store of every message, RSS with every connection open, CPU per
message) and adds the latency of keys on the connection table during the traffic.

A key is posted to the App as the terminal driver posts one, every ``KEY_INTERVAL`` seconds
from the first message to the last: ``j`` down the table, then ``k`` back up, so that the
cursor scrolls the table too. Its latency is from the post to the first line the table
draws with its cursor on the new row (the table's ``render_line``, wrapped: nothing is
added per message). ``WSDECK_BENCH_PROFILE=PATH`` writes a cProfile of the traffic there.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app_harness import ProbeRing, fanin, wait_for
from textual import events

from tui.app import WsdeckApp
from tui.widgets.connection_table import ConnectionTable

KEY_TIMEOUT = 5.0
"""Longest wait for one key's effect (a lost key counts as this)."""
SWEEP = 12
"""Keys down the table before turning back up: more than it shows, so it scrolls."""


class KeyProbe:
    """Times keys from their post to the table's first line drawn with the cursor moved."""

    def __init__(self, table: ConnectionTable) -> None:
        self.table = table
        self.expected: int | None = None
        self.posted = 0.0
        self.latencies: list[float] = []
        self.answered = asyncio.Event()
        original = type(table).render_line

        def render_line(widget: ConnectionTable, y: int) -> Any:
            strip = original(widget, y)
            if self.expected is not None and widget.cursor_row == self.expected:
                self.latencies.append(time.monotonic() - self.posted)
                self.expected = None
                self.answered.set()
            return strip

        type(table).render_line = render_line  # type: ignore[method-assign]

    async def press(self, key: str, target: int) -> None:
        """Post ``key``; wait until the cursor is drawn on row ``target``."""
        self.answered.clear()
        self.expected = target
        self.posted = time.monotonic()
        self.table.app.post_message(events.Key(key, key))
        try:
            await asyncio.wait_for(self.answered.wait(), KEY_TIMEOUT)
        except TimeoutError:
            self.latencies.append(KEY_TIMEOUT)
            self.expected = None


async def press_keys(
    app: WsdeckApp,
    ring: ProbeRing,
    interval: float,
    flowing: Callable[[], bool],
    profiler: cProfile.Profile | None,
) -> dict[str, Any]:
    """``j`` ``SWEEP`` times, then ``k`` as often, one every ``interval`` s while traffic flows."""
    await wait_for(lambda: ring.receives > 0 or not flowing(), timeout=60)
    probe = KeyProbe(app.main.query_one(ConnectionTable))
    if profiler is not None:
        profiler.enable()
    step = 0
    while flowing():
        await asyncio.sleep(interval)
        going_down = (step // SWEEP) % 2 == 0
        row = probe.table.cursor_row
        target = row + 1 if going_down else row - 1
        if 0 <= target < probe.table.row_count:
            await probe.press("j" if going_down else "k", target)
        step += 1
    if profiler is not None:
        profiler.disable()
    return {"key_latencies": probe.latencies}


def main(argv: list[str]) -> int:
    config, conns, expected, interval = Path(argv[0]), int(argv[1]), int(argv[2]), float(argv[3])
    profile_to = os.environ.get("WSDECK_BENCH_PROFILE")
    profiler = cProfile.Profile() if profile_to else None

    async def keys(app: WsdeckApp, ring: ProbeRing, flowing: Callable[[], bool]) -> dict[str, Any]:
        return await press_keys(app, ring, interval, flowing, profiler)

    result = asyncio.run(fanin(config, conns, expected, keys))
    if profiler is not None and profile_to:
        profiler.dump_stats(profile_to)
    print(json.dumps(result))
    return 0 if result["opened"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
