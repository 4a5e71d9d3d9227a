"""Issue 13, watches: fan-in 500 connections x 10 messages/s, each connection with a
silence watch and one jq payload rule, against the same run without watches.

The load and the App are bench_fanin's (:func:`bench_fanin.paired`: its ``app_run`` with
the watches added to every connection). The rule is ``.status == "alarm"``: jq runs on
every received message (the fan-in's payloads are stamped text, not JSON: jq reads them and
fails, ~80% of the time it takes on a 64-byte JSON object here), none matches; the silence
watch's clock checks 500 connections 4 times a second.

- delivered: every message reaches the App's store, with and without watches.
- CPU: process CPU time per received message between the first and the last message;
  the check is watched / plain App <= 1.3 (runs alternate which goes first).
"""

from __future__ import annotations

import statistics
from typing import Any

from bench_fanin import paired
from common import check, main_for, result, summary

WATCH: dict[str, Any] = {
    "watch": {
        "silence": {"after": 5},
        "rules": {"alarm": {"jq": '.status == "alarm"', "level": "critical"}},
    }
}
"""What every connection of the watched runs gets."""


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    conns, rate, duration = (50, 10, 5.0) if quick else (500, 10, 30.0)
    runs_of = paired(conns, rate, duration, runs, WATCH)
    ratio = runs_of.ratio()
    delivered = runs_of.delivered()
    figures = {
        "connections": conns,
        "messages_per_s": conns * rate,
        "seconds": duration,
        "messages": runs_of.expected,
        "every_message_delivered": delivered,
        "plain_app_cpu_us_per_message": summary(runs_of.cpu_us(runs_of.plain), 1),
        "watched_app_cpu_us_per_message": summary(runs_of.cpu_us(runs_of.subject), 1),
        "cpu_ratio": summary(ratio),
    }
    checks = [
        check("every message delivered", float(delivered), ">=", 1),
        check("CPU per message, watched / plain App", statistics.median(ratio), "<=", 1.3),
    ]
    return result(
        "13. watches (500 connections x 10 messages/s, silence + 1 jq rule each)",
        figures,
        checks,
    )


if __name__ == "__main__":
    raise SystemExit(main_for(run))
