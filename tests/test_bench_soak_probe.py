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
