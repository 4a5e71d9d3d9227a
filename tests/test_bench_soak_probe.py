"""The soak's staleness probe (benchmarks/soak_app.py) counts the dashboard's delay, not
its own: the time its periodic counting held the event loop is left out (issue 18)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def soak_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import soak_app

    yield soak_app
    sys.modules.pop("soak_app", None)


def test_staleness_leaves_out_the_probes_own_pause(soak_app: Any, tmp_path: Path) -> None:
    probe = soak_app.Probe(str(tmp_path / "probe.jsonl"))
    feed = SimpleNamespace(following=True, highlighted=SimpleNamespace(seq=10))
    probe.arrived(10)
    probe.paused += 5.0  # the probe's full collection held the loop for 5 s meanwhile
    probe.shown(feed)
    assert 0 <= probe.stale < 1.0
    probe.stale = 0.0
    probe.arrived(20)
    arrived, seq = probe.pending[0]
    probe.pending[0] = (arrived - 2.0, seq)  # the dashboard itself took 2 s to show it
    feed.highlighted.seq = 20
    probe.shown(feed)
    assert 2.0 <= probe.stale < 3.0


@pytest.fixture
def bench_soak(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import bench_soak

    yield bench_soak
    sys.modules.pop("bench_soak", None)


def _figures(seconds: float, load: float) -> dict[str, Any]:
    return {
        "seconds": seconds,
        "warmup_s": 180.0,
        "load_1min_min_median_max": [load, load, load],
        "feed_staleness_max_s_by_screen": {"MainScreen": 0.2, "HelpScreen": 1.4},
    }


def test_the_verdict_names_what_was_missed_and_when_not_to_trust_it(bench_soak: Any) -> None:
    checks = [
        bench_soak.check("feed staleness", 1.4, "<=", 1.0, " s"),
        bench_soak.check("quit within 10 s", 1, ">=", 1),
    ]
    lines = bench_soak.verdict(checks, _figures(300.0, 8.2))
    assert "soak: MISSED feed staleness: 1.4 (target <= 1 s)" in lines
    assert "soak: met    quit within 10 s: 1 (target >= 1)" in lines
    assert "soak: VERDICT: FAIL, 1 of 2 targets MISSED: feed staleness" in lines
    assert any("HelpScreen 1.40" in line for line in lines)
    cautions = [line for line in lines if line.startswith("soak: CAUTION")]
    assert len(cautions) == 2  # loaded, and 120 s after warm-up


def test_a_quiet_full_run_that_meets_every_target_says_pass_and_nothing_else(
    bench_soak: Any,
) -> None:
    checks = [bench_soak.check("feed staleness", 0.4, "<=", 1.0, " s")]
    lines = bench_soak.verdict(checks, _figures(900.0, 0.3))
    assert "soak: VERDICT: PASS, all 1 targets met" in lines
    assert not [line for line in lines if "CAUTION" in line]


def test_one_step_is_not_a_slope_but_a_creep_is(bench_soak: Any) -> None:
    """15 minutes of troughs (one per 30 s): a single 1 MiB step at minute 5 (glibc's heap
    growing once) made the least-squares slope over 2 MiB/hour; the Theil-Sen slope says
    flat. A creep of 3 MiB/hour, in small steps, is measured as such by both."""
    mib = bench_soak.MIB
    step = [(t * 30.0, 70 * mib + (mib if t >= 10 else 0)) for t in range(30)]
    assert bench_soak._slope_mib_per_hour(step) > 2
    assert bench_soak.theil_sen_per_hour(step) / mib == 0
    creep = [(t * 30.0, 70 * mib + (t // 4) * mib / 10) for t in range(30)]  # 3 MiB/hour
    assert 2.5 < bench_soak.theil_sen_per_hour(creep) / mib < 3.5
    assert 2.5 < bench_soak.thirds_per_hour(creep) / mib < 3.5


def test_the_short_window_caution_names_a_run_long_enough(bench_soak: Any) -> None:
    # It said --seconds 1080: its warm-up (half, at most 10 minutes) left 540 s, still short.
    figures = {**_figures(300.0, 0.3), "warmup_s": 100.0}
    [caution] = [line for line in bench_soak.verdict([], figures) if "CAUTION" in line]
    seconds = float(caution.split("--seconds ")[1].split(",")[0])
    warmup = min(bench_soak.FULL_WARMUP, seconds / 2)  # as run() sets it
    assert seconds - warmup >= bench_soak.SLOPE_WINDOW
    figures = {**figures, "seconds": seconds, "warmup_s": warmup}
    assert not [line for line in bench_soak.verdict([], figures) if "CAUTION" in line]
