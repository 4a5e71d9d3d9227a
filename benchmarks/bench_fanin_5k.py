"""Target 4b, fan-in at scale: 5 000 connections x 1 message/s into one dashboard for 30 s.

The same method as ``bench_fanin.py`` (one sender writing every message on its own, spread
evenly over the connections, starting 3 s after all are open; the plain client and the
App take the same load one after the other in each run), with ten times the connections
at a tenth of the rate, and keys on the connection table during the traffic
(``scale_harness.py``: ``j`` down and ``k`` up every 0.25 s, timed from the key's post to the
table's first line drawn with the cursor on its new row).

- delivered: every message sent reaches the App's store, its counters and the plain client.
- delay: send time (in the payload) to the App's store, p99.
- memory per connection above the plain client, as in ``bench_fanin.py``.
- key latency p99.

Each side holds one socket per connection (the sender another): the soft limit on open
files is raised to the hard limit for this process and its children, and the benchmark
stops with a message if that is still too low.
"""

from __future__ import annotations

import resource
import statistics
from pathlib import Path
from typing import Any

from bench_fanin import fanin_url, measure
from common import (
    BENCH_CONNECTION,
    PYTHON,
    BenchServer,
    check,
    main_for,
    percentile,
    result,
    run_child,
    summary,
    tag,
    write_config,
)

KEY_INTERVAL = 0.25
SPARE_FILES = 200
"""Descriptors beyond one per connection: the interpreter, the event loop, pipes, the pty."""


def raise_file_limit(connections: int) -> int:
    """Raise the soft ``RLIMIT_NOFILE`` to the hard one; fail clearly if it is still short."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = connections + SPARE_FILES
    if soft < needed:
        soft = hard if hard == resource.RLIM_INFINITY else max(soft, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise RuntimeError(
            f"{connections} connections need {needed} open files; the limit is {soft} "
            "(raise it with `ulimit -n`)"
        )
    return soft


def app_run(
    server: BenchServer, conns: int, rate: int, duration: float, folder: Path
) -> dict[str, Any]:
    name = tag()
    url = fanin_url(server, name, conns, rate, duration)
    # Thousands of handshakes at once take longer than the default 10 s on a loaded
    # machine: the plain client's opening timeout (60 s), so that both sides open them all.
    options = {"auto_start": True, "open_timeout": 60.0, **BENCH_CONNECTION}
    connections = [{"name": f"c{index:04d}", "url": url, **options} for index in range(conns)]
    config = write_config(folder / f"{name}.toml", connections)
    expected = conns * int(rate * duration)
    command = [
        PYTHON,
        "benchmarks/scale_harness.py",
        str(config),
        str(conns),
        str(expected),
        str(KEY_INTERVAL),
    ]
    data = run_child(command, timeout=duration + 600).json()
    data["server"] = server.report(name)
    return data


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    conns, rate, duration = (500, 1, 5.0) if quick else (5000, 1, 30.0)
    raise_file_limit(conns)
    fanin = measure(conns, rate, duration, runs, app_run)
    apps = fanin.apps
    key_p99 = [percentile(a["key_latencies"], 0.99) * 1000 for a in apps]
    figures = {
        **fanin.figures(),
        "keys_per_run": summary([len(a["key_latencies"]) for a in apps], 0),
        "key_p99_ms": summary(key_p99, 1),
        "key_p50_ms": summary([percentile(a["key_latencies"], 0.5) * 1000 for a in apps], 1),
        "app_cpu_us_per_message": summary([a["cpu"] / a["count"] * 1e6 for a in apps], 1),
        "plain_cpu_us_per_message": summary([p["cpu"] / p["count"] * 1e6 for p in fanin.plain], 1),
    }
    checks = [
        *fanin.checks(kib_per_connection=32),
        check(
            "key on the table answered, p99",
            statistics.median(key_p99),
            "<=",
            100,
            " ms",
            runs=key_p99,
        ),
    ]
    return result(f"4b. fan-in ({conns} connections x {rate} message/s)", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
