"""Issue 14, ``wsdeck open`` on a 1 000 000-event recording: first screen ≤ 1 s, peak RSS ≤ 200 MB.

A recording of 1 000 000 events (three connections, ~120-byte text messages with a few
sends, errors and stops among them; ~240 MB) is written to a temporary folder, then
``wsdeck open FILE`` runs on a 120x40 pseudo-terminal whose output is rendered with pyte.
Measured from just before the exec:

- ``first_screen_s``: the screen shows recorded events (their payload's marker text);
- ``loaded_s``: the bar above the feed says all 1 000 000 events are indexed;
- ``search_s``: after ``/needle`` is typed (once loaded), the search bar counts every
  match of the whole file (10);
- ``peak_rss_mb``: the process's peak resident set (``VmHWM``) after that search;
- for scale, a minimal Textual app's first frame in the same run (``bench_startup``'s).

The targets are the first screen and the peak RSS; the others say what a review of that
size costs.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import pyte
from bench_startup import first_frame
from common import PYTHON, check, main_for, result, run_in_pty, summary, wsdeck_command

EVENTS = 1_000_000
NEEDLES = 10
MARKER = "open-probe"


_TEXT = (
    b'%s %08d {\\"temperature\\": 21.5, \\"status\\": \\"%s\\", \\"pad\\": \\"'
    + b"x" * 40
    + b'\\"}'
)
LOOK_EVERY = 0.05
"""Seconds between two looks at the rendered screen (rendering it is the harness's cost)."""


def write_recording(path: Path, events: int) -> None:
    """``events`` events in the README's schema, a needle every ``events // NEEDLES``."""
    start = 1_764_000_000.0
    names = (b"ticker", b"echo", b"orders")
    every = max(1, events // NEEDLES)
    with path.open("wb") as out:
        lines: list[bytes] = []
        for seq in range(1, events + 1):
            ts = start + seq / 1000
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)).encode()
            micros = int(ts * 1_000_000) % 1_000_000
            name = names[seq % 3]
            word = b"needle" if seq % every == 3 else b"hay"  # never a send or an error
            if seq % 1000 == 1:
                record = b'"event":"error","kind":"connect","message":"connection refused"'
            elif seq % 50 == 0:
                record = b'"event":"send","binary":false,"text":"{\\"op\\":\\"ping\\"}","size":13'
            else:
                text = _TEXT % (MARKER.encode(), seq, word)
                record = b'"event":"receive","binary":false,"text":"%s","size":%d' % (
                    text,
                    len(text) - 10,
                )
            lines.append(
                b'{"seq":%d,"ts":"%s.%06dZ","connection":"%s",%s}\n'
                % (seq, stamp, micros, name, record)
            )
            if len(lines) >= 10_000:
                out.write(b"".join(lines))
                lines.clear()
        out.write(b"".join(lines))


def _peak_rss(pid: int) -> int:
    """``VmHWM`` of ``pid``: its peak resident set, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def one_run(path: Path, events: int) -> dict[str, float]:
    """Open ``path`` on a pty; the times of the three milestones and the peak RSS."""
    screen = pyte.Screen(120, 40)
    stream = pyte.ByteStream(screen)
    marks: dict[str, float] = {}
    start = time.monotonic()
    loaded_text = f"{path.name}: {events} events"

    looked = [0.0]

    def interact(master: int, now: float, data: bytes) -> bool:
        if data:
            stream.feed(data)
        # Read the pty at once, look at the screen now and then: a harness that reads slowly
        # blocks the program's writes and measures itself.
        if now - looked[0] < LOOK_EVERY:
            return False
        looked[0] = now
        text = "\n".join(screen.display)
        if "first" not in marks and MARKER in text:
            marks["first"] = now - start
        status = text.split(loaded_text, 1)[1].split("\n", 1)[0] if loaded_text in text else ""
        if "first" in marks and "loaded" not in marks and status and "loading" not in status:
            marks["loaded"] = now - start
            os.write(master, b"/needle")
        if "loaded" in marks and f"{NEEDLES} matches" in text:
            marks["search"] = now - start
            (child,) = [p for p in psutil.Process().children() if "open" in " ".join(p.cmdline())]
            marks["peak_rss"] = _peak_rss(child.pid)
            return True
        return False

    config = path.with_name("wsdeck.toml")  # defaults: the user's own settings stay out
    config.write_text("")
    command = [*wsdeck_command(), "open", str(path), "--config", str(config)]
    run_in_pty(command, duration=240, interact=interact)
    if "peak_rss" not in marks:
        raise RuntimeError(f"the review did not get through: {marks}")
    return marks


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    events = 100_000 if quick else EVENTS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.jsonl"
        write_recording(path, events)
        size = path.stat().st_size
        minimal = [PYTHON, "benchmarks/minimal_app.py"]
        marks, baseline = [], []
        for _ in range(runs):
            # The same run's minimal Textual app, for scale: on a loaded machine every
            # program's first frame comes late.
            baseline.append(first_frame(minimal)[1])
            marks.append(one_run(path, events))
    first = [m["first"] for m in marks]
    peak = [m["peak_rss"] / 1e6 for m in marks]
    figures = {
        "events": events,
        "file_mb": round(size / 1e6, 1),
        "first_screen_s": summary(first, 3),
        "minimal_app_first_frame_s": summary(baseline, 3),
        "first_screen_ratio": summary([f / b for f, b in zip(first, baseline, strict=True)], 2),
        "loaded_s": summary([m["loaded"] for m in marks], 2),
        "search_s": summary([m["search"] - m["loaded"] for m in marks], 2),
        "peak_rss_mb": summary(peak, 1),
    }
    checks = [
        check("first screen", statistics.median(first), "<=", 1.0, " s", first),
        check("peak RSS", statistics.median(peak), "<=", 200, " MB", peak),
    ]
    return result("wsdeck open on a 1 000 000-event recording", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
