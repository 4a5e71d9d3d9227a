"""Target 9, keys during a flood: a key written to a real pty until its effect is on screen.

``wsdeck --config F`` runs on a 120x40 pseudo-terminal (as ``bench_ssh.py``) with one
connection receiving 64 B messages at 10 000/s (from 2 s after it opens) and five more,
open and quiet. Once the flood shows in the output, ``j`` and ``k`` are written to the pty
one at a time, 80-150 ms apart (a fixed pseudo-random sequence, so that keys do not fall
into step with the App's refreshes): ``j`` four times down the five quiet connections, ``k``
four times back up. A key's latency is from its write to the first read from the pty
master that shows its effect: the selected-connection bar naming the row the cursor moved
to (the bar and the table's highlight change in the same frame), read from a terminal
emulator fed with the output. The flood connection's long name keeps the table's name
column wide, so a row of the table never reads like the bar (name, two spaces, state
glyph). A key with no effect within 2 s counts as 2 s.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
from pathlib import Path
from typing import Any

import pyte
from common import (
    BENCH_CONNECTION,
    bench_server,
    check,
    main_for,
    percentile,
    result,
    run_in_pty,
    summary,
    tag,
    write_config,
    wsdeck_command,
)

RATE = 10_000
SIZE = (120, 40)
QUIET = [f"k{index}" for index in range(1, 6)]
FLOOD_NAME = "flood-connection-with-a-long-name"
KEY_TIMEOUT = 2.0
_SEQ = re.compile(r"(\d{8}) \d{19}")


def bar_pattern(name: str) -> re.Pattern[str]:
    """The selected-connection bar naming ``name``: the name, two spaces, a state glyph."""
    return re.compile(rf"(?:^|[^\w-]){re.escape(name)}  [●◌◐↻✖○]")


class KeyDriver:
    """Writes ``j``/``k`` to the pty and times each one until the bar shows its row.

    The output goes through a terminal emulator (pyte): the dashboard writes only the cells
    that changed, so what a line shows is only known from the screen it builds up.
    """

    def __init__(self, keys: int, seed: int, size: tuple[int, int]) -> None:
        self.keys = keys
        self.random = random.Random(seed)
        self.screen = pyte.Screen(*size)
        self.stream = pyte.ByteStream(self.screen)
        self.flood_seen = 0
        """The newest flood message the screen has shown."""
        self.row = -1  # the flood connection's row (the first) is selected at start
        self.down = True
        self.pending: tuple[float, re.Pattern[str]] | None = None
        self.next_at = 0.0
        self.latencies: list[float] = []
        self.last_key = 0.0
        self.last_flood = 0.0
        """When the screen last showed a newer flood message (it must outlast the keys)."""

    def _changed_lines(self, data: bytes) -> list[str]:
        screen = self.screen
        self.stream.feed(data)
        columns = range(screen.columns)
        lines = []
        for y in screen.dirty:
            line = screen.buffer[y]
            lines.append("".join(line[x].data for x in columns))
        screen.dirty.clear()
        return lines

    def __call__(self, master: int, now: float, data: bytes) -> bool:
        lines = self._changed_lines(data) if data else []
        for line in lines:
            for match in _SEQ.finditer(line):
                if int(match.group(1)) > self.flood_seen:
                    if not self.flood_seen:
                        self.next_at = now + 1.0  # let the first repaints of the flood pass
                    self.flood_seen = int(match.group(1))
                    self.last_flood = now
        if not self.flood_seen:
            return False
        if self.pending is not None:
            written, pattern = self.pending
            if any(pattern.search(line) for line in lines):
                self.latencies.append(now - written)
                self.pending = None
            elif now - written > KEY_TIMEOUT:
                self.latencies.append(KEY_TIMEOUT)
                self.pending = None
            if self.pending is None:
                self.next_at = now + self.random.uniform(0.08, 0.15)
            return False
        if len(self.latencies) < self.keys:
            if now >= self.next_at:
                self._press(master, now)
            return False
        # Done when the flood has ended too (its sender reports only a finished stream).
        return now - self.last_flood > 1.0

    def _press(self, master: int, now: float) -> None:
        # Down from the flood row to k5, up to k1, down again: the cursor never leaves them.
        if self.row >= len(QUIET) - 1:
            self.down = False
        elif self.row <= 0:
            self.down = True
        self.row += 1 if self.down else -1
        self.last_key = now
        self.pending = (now, bar_pattern(QUIET[self.row]))
        os.write(master, b"j" if self.down else b"k")


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    seconds, keys = (8, 30) if quick else (20, 100)
    p99: list[float] = []
    p50: list[float] = []
    counts: list[int] = []
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        for index in range(runs):
            stream = tag()
            url = (
                f"{server.url}/paced?count={RATE * seconds}&rate={RATE}&size=64&start=2"
                f"&tag={stream}"
            )
            flood = {"name": FLOOD_NAME, "url": url, "auto_start": True, **BENCH_CONNECTION}
            quiet = [
                {"name": n, "url": f"{server.url}/echo", "auto_start": True, **BENCH_CONNECTION}
                for n in QUIET
            ]
            config = write_config(Path(name) / f"{stream}.toml", [flood, *quiet])
            driver = KeyDriver(keys, seed=index, size=SIZE)
            run_in_pty(
                [*wsdeck_command(), "--config", str(config)],
                duration=seconds + 40,
                size=SIZE,
                interact=driver,
            )
            sent = server.report(stream, timeout=30)["sent"]
            if (
                len(driver.latencies) < keys
                or sent != RATE * seconds
                or driver.last_flood < driver.last_key
            ):
                raise RuntimeError(
                    f"{len(driver.latencies)} of {keys} keys timed; the flood showed last "
                    f"{driver.last_key - driver.last_flood:.1f} s before the last key"
                )
            p99.append(percentile(driver.latencies, 0.99) * 1000)
            p50.append(percentile(driver.latencies, 0.5) * 1000)
            counts.append(len(driver.latencies))
    figures = {
        "messages_per_s": RATE,
        "terminal": "120x40, xterm-256color, truecolor",
        "keys_per_run": summary(counts, 0),
        "key_p99_ms": summary(p99, 1),
        "key_p50_ms": summary(p50, 1),
    }
    checks = [
        check("key to its effect on screen, p99", statistics.median(p99), "<=", 50, " ms", p99)
    ]
    return result("9. keys during a 10 000 messages/s flood (real pty)", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
