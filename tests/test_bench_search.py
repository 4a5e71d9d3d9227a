"""The search benchmark still runs and reports its figures (its targets are judged by a
full run, never by a test: see benchmarks/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_search_quick_prints_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/bench_search.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    doc = json.loads(result.stdout)
    figures = doc["figures"]
    assert figures["events"] == 10_000
    assert figures["matches"]["error"] == 100  # one event in a hundred
    assert figures["keystroke_ms"]["max"] > 0
    assert {check["name"] for check in doc["checks"]} == {
        "slowest keystroke (CPU ms)",
        "slowest count step (CPU ms)",
    }
