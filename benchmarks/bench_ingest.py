"""Target 1, headless ingest: ``wsdeck tail`` (JSON Lines to /dev/null) vs a plain client.

Both drain the same pre-framed flood from ``benchmarks/server.py``, each in its own process,
alternating within every run. Messages/s = count / (exit of the client process - the server's
first write): both clients pay their teardown, ``tail`` also prints every message. The
target holds for 64 B messages (>= 0.6x); 4 KiB and 1 MiB are reported.
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
    result,
    run_child,
    summary,
    tag,
    write_config,
    wsdeck_command,
)

FULL = [(64, 200_000), (4096, 50_000), (1024 * 1024, 300)]
QUICK = [(64, 20_000), (4096, 2_000), (1024 * 1024, 20)]


def plain_rate(server: BenchServer, size: int, count: int) -> float:
    name = tag()
    url = f"{server.url}/flood?count={count}&size={size}&tag={name}"
    child = run_child([PYTHON, "benchmarks/plain_client.py", "flood", url, str(count)], timeout=300)
    report = server.report(name)
    received = child.json()["count"]
    if received != count:
        raise RuntimeError(f"plain client received {received} of {count}")
    return count / (child.t_exit - float(report["t0"]))


def tail_rate(server: BenchServer, size: int, count: int, folder: Path) -> float:
    name = tag()
    url = f"{server.url}/flood?count={count}&size={size}&tag={name}"
    config = write_config(
        folder / f"{name}.toml", [{"name": "flood", "url": url, **BENCH_CONNECTION}]
    )
    command = [*wsdeck_command(), "tail", "flood", "--config", str(config), "--count", str(count)]
    child = run_child(command, timeout=300, stdout_to_null=True)
    report = server.report(name)
    if child.returncode != 0:
        raise RuntimeError(f"wsdeck tail failed ({child.returncode}): {child.stderr[-2000:]}")
    return count / (child.t_exit - float(report["t0"]))


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    checks = []
    with bench_server() as server, tempfile.TemporaryDirectory() as folder:
        for size, count in QUICK if quick else FULL:
            plain: list[float] = []
            tail: list[float] = []
            for index in range(runs):
                base, rate = alternate(
                    index,
                    partial(plain_rate, server, size, count),
                    partial(tail_rate, server, size, count, Path(folder)),
                )
                plain.append(base)
                tail.append(rate)
            ratios = [t / p for t, p in zip(tail, plain, strict=True)]
            figures[f"{size}B"] = {
                "messages": count,
                "plain_msgs_per_s": summary(plain, 0),
                "tail_msgs_per_s": summary(tail, 0),
                "ratio": summary(ratios),
            }
            if size == 64:
                checks.append(check("tail / plain, 64 B", statistics.median(ratios), ">=", 0.6))
    return result("1. headless ingest (wsdeck tail vs plain websockets client)", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
