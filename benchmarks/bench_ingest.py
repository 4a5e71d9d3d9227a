"""Target 1, headless ingest: ``wsdeck tail`` (JSON Lines to /dev/null) vs a plain client.

Both drain the same pre-framed flood from ``benchmarks/server.py``, each in its own process,
alternating within every run. Messages/s = count / (exit of the client process - the server's
first write): both clients pay their teardown, ``tail`` also prints every message. Targets
(issue 16), each on the median of the runs with the worst run within 0.1: >= 0.85x at 64 B,
>= 0.75x at 4 KiB, >= 0.70x at 1 MiB. Both sides' CPU time per message is reported too: each
process's CPU time minus that of a run that receives one message (start-up, connecting and
exit), over the messages; within a run it moves less with the machine's load than the rates.
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
    bench_server,
    check_runs,
    main_for,
    paired_runs,
    result,
    run_child,
    summary,
    tag,
    write_config,
    wsdeck_command,
)

FULL = [(64, 200_000), (4096, 50_000), (1024 * 1024, 300)]
QUICK = [(64, 20_000), (4096, 2_000), (1024 * 1024, 20)]
TARGETS = {64: ("64 B", 0.85), 4096: ("4 KiB", 0.75), 1024 * 1024: ("1 MiB", 0.70)}
WORST = 0.1
"""How far below its target the worst run of a figure may be."""


def plain_rate(server: BenchServer, size: int, count: int) -> tuple[float, float]:
    name = tag()
    url = f"{server.url}/flood?count={count}&size={size}&tag={name}"
    child = run_child([PYTHON, "benchmarks/plain_client.py", "flood", url, str(count)], timeout=300)
    report = server.report(name)
    received = child.json()["count"]
    if received != count:
        raise RuntimeError(f"plain client received {received} of {count}")
    return count / (child.t_exit - float(report["t0"])), child.cpu


def tail_rate(server: BenchServer, size: int, count: int, folder: Path) -> tuple[float, float]:
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
    return count / (child.t_exit - float(report["t0"])), child.cpu


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    checks = []
    with bench_server() as server, tempfile.TemporaryDirectory() as folder:
        # CPU time of everything but the messages: start-up, connecting, exit.
        fixed_plain = statistics.median(plain_rate(server, 64, 1)[1] for _ in range(3))
        fixed_tail = statistics.median(tail_rate(server, 64, 1, Path(folder))[1] for _ in range(3))
        for size, count in QUICK if quick else FULL:
            plain, tail = paired_runs(
                runs,
                partial(plain_rate, server, size, count),
                partial(tail_rate, server, size, count, Path(folder)),
            )
            ratios = [t[0] / p[0] for t, p in zip(tail, plain, strict=True)]
            plain_cpu = [(p[1] - fixed_plain) / count * 1e6 for p in plain]
            tail_cpu = [(t[1] - fixed_tail) / count * 1e6 for t in tail]
            figures[f"{size}B"] = {
                "messages": count,
                "plain_msgs_per_s": summary([p[0] for p in plain], 0),
                "tail_msgs_per_s": summary([t[0] for t in tail], 0),
                "ratio": summary(ratios),
                "plain_cpu_us_per_message": summary(plain_cpu, 2),
                "tail_cpu_us_per_message": summary(tail_cpu, 2),
                "cpu_ratio": summary([p / t for p, t in zip(plain_cpu, tail_cpu, strict=True)]),
            }
            label, target = TARGETS[size]
            checks.append(check_runs(f"tail / plain, {label}", ratios, ">=", target, worst=WORST))
    return result("1. headless ingest (wsdeck tail vs plain websockets client)", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
