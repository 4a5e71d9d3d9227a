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

from typing import Any

from bench_fanin import paired
from common import main_for, result, summary

AUTOMATION: dict[str, Any] = {
    "every": [{"name": "heartbeat", "interval": 1.0, "message": '{"op":"ping"}'}],
    "on_receive": [{"name": "pong", "match": '"op":"ping"', "send": '{"op":"pong"}'}],
}
"""What every connection of the automated runs gets."""


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    conns, rate, duration = (50, 10, 5.0) if quick else (500, 10, 30.0)
    runs_of = paired(conns, rate, duration, runs, AUTOMATION)
    figures = runs_of.figures("automated")
    figures["heartbeats_sent"] = summary([r["msgs_out"] for r in runs_of.subject], 0)
    checks = runs_of.checks("automated", 1.3)
    return result(
        "15. automation (500 connections x 10 messages/s, 1 s heartbeat + 1 reply rule each)",
        figures,
        checks,
    )


if __name__ == "__main__":
    raise SystemExit(main_for(run))
