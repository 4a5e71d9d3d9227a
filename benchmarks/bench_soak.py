"""Target 8, soak: the real dashboard on a pty for ≥ 10 minutes of mixed traffic and keys.

``wsdeck --config F`` (through ``soak_app.py``'s probes) runs on a 120x40 pseudo-terminal
with ``feed.max_events = 20000``, a rotating recording, and nine connections to
``server.py``: two tickers at 50/s and five at 5/s (64 B), one closed by the server every
second (reconnecting), a 20 000-message burst every ~5 s (reconnecting), and one to a port
nothing listens on (reconnecting with a fast-growing backoff: a multiplier of 1000 crossed
the old ``2.0**1024``-style overflow within a couple of minutes). A scripted operator types
into the terminal: a selection change (``j``/``k``) every second, help (``?``, escape) and
the palette (``ctrl+p``, escape) every 30 s. At the end it quits (``ctrl+q``, ``y``).

Figures, after a warm-up (10 minutes of the full run's 20; ``--quick``: 15 s of a 45 s run):

- RSS slope (MiB/hour), and RSS at the start and end of the window; beside it the lowest
  RSS of every minute of the run, warm-up included, to see where it levels off. RSS is
  sampled every 0.5 s; the slope that meets the target is the Theil-Sen slope (the
  median of the slopes between every two points, :func:`theil_sen_per_hour`) of the
  troughs (the lowest RSS of each 30 s, about five burst cycles, which a sawtooth from
  the bursts could not move). After warm-up RSS moves in steps of a few hundred KiB to
  ~2 MiB, up and down, as glibc's malloc grows and trims its heap: a least-squares fit
  over a 7-minute window made one such step 5 MiB/hour. Reported beside it: least
  squares on the troughs and on all samples, and the mean of the last third of the
  troughs less that of the middle third, per hour (:func:`thirds_per_hour`);
- the live heap: the bytes of Python's live blocks (pymalloc) plus those malloc has
  handed out and not had back, every 10 s, fitted on its troughs the same ways (the
  Theil-Sen slope has the same target): live objects that grow show here, whatever the
  allocators keep. Beside it: Python's allocated blocks, pymalloc's arenas, malloc's
  bytes in use and held, and the object types whose counts grew most;
- RSS split: its anonymous part's slope (troughs) and its file-backed pages (code and
  libraries) in the first and last third; the heap trims (``tui.core.memory``): count,
  median and longest;
- the 1-minute load average while it ran (min, median, max): the machine is shared;
- file descriptors, threads (psutil, from outside), asyncio tasks and live widgets (probes):
  median of the first and of the last third of the window;
- feed staleness: the longest time between events entering the ring and the feed showing
  them while following (a stalled feed shows as a growing figure), less the time the
  probes' own counting every 10 s held the event loop (reported beside it);
- connect attempts per minute of the dead connection in the first and the last minute;
- recording integrity: every ``seq`` from 1 to the last exactly once across the file and
  its rotations; the quit is clean (exit within 10 s).

``--seconds N`` runs N seconds (warm-up: half, at most 10 minutes; ``--warmup S`` sets
it), and ``--keep DIR`` keeps the samples, the probes and (with ``WSDECK_SOAK_TRACE``,
see ``soak_app.py``) the tracemalloc report in DIR. On stderr, each target is printed as
``met`` or ``MISSED``, then the worst staleness by the screen on top, the load, one
``soak: VERDICT: PASS`` or ``soak: VERDICT: FAIL`` line naming what was missed, and a
``soak: CAUTION`` line when the machine was not quiet or the window after warm-up was
shorter than 10 minutes (either makes the verdict say less than it seems to).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from common import (
    BENCH,
    BENCH_CONNECTION,
    PYTHON,
    ROOT,
    TERMINAL_ENV,
    bench_server,
    check,
    main_for,
    percentile,
    result,
)

MIB = 1024 * 1024
ROTATE_BYTES = 32 * MIB
QUIT_WITHIN = 10.0
FULL_SECONDS = 1200.0
"""A full run (``run_all.py``): 20 minutes, a 10-minute window after the warm-up."""
FULL_WARMUP = 600.0
"""Seconds before RSS is fitted. RSS climbs for ~12 minutes before it levels off: 71.9 MiB
at minute 3, 73.1 at minute 12, 73.1-73.4 from minute 13 to 29 in a 30-minute soak
(2026-11-29, main at 2c0a4a4): pymalloc took one more 1 MiB arena (at minute 4-7 in
three runs), glibc's heap held ~0.5 MiB more, and the rate plot's series fill their 15
minutes. A 3-minute warm-up made that settling the slope (5.7 MiB/hour over minutes
3-18 of that run; 1.6 over minutes 10-20, 0.7 over 15-30)."""
SAMPLE_EVERY = 0.5
TROUGH_EVERY = 30.0  # about five burst cycles (a 20 000-message flood, then 5 s apart)


def _connections(base: str, dead_port: int, seconds: float) -> list[dict[str, Any]]:
    def ticker(name: str, rate: int) -> dict[str, Any]:
        count = int(rate * (seconds + 120))
        url = f"{base}/paced?count={count}&rate={rate}&size=64"
        return {"name": name, "url": url, "auto_start": True, **BENCH_CONNECTION}

    def again(initial: float, most: float, multiplier: float = 2.0) -> dict[str, Any]:
        return {
            "reconnect": {
                "enabled": True,
                "initial_delay": initial,
                "max_delay": most,
                "multiplier": multiplier,
                "jitter": 0.0,
            }
        }

    return [
        ticker("fast-1", 50),
        ticker("fast-2", 50),
        *(ticker(f"slow-{i}", 5) for i in range(1, 6)),
        {
            "name": "closer",  # 10 messages in a second, then the server closes (1000)
            "url": f"{base}/paced?count=10&rate=10&size=64",
            "auto_start": True,
            **BENCH_CONNECTION,
            **again(0.05, 0.05),
        },
        {
            "name": "burst",
            "url": f"{base}/flood?count=20000&size=64",
            "auto_start": True,
            **BENCH_CONNECTION,
            **again(5.0, 5.0),
        },
        {
            "name": "dead",
            "url": f"ws://127.0.0.1:{dead_port}/nothing-listens-here",
            "auto_start": True,
            **BENCH_CONNECTION,
            **again(0.2, 0.5, 1000.0),
        },
    ]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _write_toml(path: Path, connections: list[dict[str, Any]], recording: Path) -> Path:
    """The settings: a small ring, a rotating recording, each connection with its reconnect."""
    lines = ["[feed]", "max_events = 20000", "[recording]", f"path = {_value(str(recording))}"]
    lines += [f"max_bytes = {ROTATE_BYTES}", "keep = 1000"]
    for connection in connections:
        lines.append("[[connections]]")
        lines += [f"{k} = {_value(v)}" for k, v in connection.items() if k != "reconnect"]
        if "reconnect" in connection:
            lines.append("[connections.reconnect]")
            lines += [f"{k} = {_value(v)}" for k, v in connection["reconnect"].items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Operator:
    """The scripted keys: j/k every second, help and the palette every 30 s."""

    def __init__(self, master: int, start: float) -> None:
        self.master = master
        self.start = start
        self.step = 0
        self.sent = {"selection": 0, "help": 0, "palette": 0}

    def act(self, now: float) -> None:
        due = int(now - self.start)
        while self.step < due:
            self.step += 1
            second = self.step
            if second % 30 == 10:
                self._keys(b"?")
                self.sent["help"] += 1
            elif second % 30 == 11 or second % 30 == 26:
                self._keys(b"\x1b")
            elif second % 30 == 25:
                self._keys(b"\x10")  # ctrl+p
                self.sent["palette"] += 1
            else:
                self._keys(b"j" if second % 2 else b"k")
                self.sent["selection"] += 1

    def _keys(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.master, data)


def _drive(
    command: list[str], seconds: float, warmup: float, cwd: Path
) -> tuple[list[dict[str, Any]], dict[str, Any], float | None]:
    """Run the dashboard on a pty with the operator; samples of RSS/fds/threads every 2 s."""
    import fcntl
    import pty
    import struct
    import termios

    import psutil

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, **TERMINAL_ENV}
    proc = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
    )
    os.close(slave)
    watched = psutil.Process(proc.pid)
    start = time.monotonic()
    operator = Operator(master, start + 5.0)  # keys once the dashboard is up
    samples: list[dict[str, Any]] = []
    quit_took: float | None = None
    written = 0
    try:
        next_sample = start
        while (now := time.monotonic()) < start + seconds:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                with contextlib.suppress(OSError):
                    written += len(os.read(master, 1 << 16))
            if now >= start + 5.0:
                operator.act(now)
            if now >= next_sample:
                next_sample += SAMPLE_EVERY
                with contextlib.suppress(psutil.Error):
                    memory = watched.memory_info()
                    samples.append(
                        {
                            "t": now,
                            "rss": memory.rss,
                            "rss_file": memory.shared,  # file-backed pages (code, libraries)
                            "fds": watched.num_fds(),
                            "threads": watched.num_threads(),
                            "load": os.getloadavg()[0],
                        }
                    )
        os.write(master, b"\x1b")  # close whatever the operator had open
        time.sleep(0.5)
        asked = time.monotonic()
        os.write(master, b"\x11")  # ctrl+q: connections are active, so it asks
        time.sleep(0.5)
        os.write(master, b"y")
        while proc.poll() is None and time.monotonic() - asked < QUIT_WITHIN:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                with contextlib.suppress(OSError):
                    os.read(master, 1 << 16)
        if proc.poll() is not None:
            quit_took = time.monotonic() - asked
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        os.close(master)
    info = {"operator": operator.sent, "pty_bytes": written, "exit": proc.returncode}
    return samples, info, quit_took


def _slope_mib_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, bytes) points, in MiB per hour."""
    return _slope_per_hour(points) / MIB


def theil_sen_per_hour(points: list[tuple[float, float]]) -> float:
    """The Theil-Sen slope of (seconds, value) points, per hour: the median of the slopes
    between every two points.

    RSS moves in steps of up to ~2 MiB, up and down (glibc growing and trimming its heap):
    one step moves a least-squares fit over 15 minutes by several MiB/hour wherever it
    falls, but the median only if about half of all pairs straddle it, while steps that
    keep coming (a creep) move every pair and so the median. Troughs only (a few dozen
    points): every pair of 3 600 samples would be 6.5 million slopes.
    """
    slopes = [
        (b[1] - a[1]) / (b[0] - a[0]) * 3600
        for i, a in enumerate(points)
        for b in points[i + 1 :]
        if b[0] > a[0]
    ]
    return statistics.median(slopes) if slopes else float("nan")


def thirds_per_hour(points: list[tuple[float, float]]) -> float:
    """The mean of the last third less that of the middle third, per hour between their
    mid-times: a second robust view (a step in the first third, where RSS still settles,
    does not count)."""
    third = len(points) // 3
    if third < 2:
        return float("nan")
    middle, last = points[third : 2 * third], points[-third:]
    span = statistics.fmean(t for t, _ in last) - statistics.fmean(t for t, _ in middle)
    rise = statistics.fmean(v for _, v in last) - statistics.fmean(v for _, v in middle)
    return rise / span * 3600 if span > 0 else float("nan")


def _slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per hour."""
    if len(points) < 3:
        return float("nan")
    xs = [t / 3600 for t, _ in points]
    ys = [value for _, value in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


def _troughs(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The lowest point of each :data:`TROUGH_EVERY` seconds (bins from the first point)."""
    if not points:
        return []
    lowest: dict[int, tuple[float, float]] = {}
    for t, value in points:
        index = int((t - points[0][0]) // TROUGH_EVERY)
        if index not in lowest or value < lowest[index][1]:
            lowest[index] = (t, value)
    return [lowest[index] for index in sorted(lowest)]


def _minute_troughs(samples: list[dict[str, Any]]) -> list[float]:
    """The lowest RSS of each minute of the whole run (warm-up too), MiB: where it levels."""
    if not samples:
        return []
    lowest: dict[int, int] = {}
    for sample in samples:
        minute = int((sample["t"] - samples[0]["t"]) // 60)
        lowest[minute] = min(lowest.get(minute, sample["rss"]), sample["rss"])
    return [round(lowest[minute] / MIB, 1) for minute in sorted(lowest)]


def _types_grew(probed: list[dict[str, Any]]) -> dict[str, list[int]]:
    """The types whose live objects grew most from the first to the last count: first, last."""
    counted = [p["types"] for p in probed if "types" in p]
    if len(counted) < 2:
        return {}
    first, last = counted[0], counted[-1]
    growth = sorted(last, key=lambda name: last[name] - first.get(name, 0), reverse=True)
    return {name: [first.get(name, 0), last[name]] for name in growth[:8]}


def _stale_by_screen(probed: list[dict[str, Any]]) -> dict[str, float]:
    """The worst staleness of the seconds that ended with each screen on top (help and the
    palette are opened by the operator; the main screen's seconds are everything else)."""
    worst: dict[str, float] = {}
    for p in probed:
        screen = p.get("screen", "?")
        worst[screen] = max(worst.get(screen, 0.0), p["stale"])
    return worst


def _full_collections(probed: list[dict[str, Any]]) -> dict[str, Any]:
    """The garbage collector's full collections (not the probe's): how many seconds had
    one, their median and longest, and how many of the seconds with a staleness over
    0.5 s had one (a full collection holds the event loop while it scans every object)."""
    full = [p["gc2_ms"] for p in probed if "gc2_ms" in p]
    slow = [p for p in probed if p["stale"] > 0.5]
    return {
        "seconds_with_one": len(full),
        "median_ms": statistics.median(full) if full else None,
        "max_ms": max(full, default=None),
        "stale_seconds_over_half_s": len(slow),
        "of_them_with_a_full_collection": sum(1 for p in slow if "gc2_ms" in p),
    }


QUIET_LOAD = 1.0
"""A 1-minute load average under this (per 2 CPUs) is a quiet machine (``run_all``'s
``--max-load``)."""
SLOPE_WINDOW = 600.0
"""Seconds after warm-up under which an RSS slope says more about glibc's steps than growth."""


def verdict(checks: list[dict[str, Any]], figures: dict[str, Any]) -> list[str]:
    """The lines for the eye: each target met or MISSED, then one VERDICT line, and the
    cautions that say whether the run can be trusted (a loaded machine, a short window)."""
    lines = []
    for outcome in checks:
        mark = "met   " if outcome["pass"] else "MISSED"
        value, target = outcome["value"], outcome["target"]
        lines.append(f"soak: {mark} {outcome['name']}: {value} (target {target})")
    by_screen = ", ".join(
        f"{screen} {stale:.2f}"
        for screen, stale in figures["feed_staleness_max_s_by_screen"].items()
    )
    lines.append(f"soak: feed staleness, worst second by the screen on top (s): {by_screen}")
    loads = figures["load_1min_min_median_max"] or [float("nan")] * 3
    window = figures["seconds"] - figures["warmup_s"]
    lines.append(
        f"soak: ran {figures['seconds']:g} s, warm-up {figures['warmup_s']:g} s; 1-minute load "
        f"min/median/max {loads[0]}/{loads[1]}/{loads[2]} on {os.cpu_count()} CPUs"
    )
    missed = [outcome["name"] for outcome in checks if not outcome["pass"]]
    if missed:
        lines.append(
            f"soak: VERDICT: FAIL, {len(missed)} of {len(checks)} targets MISSED: "
            + "; ".join(missed)
        )
    else:
        lines.append(f"soak: VERDICT: PASS, all {len(checks)} targets met")
    if not loads[1] < QUIET_LOAD:
        lines.append(
            f"soak: CAUTION: not a quiet machine (median load {loads[1]}, quiet is under "
            f"{QUIET_LOAD:g}): RSS and staleness are not the dashboard's alone"
        )
    if window < SLOPE_WINDOW:
        lines.append(
            f"soak: CAUTION: {window:g} s after warm-up: slopes over less than "
            f"{SLOPE_WINDOW:g} s say little about growth (--seconds {FULL_SECONDS:g}, or "
            "none, for a full run)"
        )
    return lines


def _thirds(values: list[float]) -> tuple[float, float]:
    """Medians of the first and the last third."""
    if not values:
        return float("nan"), float("nan")
    third = max(1, len(values) // 3)
    return statistics.median(values[:third]), statistics.median(values[-third:])


def _recording(path: Path) -> dict[str, Any]:
    """Every seq once? And the dead connection's attempts per minute, first and last."""
    from tui.core.recorder import rotated_files

    files = [*reversed(rotated_files(path)), path]
    seen = bytearray()
    duplicates = events = 0
    dead: list[float] = []
    for file in files:
        with file.open("rb") as lines:
            for line in lines:
                events += 1
                seq = int(line[7 : line.index(b",")])  # {"seq":N,…
                if seq >= len(seen):
                    seen.extend(bytes(seq + 1 - len(seen) + 100_000))
                if seen[seq]:
                    duplicates += 1
                seen[seq] = 1
                if b'"connection":"dead","event":"error"' in line:
                    stamp = json.loads(line)["ts"].replace("Z", "+00:00")
                    dead.append(datetime.fromisoformat(stamp).timestamp())
    last = max((i for i in range(len(seen) - 1, 0, -1) if seen[i]), default=0)
    missing = last - sum(seen[1 : last + 1])
    first_minute = sum(1 for t in dead if t < dead[0] + 60) if dead else 0
    last_minute = sum(1 for t in dead if t > dead[-1] - 60) if dead else 0
    span = (dead[-1] - dead[0]) / 60 if len(dead) > 1 else 0.0
    return {
        "files": len(files),
        "events": events,
        "last_seq": last,
        "missing": missing,
        "duplicates": duplicates,
        "dead_attempts": len(dead),
        "dead_attempts_per_min_first": first_minute if span >= 1 else len(dead) / max(span, 1e-9),
        "dead_attempts_per_min_last": last_minute if span >= 1 else len(dead) / max(span, 1e-9),
        "bytes": sum(f.stat().st_size for f in files),
    }


def run(
    *,
    quick: bool,
    runs: int,
    seconds: float | None = None,
    keep: Path | None = None,
    warmup: float | None = None,
) -> dict[str, Any]:
    if seconds is None:
        seconds = 45.0 if quick else FULL_SECONDS
        warmup = (15.0 if quick else FULL_WARMUP) if warmup is None else warmup
    elif warmup is None:
        warmup = min(FULL_WARMUP, seconds / 2)
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        recording = folder / "events.jsonl"
        connections = _connections(server.url, _free_port(), seconds)
        config = _write_toml(folder / "soak.toml", connections, recording)
        probes = folder / "probe.jsonl"
        command = [PYTHON, str(BENCH / "soak_app.py"), str(probes), "--config", str(config)]
        samples, info, quit_took = _drive(command, seconds, warmup, ROOT)
        inside = [json.loads(line) for line in probes.read_text().splitlines() if line]
        integrity = _recording(recording)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / "samples.json").write_text(json.dumps(samples))
            for kept in folder.glob("probe.jsonl*"):
                shutil.copy(kept, keep / kept.name)
    begin = samples[0]["t"] + warmup if samples else 0.0
    window = [s for s in samples if s["t"] >= begin]
    rss = [(s["t"], s["rss"]) for s in window]
    slope = _slope_mib_per_hour(rss)
    later_slope = _slope_mib_per_hour(rss[len(rss) // 2 :])
    troughs = _troughs(rss)
    trough_slope = _slope_mib_per_hour(troughs)
    robust_slope = theil_sen_per_hour(troughs) / MIB
    probed = [p for p in inside if p["t"] >= begin]

    # Python's live blocks and malloc's, every 10 s (the bytes, where RSS counts pages).
    live = [
        (p["t"], p["pymalloc"] + p["malloc"])
        for p in probed
        if p.get("pymalloc") and p.get("malloc") is not None
    ]

    live_troughs = _troughs(live)
    live_slope = round(theil_sen_per_hour(live_troughs) / MIB, 2)

    def probed_slope(key: str) -> float:
        """Per hour, of the troughs of a probe figure."""
        points = [(p["t"], p[key]) for p in probed if p.get(key) is not None]
        return _slope_per_hour(_troughs(points))

    anon_troughs = _troughs([(s["t"], s["rss"] - s["rss_file"]) for s in window])
    trims = [p["trim_ms"] for p in inside if "trim_ms" in p]
    loads = [s["load"] for s in samples]
    fds = _thirds([s["fds"] for s in window])
    threads = _thirds([s["threads"] for s in window])
    tasks = _thirds([p["tasks"] for p in probed])
    widgets = _thirds([p["widgets"] for p in probed if "widgets" in p])
    stale = max((p["stale"] for p in inside), default=float("nan"))
    per_second = sorted(p["stale"] for p in inside)
    counting = [p["probe_ms"] for p in inside if "probe_ms" in p]
    turns = [p["batch_ms"] for p in inside if "batch_ms" in p]  # the drain's, per second
    figures = {
        "seconds": seconds,
        "warmup_s": warmup,
        "rss_minute_troughs_mib": _minute_troughs(samples),
        "rss_mib_start_end": [
            round(window[0]["rss"] / MIB, 1) if window else None,
            round(window[-1]["rss"] / MIB, 1) if window else None,
        ],
        "rss_slope_mib_per_hour": round(robust_slope, 2),
        "rss_slope_least_squares_troughs_mib_per_hour": round(trough_slope, 2),
        "rss_slope_last_vs_middle_third_mib_per_hour": round(thirds_per_hour(troughs) / MIB, 2),
        "rss_troughs_mib_first_last": [round(v / MIB, 1) for _, v in troughs[:1] + troughs[-1:]],
        "rss_slope_all_samples_mib_per_hour": round(slope, 2),
        "rss_slope_all_samples_second_half_mib_per_hour": round(later_slope, 2),
        "rss_anon_slope_mib_per_hour": round(_slope_mib_per_hour(anon_troughs), 2),
        "rss_file_mib_first_last": [
            round(v / MIB, 1) for v in _thirds([s["rss_file"] for s in window])
        ],
        "heap_trims": {
            "count": len(trims),
            "max_ms": max(trims, default=None),
            "median_ms": statistics.median(trims) if trims else None,
        },
        "python_blocks_trough_slope_per_hour": round(probed_slope("blocks"), 1),
        "malloc_in_use_trough_slope_mib_per_hour": round(probed_slope("malloc") / MIB, 2),
        "malloc_held_trough_slope_mib_per_hour": round(probed_slope("malloc_held") / MIB, 2),
        "live_heap_trough_slope_mib_per_hour": live_slope,
        "live_heap_slope_least_squares_troughs_mib_per_hour": round(
            _slope_mib_per_hour(live_troughs), 2
        ),
        "live_heap_slope_last_vs_middle_third_mib_per_hour": round(
            thirds_per_hour(live_troughs) / MIB, 2
        ),
        "live_heap_mib_first_last": [round(v / MIB, 1) for v in _thirds([v for _, v in live])],
        "python_arenas_first_last": _thirds([p["arenas"] for p in probed if p.get("arenas")]),
        "types_grew_most": _types_grew(probed),
        "fds_first_last": fds,
        "threads_first_last": threads,
        "tasks_first_last": tasks,
        "widgets_first_last": widgets,
        "feed_staleness_max_s": stale,
        "feed_staleness_p99_s": percentile(per_second, 0.99),
        "probe_counting_ms_median_max": [
            statistics.median(counting) if counting else None,
            max(counting, default=None),
        ],
        "seconds_with_staleness_over_1s": sum(1 for v in per_second if v > 1.0),
        "feed_staleness_max_s_by_screen": _stale_by_screen(inside),
        "full_collections": _full_collections(inside),
        "drain_batch_max_events": max((p["batch"] for p in inside if "batch" in p), default=None),
        "drain_turn_ms_median_max": [
            statistics.median(turns) if turns else None,
            max(turns, default=None),
        ],
        "load_1min_min_median_max": [
            round(v, 2) for v in (min(loads), statistics.median(loads), max(loads))
        ]
        if loads
        else None,
        "operator": info["operator"],
        "pty_kb_per_s": round(info["pty_bytes"] / seconds / 1000, 1),
        "quit_s": None if quit_took is None else round(quit_took, 2),
        "recording": integrity,
    }
    checks = [
        check(
            "RSS slope after warm-up (Theil-Sen, troughs)",
            round(robust_slope, 2),
            "<=",
            2,
            " MiB/h",
        ),
        check("live heap slope after warm-up (Theil-Sen, troughs)", live_slope, "<=", 2, " MiB/h"),
        check("file descriptors growth", fds[1] - fds[0], "<=", 0),
        check("asyncio tasks growth", tasks[1] - tasks[0], "<=", 2),
        check("widgets growth", widgets[1] - widgets[0], "<=", 0),
        check("feed staleness", stale, "<=", 1.0, " s"),
        check(
            "dead connection still tried, last minute",
            integrity["dead_attempts_per_min_last"],
            ">=",
            1,
            "/min",
        ),
        check(
            "recording: seqs missing or twice",
            integrity["missing"] + integrity["duplicates"],
            "<=",
            0,
        ),
        check("quit within 10 s", 0 if quit_took is None else 1, ">=", 1),
    ]
    for line in verdict(checks, figures):  # the JSON on stdout says the same, for the eye
        print(line, file=sys.stderr)
    return result(
        "8. Soak (real dashboard on a pty, mixed traffic, scripted keys)", figures, checks
    )


def main() -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--warmup", type=float, default=None)
    args, rest = parser.parse_known_args()
    soak = functools.partial(run, seconds=args.seconds, keep=args.keep, warmup=args.warmup)
    return main_for(soak, rest)


if __name__ == "__main__":
    raise SystemExit(main())
