"""Target 7, SSH bandwidth: the real dashboard on a pty during a 10 000 messages/s stream.

``wsdeck --config F`` runs on a 120x40 pseudo-terminal (TERM=xterm-256color,
COLORTERM=truecolor, as over SSH to a modern terminal) with one connection receiving 64 B
messages at 10 000/s. Everything read from the pty master is what an SSH link would carry.
Over the stream (from 2 s after its start to 0.5 s before its end):

- bytes/s written to the terminal;
- feed refreshes/s: distinct moments (reads more than 10 ms apart) at which the screen
  shows a newer message than before (each message carries its sequence number; the output
  is replayed on a terminal emulator, pyte, as only changed cells are written);
- the App's CPU share.
"""

from __future__ import annotations

import re
import statistics
import tempfile
from pathlib import Path
from typing import Any

import pyte
from common import (
    BENCH_CONNECTION,
    PtyRun,
    bench_server,
    check,
    main_for,
    result,
    run_in_pty,
    summary,
    tag,
    write_config,
    wsdeck_command,
)

RATE = 10_000
SIZE = (120, 40)
_SEQ = re.compile(r"(\d{8}) \d{19} ")


def feed_refreshes(run: PtyRun, start: float, end: float) -> int:
    """Moments (reads more than 10 ms apart) at which the screen shows a newer message.

    The output goes through a terminal emulator: the dashboard writes only the cells that
    changed, so a message's number is on the screen, not necessarily in one write.
    """
    screen = pyte.Screen(*SIZE)
    stream = pyte.ByteStream(screen)
    best = 0
    last = float("-inf")
    refreshes = 0
    for when, data in run.chunks:
        stream.feed(data)
        if not start <= when <= end:
            continue
        numbers = [int(m.group(1)) for m in _SEQ.finditer("\n".join(screen.display))]
        if numbers and max(numbers) > best:
            best = max(numbers)
            if when - last > 0.01:
                refreshes += 1
            last = when
    return refreshes


def cpu_share(run: PtyRun, start: float, end: float) -> float:
    marks = [m for m in run.cpu_marks if start <= m[0] <= end]
    if len(marks) < 2:
        return float("nan")
    return (marks[-1][1] - marks[0][1]) / (marks[-1][0] - marks[0][0]) * 100


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    seconds = 5 if quick else 15
    rates: list[float] = []
    refreshes: list[float] = []
    cpu: list[float] = []
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        for _ in range(runs):
            stream = tag()
            url = f"{server.url}/paced?count={RATE * seconds}&rate={RATE}&size=64&tag={stream}"
            connection = {"name": "stream", "url": url, "auto_start": True, **BENCH_CONNECTION}
            config = write_config(Path(name) / f"{stream}.toml", [connection])
            pty_run = run_in_pty(
                [*wsdeck_command(), "--config", str(config)], duration=seconds + 8, size=SIZE
            )
            report = server.report(stream, timeout=10)
            if report["sent"] != RATE * seconds:
                raise RuntimeError(f"the stream ended early: {report}")
            start, end = report["t0"] + 2.0, report["t_sent"] - 0.5
            rates.append(pty_run.bytes_between(start, end) / (end - start) / 1000)
            refreshes.append(feed_refreshes(pty_run, start, end) / (end - start))
            cpu.append(cpu_share(pty_run, start, end))
    figures = {
        "messages_per_s": RATE,
        "terminal": "120x40, xterm-256color, truecolor",
        "kb_per_s_to_terminal": summary(rates, 1),
        "feed_refreshes_per_s": summary(refreshes, 1),
        "app_cpu_percent": summary(cpu, 0),
    }
    checks = [
        check("bytes to the terminal", statistics.median(rates), "<=", 100, " KB/s"),
        check("feed refreshes", statistics.median(refreshes), ">=", 10, "/s"),
    ]
    return result("7. SSH bandwidth (real dashboard on a pty)", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
