"""The benchmark suite still runs: ``benchmarks/run_all.py --quick`` (small loads, one run).

Only that every benchmark produces its figures is checked here; targets are judged by a
full run on a quiet machine (benchmarks/README.md), never by a test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = {
    "ingest",
    "dashboard",
    "fanin",
    "fanin5k",
    "latency",
    "keys",
    "startup",
    "ssh",
    "soak",
    "automation",
    "open",
    "fields",
    "watch",
}


@pytest.mark.timeout(420)  # ~2 minutes here (the soak: ~50 s); the subprocess: 400 s
def test_quick_benchmark_suite_produces_every_figure() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/run_all.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    doc = json.loads(result.stdout)
    assert doc["mode"] == "quick"
    assert set(doc["results"]) == BENCHMARKS
    assert doc["summary"]["errors"] == []
    for name, outcome in doc["results"].items():
        assert outcome["figures"], name
        assert outcome["checks"], name  # each check has a value, even when not enforced
        for check in outcome["checks"]:
            assert isinstance(check["value"], int | float | bool), (name, check)
