"""Issue 15, automation: fan-in 500 connections x 10 messages/s, each connection with a 1 s
heartbeat and one reply rule, against the same run without automation.

The load and the App are bench_fanin's (its ``app_run`` with the automation settings added
to every connection). The rule is the common one, answering application pings: its regex is
tried on every received message and matches none of the fan-in's, so the figure is the cost
of looking (the tap, the rules' task, the match) plus 500 heartbeats a second.

- delivered: every message reaches the App's store, with and without automation.
- heartbeats: the scheduled sends counted in the automated runs (about conns x seconds).
- CPU: process CPU time per received message between the first and the last message;
  the check is automated / plain App <= 1.3 (runs alternate which goes first).
"""

from __future__ import annotations

import statistics
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from bench_fanin import app_run
from common import alternate, bench_server, check, main_for, result, summary

AUTOMATION: dict[str, Any] = {
    "every": [{"name": "heartbeat", "interval": 1.0, "message": '{"op":"ping"}'}],
    "on_receive": [{"name": "pong", "match": '"op":"ping"', "send": '{"op":"pong"}'}],
}
"""What every connection of the automated runs gets."""


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    conns, rate, duration = (50, 10, 5.0) if quick else (500, 10, 30.0)
    expected = conns * int(rate * duration)
    plain: list[dict[str, Any]] = []
    automated: list[dict[str, Any]] = []
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for index in range(runs):
            base, subject = alternate(
                index,
                partial(app_run, server, conns, rate, duration, folder),
                partial(app_run, server, conns, rate, duration, folder, AUTOMATION),
            )
            plain.append(base)
            automated.append(subject)
    delivered = all(r["count"] == expected and r["msgs_in"] == expected for r in plain + automated)
    plain_cpu = [r["cpu"] / r["count"] * 1e6 for r in plain]
    auto_cpu = [r["cpu"] / r["count"] * 1e6 for r in automated]
    ratio = [a / p for a, p in zip(auto_cpu, plain_cpu, strict=True)]
    figures = {
        "connections": conns,
        "messages_per_s": conns * rate,
        "seconds": duration,
        "messages": expected,
        "every_message_delivered": delivered,
        "heartbeats_sent": summary([r["msgs_out"] for r in automated], 0),
        "plain_app_cpu_us_per_message": summary(plain_cpu, 1),
        "automated_app_cpu_us_per_message": summary(auto_cpu, 1),
        "cpu_ratio": summary(ratio),
    }
    checks = [
        check("every message delivered", float(delivered), ">=", 1),
        check("CPU per message, automated / plain App", statistics.median(ratio), "<=", 1.3),
    ]
    return result(
        "15. automation (500 connections x 10 messages/s, 1 s heartbeat + 1 reply rule each)",
        figures,
        checks,
    )


if __name__ == "__main__":
    raise SystemExit(main_for(run))
