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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
    paired_runs,
    percentile,
    result,
    run_child,
    summary,
    tag,
    write_config,
)

KIB = 1024


def fanin_url(
    server: BenchServer, name: str, conns: int, rate: int, duration: float, json_body: bool = False
) -> str:
    """``json_body``: JSON telemetry payloads (128 bytes) instead of 64 bytes of text."""
    size = 128 if json_body else 64
    return (
        f"{server.url}/fanin?conns={conns}&rate={rate}&duration={duration:g}"
        f"&size={size}&settle=3&tag={name}&json={int(json_body)}"
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
    server: BenchServer,
    conns: int,
    rate: int,
    duration: float,
    folder: Path,
    extra: Mapping[str, Any] | None = None,
    json_body: bool = False,
) -> dict[str, Any]:
    """The App under the fan-in load; ``extra`` settings go into every connection (the
    automation benchmark's schedules and rules, the fields benchmark's fields), with JSON
    payloads if ``json_body``."""
    name = tag()
    url = fanin_url(server, name, conns, rate, duration, json_body)
    connections = [
        {
            "name": f"c{index:03d}",
            "url": url,
            "auto_start": True,
            **BENCH_CONNECTION,
            **(extra or {}),
        }
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


AppRun = Callable[[BenchServer, int, int, float, Path], dict[str, Any]]


def load_figures(conns: int, rate: int, duration: float, delivered: bool) -> dict[str, Any]:
    """The load of a fan-in run, and whether every message arrived."""
    return {
        "connections": conns,
        "messages_per_s": conns * rate,
        "seconds": duration,
        "messages": conns * int(rate * duration),
        "every_message_delivered": delivered,
    }


@dataclass
class Paired:
    """Fan-in runs of the App as configured (``plain``) and with extra settings on every
    connection (``subject``): the cost of a feature under this load."""

    conns: int
    rate: int
    duration: float
    plain: list[dict[str, Any]]
    subject: list[dict[str, Any]]

    @property
    def expected(self) -> int:
        return self.conns * int(self.rate * self.duration)

    def delivered(self) -> bool:
        expected = self.expected
        runs = self.plain + self.subject
        return all(r["count"] == expected and r["msgs_in"] == expected for r in runs)

    def cpu_us(self, runs: list[dict[str, Any]]) -> list[float]:
        """Process CPU time per received message, in µs, of each run."""
        return [r["cpu"] / r["count"] * 1e6 for r in runs]

    def ratio(self) -> list[float]:
        """CPU per message with the extra settings / without, run by run."""
        pairs = zip(self.cpu_us(self.subject), self.cpu_us(self.plain), strict=True)
        return [s / p for s, p in pairs]

    def figures(self, subject: str) -> dict[str, Any]:
        """The load, delivery and CPU figures; ``subject`` names the runs with the extra
        settings (``automated``, ``watched``)."""
        return {
            **load_figures(self.conns, self.rate, self.duration, self.delivered()),
            "plain_app_cpu_us_per_message": summary(self.cpu_us(self.plain), 1),
            f"{subject}_app_cpu_us_per_message": summary(self.cpu_us(self.subject), 1),
            "cpu_ratio": summary(self.ratio()),
        }

    def checks(self, subject: str, target: float) -> list[dict[str, Any]]:
        """Every message delivered; CPU per message with / without at most ``target``."""
        return [
            check("every message delivered", float(self.delivered()), ">=", 1),
            check(
                f"CPU per message, {subject} / plain App",
                statistics.median(self.ratio()),
                "<=",
                target,
            ),
        ]


def paired(
    conns: int,
    rate: int,
    duration: float,
    runs: int,
    extra: Mapping[str, Any],
    json_body: bool = False,
) -> Paired:
    """Per run, the App without and with ``extra`` on every connection (taking turns first),
    with JSON payloads if ``json_body`` (see :func:`app_run`)."""
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        plain, subject = paired_runs(
            runs,
            partial(app_run, server, conns, rate, duration, folder, json_body=json_body),
            partial(app_run, server, conns, rate, duration, folder, extra, json_body),
        )
    return Paired(conns, rate, duration, plain, subject)


@dataclass
class Fanin:
    """The runs of one fan-in load: the plain client's and the App's, and the idle App's RSS."""

    conns: int
    rate: int
    duration: float
    plain: list[dict[str, Any]]
    apps: list[dict[str, Any]]
    idle: list[int]

    @property
    def expected(self) -> int:
        return self.conns * int(self.rate * self.duration)

    def delivered(self) -> bool:
        expected = self.expected
        return all(
            a["count"] == expected and a["msgs_in"] == expected and a["server"]["sent"] == expected
            for a in self.apps
        ) and all(p["count"] == expected for p in self.plain)

    def app_p99(self) -> list[float]:
        return [percentile(a["delays_ns"], 0.99) / 1e6 for a in self.apps]

    def app_mem(self) -> list[float]:
        conns = self.conns
        return [
            (a["rss_open"] - i) / conns / KIB for a, i in zip(self.apps, self.idle, strict=True)
        ]

    def plain_mem(self) -> list[float]:
        return [(p["rss_open"] - p["rss_before"]) / self.conns / KIB for p in self.plain]

    def extra_mem(self) -> list[float]:
        return [a - p for a, p in zip(self.app_mem(), self.plain_mem(), strict=True)]

    def figures(self) -> dict[str, Any]:
        apps, plain = self.apps, self.plain
        return {
            **load_figures(self.conns, self.rate, self.duration, self.delivered()),
            "sender_max_lag_ms": summary([r["server"]["max_lag"] * 1000 for r in apps + plain], 1),
            "app_delay_p99_ms": summary(self.app_p99(), 1),
            "app_delay_p50_ms": summary([percentile(a["delays_ns"], 0.5) / 1e6 for a in apps], 1),
            "plain_delay_p99_ms": summary(
                [percentile(p["delays_ns"], 0.99) / 1e6 for p in plain], 1
            ),
            "app_kib_per_connection": summary(self.app_mem(), 1),
            "plain_kib_per_connection": summary(self.plain_mem(), 1),
            "app_extra_kib_per_connection": summary(self.extra_mem(), 1),
            "app_rss_end_mb": summary([a["rss_end"] / 1e6 for a in apps], 1),
        }

    def checks(self, kib_per_connection: float) -> list[dict[str, Any]]:
        """Every message delivered, p99 delay <= 250 ms, memory above the plain client."""
        p99, extra = self.app_p99(), self.extra_mem()
        return [
            check("every message delivered", float(self.delivered()), ">=", 1),
            check(
                "delay p99, send to the App's store",
                statistics.median(p99),
                "<=",
                250,
                " ms",
                runs=p99,
            ),
            check(
                "memory per connection above the plain client",
                statistics.median(extra),
                "<=",
                kib_per_connection,
                " KiB",
                runs=extra,
            ),
        ]


def measure(conns: int, rate: int, duration: float, runs: int, app: AppRun = app_run) -> Fanin:
    """Per run: the idle App's RSS, then the plain client and the App (taking turns first)."""
    plain: list[dict[str, Any]] = []
    apps: list[dict[str, Any]] = []
    idle: list[int] = []
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for index in range(runs):
            idle.append(app_idle_rss(folder))
            base, subject = alternate(
                index,
                partial(plain_run, server, conns, rate, duration),
                partial(app, server, conns, rate, duration, folder),
            )
            plain.append(base)
            apps.append(subject)
    return Fanin(conns, rate, duration, plain, apps, idle)


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    conns, rate, duration = (50, 10, 5.0) if quick else (500, 10, 30.0)
    fanin = measure(conns, rate, duration, runs)
    app_cpu = [a["cpu"] / a["count"] * 1e6 for a in fanin.apps]
    plain_cpu = [p["cpu"] / p["count"] * 1e6 for p in fanin.plain]
    cpu_ratio = [a / p for a, p in zip(app_cpu, plain_cpu, strict=True)]
    figures = {
        **fanin.figures(),
        "app_cpu_us_per_message": summary(app_cpu, 1),
        "plain_cpu_us_per_message": summary(plain_cpu, 1),
        "cpu_ratio": summary(cpu_ratio),
    }
    checks = [
        *fanin.checks(kib_per_connection=64),
        check("CPU per message / plain", statistics.median(cpu_ratio), "<=", 1.2),
    ]
    return result("4. fan-in (500 connections x 10 messages/s)", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
