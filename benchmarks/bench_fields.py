"""Issue 14, fields: jq fields on every message, against the same run without fields.

Two loads, both bench_fanin's (its ``app_run``, JSON telemetry payloads of 128 bytes): 10 000
messages/s on one connection, and 500 connections x 10 messages/s. In the runs with fields
every connection has three (``temp``, ``sine`` and ``status``, as in the issue's example),
extracted from every received message by the analysis thread (one combined jq program per
message); the runs without have none. Runs alternate which goes first.

- delivered: every message reaches the App's store in both runs.
- fields: connections whose latest values were read (all of them in the runs with fields),
  and the events the analysis thread skipped because it fell behind (0 expected).
- CPU: process CPU time (the analysis thread included) from the first received message until
  the thread has analysed the last batch, per message; the check is fields / no fields <= 1.3.
"""

from __future__ import annotations

import statistics
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from bench_fanin import app_run
from common import alternate, bench_server, check, main_for, result, summary

FIELDS: dict[str, Any] = {
    "fields": {"temp": ".[2].temperature", "sine": ".[2].sine", "status": ".[2].status"}
}
"""What every connection of the runs with fields gets (the payload is a JSON array)."""


def _load(conns: int, rate: int, duration: float, runs: int) -> dict[str, Any]:
    expected = conns * int(rate * duration)
    plain: list[dict[str, Any]] = []
    fielded: list[dict[str, Any]] = []
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        app = partial(app_run, server, conns, rate, duration, folder, json_body=True)
        for index in range(runs):
            base, subject = alternate(index, app, partial(app, FIELDS))
            plain.append(base)
            fielded.append(subject)
    delivered = all(r["count"] == expected and r["msgs_in"] == expected for r in plain + fielded)
    plain_cpu = [r["cpu_analysed"] / r["count"] * 1e6 for r in plain]
    fields_cpu = [r["cpu_analysed"] / r["count"] * 1e6 for r in fielded]
    ratio = [f / p for f, p in zip(fields_cpu, plain_cpu, strict=True)]
    return {
        "connections": conns,
        "messages_per_s": conns * rate,
        "seconds": duration,
        "messages": expected,
        "every_message_delivered": delivered,
        "connections_with_field_values": summary([r["with_field_values"] for r in fielded], 0),
        "events_skipped_by_analysis": summary([r["analysis_skipped"] for r in fielded], 0),
        "no_fields_app_cpu_us_per_message": summary(plain_cpu, 1),
        "fields_app_cpu_us_per_message": summary(fields_cpu, 1),
        "cpu_ratio": summary(ratio),
        "_ratio": statistics.median(ratio),
        "_ratios": ratio,
        "_complete": delivered
        and all(r["with_field_values"] == conns for r in fielded)
        and all(r["analysis_skipped"] == 0 for r in fielded),
    }


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    one = _load(1, 2000 if quick else 10_000, 3.0 if quick else 10.0, runs)
    many = _load(50 if quick else 500, 10, 5.0 if quick else 30.0, runs)
    checks = []
    for label, load in (("one connection", one), ("fan-in", many)):
        checks.append(
            check(
                f"{label}: every message delivered, fields read",
                float(load.pop("_complete")),
                ">=",
                1,
            )
        )
        ratios = load.pop("_ratios")
        checks.append(
            check(
                f"{label}: CPU per message, fields / no fields",
                load.pop("_ratio"),
                "<=",
                1.3,
                runs=ratios,
            )
        )
    return result(
        "14. fields (3 jq fields on every message: 1 x 10 000/s and 500 x 10/s)",
        {"one_connection": one, "fan_in": many},
        checks,
    )


if __name__ == "__main__":
    raise SystemExit(main_for(run))
