"""Target 4, fan-in: 500 connections x 10 messages/s into one dashboard for 30 s.

The sender writes every message on its own (one write, one wake-up of the reader), spread
evenly over the connections, and starts only once all of them are open (plus 3 s, so both
clients can measure their memory with every connection open and idle). Per run, the plain
client (500 ``websockets`` connections in one process) and the App (headless, 500
configured connections) take the same load one after the other.

- delivered: every message sent reaches the App's store (and the plain client).
- delay: send time (in the payload) to the App's store, p99; the plain client's for context.
- memory per connection: (RSS with every connection open - RSS before) / connections; for
  the App, "before" is the same App with no connection configured (its own process), so the
  figure includes settings, client objects, workers and table rows.
- CPU: process CPU time per message between the first and the last message.
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

KIB = 1024


def fanin_url(server: BenchServer, name: str, conns: int, rate: int, duration: float) -> str:
    return (
        f"{server.url}/fanin?conns={conns}&rate={rate}&duration={duration:g}"
        f"&size=64&settle=3&tag={name}"
    )


def plain_run(server: BenchServer, conns: int, rate: int, duration: float) -> dict[str, Any]:
    name = tag()
    url = fanin_url(server, name, conns, rate, duration)
    child = run_child(
        [PYTHON, "benchmarks/plain_client.py", "fanin", url, str(conns)], timeout=duration + 180
    )
    data = child.json()
    data["server"] = server.report(name)
    return data


def app_run(
    server: BenchServer, conns: int, rate: int, duration: float, folder: Path
) -> dict[str, Any]:
    name = tag()
    url = fanin_url(server, name, conns, rate, duration)
    connections = [
        {"name": f"c{index:03d}", "url": url, "auto_start": True, **BENCH_CONNECTION}
        for index in range(conns)
    ]
    config = write_config(folder / f"{name}.toml", connections)
    expected = conns * int(rate * duration)
    command = [PYTHON, "benchmarks/app_harness.py", "fanin", str(config), str(conns), str(expected)]
    data = run_child(command, timeout=duration + 300).json()
    data["server"] = server.report(name)
    return data


def app_idle_rss(folder: Path) -> int:
    config = write_config(folder / f"idle-{tag()}.toml", [])
    rss: int = run_child(
        [PYTHON, "benchmarks/app_harness.py", "idle", str(config)], timeout=120
    ).json()["rss"]
    return rss


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    conns, rate, duration = (50, 10, 5.0) if quick else (500, 10, 30.0)
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
    plain_p99 = [percentile(p["delays_ns"], 0.99) / 1e6 for p in plain]
    app_mem = [(a["rss_open"] - base) / conns / KIB for a, base in zip(apps, idle, strict=True)]
    plain_mem = [(p["rss_open"] - p["rss_before"]) / conns / KIB for p in plain]
    extra_mem = [a - p for a, p in zip(app_mem, plain_mem, strict=True)]
    app_cpu = [a["cpu"] / a["count"] * 1e6 for a in apps]
    plain_cpu = [p["cpu"] / p["count"] * 1e6 for p in plain]
    cpu_ratio = [a / p for a, p in zip(app_cpu, plain_cpu, strict=True)]
    figures = {
        "connections": conns,
        "messages_per_s": conns * rate,
        "seconds": duration,
        "messages": expected,
        "every_message_delivered": delivered,
        "sender_max_lag_ms": summary([r["server"]["max_lag"] * 1000 for r in apps + plain], 1),
        "app_delay_p99_ms": summary(app_p99, 1),
        "app_delay_p50_ms": summary([percentile(a["delays_ns"], 0.5) / 1e6 for a in apps], 1),
        "plain_delay_p99_ms": summary(plain_p99, 1),
        "app_kib_per_connection": summary(app_mem, 1),
        "plain_kib_per_connection": summary(plain_mem, 1),
        "app_extra_kib_per_connection": summary(extra_mem, 1),
        "app_cpu_us_per_message": summary(app_cpu, 1),
        "plain_cpu_us_per_message": summary(plain_cpu, 1),
        "cpu_ratio": summary(cpu_ratio),
        "app_rss_end_mb": summary([a["rss_end"] / 1e6 for a in apps], 1),
    }
    checks = [
        check("every message delivered", float(delivered), ">=", 1),
        check("delay p99, send to the App's store", statistics.median(app_p99), "<=", 250, " ms"),
        check(
            "memory per connection above the plain client",
            statistics.median(extra_mem),
            "<=",
            64,
            " KiB",
        ),
        check("CPU per message / plain", statistics.median(cpu_ratio), "<=", 1.2),
    ]
    return result("4. fan-in (500 connections x 10 messages/s)", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
