"""Run every benchmark and print one JSON document; exit 1 if a target is missed.

``python benchmarks/run_all.py`` runs the full suite (3 runs per figure, 5 for startup, one
20-minute soak; about 45 minutes on 2 cores). ``--quick`` runs small loads once and never
fails on a target (a smoke test for CI). ``--only NAME`` runs some of: ingest, dashboard,
fanin, fanin5k, latency, keys, startup, ssh, soak, automation, open, fields, watch.
Before each benchmark the suite waits (up to ``--wait`` seconds) for the 1-minute load
average to drop below ``--max-load``, and records the load it ran at."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from typing import Any

import bench_automation
import bench_dashboard
import bench_fanin
import bench_fanin_5k
import bench_fields
import bench_ingest
import bench_keys
import bench_latency
import bench_open
import bench_soak
import bench_ssh
import bench_startup
import bench_watch
from common import loadavg, wait_for_quiet

SUITE = {
    "ingest": bench_ingest.run,
    "dashboard": bench_dashboard.run,
    "fanin": bench_fanin.run,
    "fanin5k": bench_fanin_5k.run,
    "latency": bench_latency.run,
    "keys": bench_keys.run,
    "startup": bench_startup.run,
    "ssh": bench_ssh.run,
    "soak": bench_soak.run,
    "automation": bench_automation.run,
    "watch": bench_watch.run,
    "open": bench_open.run,
    "fields": bench_fields.run,
}


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    import psutil

    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": _cpu_model(),
        "system": platform.platform(),
        "python": platform.python_version(),
        "textual": version("textual"),
        "websockets": version("websockets"),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small loads, 1 run, no targets")
    parser.add_argument("--runs", type=int, help="runs per figure (default 3; quick: 1)")
    parser.add_argument("--only", nargs="+", choices=sorted(SUITE), help="run only these")
    parser.add_argument("--max-load", type=float, default=1.0, help="wait below this load")
    parser.add_argument("--wait", type=float, default=600.0, help="longest wait for it (s)")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    started = time.monotonic()
    doc: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "runs": runs,
        "machine": machine(),
        "results": {},
    }
    for name, run in SUITE.items():
        if args.only and name not in args.only:
            continue
        if not args.quick:
            wait_for_quiet(args.max_load, args.wait)
        before = loadavg()
        print(f"running {name} (load {before[0]})...", file=sys.stderr, flush=True)
        try:
            outcome = run(quick=args.quick, runs=runs)
        except Exception as exc:  # report it as a miss, keep going
            outcome = {"error": f"{type(exc).__name__}: {exc}", "checks": [], "pass": False}
        outcome["load"] = {"before": before, "after": loadavg()}
        doc["results"][name] = outcome
    checks = [{"benchmark": name, **c} for name, r in doc["results"].items() for c in r["checks"]]
    doc["summary"] = {
        "targets": len(checks),
        "met": sum(c["pass"] for c in checks),
        "missed": [f"{c['benchmark']}: {c['name']}" for c in checks if not c["pass"]],
        "errors": [f"{n}: {r['error']}" for n, r in doc["results"].items() if "error" in r],
        "minutes": round((time.monotonic() - started) / 60, 1),
    }
    doc["pass"] = all(r["pass"] for r in doc["results"].values())
    print(json.dumps(doc, indent=2))
    if args.quick:
        return 1 if doc["summary"]["errors"] else 0
    return 0 if doc["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
