"""The benchmark suite still runs: ``benchmarks/run_all.py --quick`` (small loads, one run).

Only that every benchmark produces its figures is checked here; targets are judged by a
full run on a quiet machine (benchmarks/README.md), never by a test. Each benchmark runs
as ``run_all.py --quick --only NAME`` in a test of its own, so the xdist workers share
them out (run one after the other they took ~2 minutes, the soak ~50 s).
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


def test_the_suite_runs_every_benchmark() -> None:
    """``run_all.py`` (without ``--only``) runs exactly the benchmarks tested below."""
    result = subprocess.run(
        [sys.executable, "-c", "import json, run_all; print(json.dumps(sorted(run_all.SUITE)))"],
        cwd=ROOT / "benchmarks",
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(json.loads(result.stdout)) == BENCHMARKS


@pytest.mark.slow
@pytest.mark.timeout(300)  # the soak: ~50 s here; the subprocess: 280 s
@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xdist_group(f"bench-{n}")) for n in sorted(BENCHMARKS)],
)
def test_quick_benchmark_produces_its_figures(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/run_all.py", "--quick", "--only", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    doc = json.loads(result.stdout)
    assert doc["mode"] == "quick"
    assert set(doc["results"]) == {name}
    assert doc["summary"]["errors"] == []
    outcome = doc["results"][name]
    assert outcome["figures"], name
    assert outcome["checks"], name  # each check has a value, even when not enforced
    for check in outcome["checks"]:
        assert isinstance(check["value"], int | float | bool), (name, check)
