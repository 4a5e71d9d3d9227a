"""Targets 2 and 3: the real dashboard draining a flood, and its memory over a long flood.

The App runs headless (``run_test``, 120x40, the feed visible and following) in a process of
its own (``app_harness.py``); the plain client drains the same flood in another, alternating
within every run. Messages/s = count / (when the last message was counted, by the plain
client, or stored, by the App - the server's first write). Longest stall: the longest gap
between two runs of a task that sleeps 5 ms at a time, during the flood, in the App: how long
a key or a repaint could wait (to within 5 ms). The longest gap between two ticks of a 50 ms
timer (the figure before) is reported beside it: it is never below 50 ms, whatever the load.
CPU time per message of both sides, from the first to the last message, for context. Memory:
1 000 000 messages through the App with ``feed.max_events = 100000``: peak RSS (<= 80 MB), RSS
after 1 000 000 against RSS after 200 000 (flat: within 10 %).
"""

from __future__ import annotations

import statistics
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from common import (
    BENCH_CONNECTION,
    PYTHON,
    BenchServer,
    bench_server,
    check,
    check_runs,
    main_for,
    paired_runs,
    result,
    run_child,
    summary,
    tag,
    write_config,
)

MB = 1_000_000


def plain_flood(server: BenchServer, count: int) -> dict[str, Any]:
    name = tag()
    url = f"{server.url}/flood?count={count}&size=64&tag={name}"
    child = run_child([PYTHON, "benchmarks/plain_client.py", "flood", url, str(count)], timeout=300)
    report = server.report(name)
    data = child.json()
    if data["count"] != count:
        raise RuntimeError(f"plain client received {data['count']} of {count}")
    data["rate"] = count / (float(data["t_last"]) - float(report["t0"]))
    return data


def app_flood(
    server: BenchServer, count: int, folder: Path, rss_at: int = 0, max_events: int = 100_000
) -> dict[str, Any]:
    name = tag()
    url = f"{server.url}/flood?count={count}&size=64&tag={name}"
    connection = {"name": "flood", "url": url, "auto_start": True, **BENCH_CONNECTION}
    config = write_config(folder / f"{name}.toml", [connection], feed={"max_events": max_events})
    command = [PYTHON, "benchmarks/app_harness.py", "flood", str(config), str(count), str(rss_at)]
    child = run_child(command, timeout=900)
    data = child.json()
    report = server.report(name)
    if not data["finished"]:
        raise RuntimeError(f"the App stored {data['stored_total']} events of {count + 1}")
    data["rate"] = count / (data["t_end"] - report["t0"])
    return data


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    count = 20_000 if quick else 200_000
    long_count = 50_000 if quick else 1_000_000
    long_rss_at = 10_000 if quick else 200_000
    max_events = 5_000 if quick else 100_000  # quick: the ring is full by the first sample too
    memory: list[dict[str, Any]] = []
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        plain, apps = paired_runs(
            runs, partial(plain_flood, server, count), partial(app_flood, server, count, folder)
        )
        for _ in range(runs):
            memory.append(
                app_flood(server, long_count, folder, long_rss_at + 1, max_events=max_events)
            )
    rates = [a["rate"] for a in apps]
    ratios = [a / p["rate"] for a, p in zip(rates, plain, strict=True)]
    stalls = [a["stall"] * 1000 for a in apps]
    app_cpu = [a["cpu"] / count * 1e6 for a in apps]
    plain_cpu = [p["cpu"] / count * 1e6 for p in plain]
    counted = all(a["msgs_in"] == count and a["stored_total"] >= count + 1 for a in apps)
    peaks = [m["peak_rss"] / MB for m in memory]
    growth = [(m["rss_end"] / m["rss_at"] - 1) * 100 for m in memory]
    figures = {
        "messages": count,
        "plain_msgs_per_s": summary([p["rate"] for p in plain], 0),
        "app_msgs_per_s": summary(rates, 0),
        "ratio": summary(ratios),
        "longest_stall_ms": summary(stalls, 1),
        "longest_50ms_tick_gap_ms": summary([a["longest_gap"] * 1000 for a in apps], 1),
        "app_cpu_us_per_message": summary(app_cpu, 2),
        "plain_cpu_us_per_message": summary(plain_cpu, 2),
        "every_message_counted": counted,
        "feed_repaints_during_flood": summary([a["feed_frames"] for a in apps], 0),
        "feed_following_and_visible": all(a["feed_following"] and a["feed_visible"] for a in apps),
        "memory": {
            "messages": long_count,
            "max_events": max_events,
            "peak_rss_mb": summary(peaks, 1),
            f"rss_after_{long_rss_at}_mb": summary([m["rss_at"] / MB for m in memory], 1),
            f"rss_after_{long_count}_mb": summary([m["rss_end"] / MB for m in memory], 1),
            "growth_percent": summary(growth, 1),
            "app_msgs_per_s": summary([m["rate"] for m in memory], 0),
        },
    }
    checks = [
        check("dashboard / plain", statistics.median(ratios), ">=", 0.75),
        check("longest event-loop stall", statistics.median(stalls), "<=", 50, " ms"),
        check("every message counted", float(counted), ">=", 1),
        check_runs("peak RSS", peaks, "<=", 80, " MB"),  # issue 16: <= 80 MB and flat
        check_runs("RSS growth 200k -> 1M", [abs(g) for g in growth], "<=", 10, " %"),
    ]
    return result("2-3. dashboard ingest and memory", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
