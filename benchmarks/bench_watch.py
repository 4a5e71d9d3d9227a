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

from typing import Any

from bench_fanin import paired
from common import main_for, result

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
    figures = runs_of.figures("watched")
    checks = runs_of.checks("watched", 1.3)
    return result(
        "13. watches (500 connections x 10 messages/s, silence + 1 jq rule each)",
        figures,
        checks,
    )


if __name__ == "__main__":
    raise SystemExit(main_for(run))
