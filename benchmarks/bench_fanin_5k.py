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
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from bench_fanin import KIB, app_idle_rss, fanin_url, plain_run
from common import (
    BENCH_CONNECTION,
    PYTHON,
    BenchServer,
    alternate,
    bench_server,
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
    expected = conns * int(rate * duration)
    plain: list[dict[str, Any]] = []
    apps: list[dict[str, Any]] = []
    idle: list[int] = []
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for index in range(runs):
            idle.append(app_idle_rss(folder))
            base, app = alternate(
                index,
                partial(plain_run, server, conns, rate, duration),
                partial(app_run, server, conns, rate, duration, folder),
            )
            plain.append(base)
            apps.append(app)
    delivered = all(
        a["count"] == expected and a["msgs_in"] == expected and a["server"]["sent"] == expected
        for a in apps
    ) and all(p["count"] == expected for p in plain)
    app_p99 = [percentile(a["delays_ns"], 0.99) / 1e6 for a in apps]
    app_mem = [(a["rss_open"] - base) / conns / KIB for a, base in zip(apps, idle, strict=True)]
    plain_mem = [(p["rss_open"] - p["rss_before"]) / conns / KIB for p in plain]
    extra_mem = [a - p for a, p in zip(app_mem, plain_mem, strict=True)]
    key_p99 = [percentile(a["key_latencies"], 0.99) * 1000 for a in apps]
    figures = {
        "connections": conns,
        "messages_per_s": conns * rate,
        "seconds": duration,
        "messages": expected,
        "every_message_delivered": delivered,
        "sender_max_lag_ms": summary([r["server"]["max_lag"] * 1000 for r in apps + plain], 1),
        "app_delay_p99_ms": summary(app_p99, 1),
        "app_delay_p50_ms": summary([percentile(a["delays_ns"], 0.5) / 1e6 for a in apps], 1),
        "plain_delay_p99_ms": summary([percentile(p["delays_ns"], 0.99) / 1e6 for p in plain], 1),
        "app_kib_per_connection": summary(app_mem, 1),
        "plain_kib_per_connection": summary(plain_mem, 1),
        "app_extra_kib_per_connection": summary(extra_mem, 1),
        "keys_per_run": summary([len(a["key_latencies"]) for a in apps], 0),
        "key_p99_ms": summary(key_p99, 1),
        "key_p50_ms": summary([percentile(a["key_latencies"], 0.5) * 1000 for a in apps], 1),
        "app_cpu_us_per_message": summary([a["cpu"] / a["count"] * 1e6 for a in apps], 1),
        "plain_cpu_us_per_message": summary([p["cpu"] / p["count"] * 1e6 for p in plain], 1),
        "app_rss_end_mb": summary([a["rss_end"] / 1e6 for a in apps], 1),
    }
    checks = [
        check("every message delivered", float(delivered), ">=", 1),
        check("delay p99, send to the App's store", statistics.median(app_p99), "<=", 250, " ms"),
        check(
            "memory per connection above the plain client",
            statistics.median(extra_mem),
            "<=",
            32,
            " KiB",
        ),
        check("key on the table answered, p99", statistics.median(key_p99), "<=", 100, " ms"),
    ]
    return result(f"4b. fan-in ({conns} connections x {rate} message/s)", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
