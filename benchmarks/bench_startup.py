"""Target 6, startup: ``wsdeck`` until its table lists every connection, vs a minimal app.

Both programs run on a 120x40 pseudo-terminal, alternating within every run. The time is
from just before the exec to the first read from the pty master that shows a marker text:
"startup-probe", the minimal app's ``Static``, and in wsdeck the name of the last of its
three connections in the connection table (one of them auto-started against a local
echo endpoint). That is the target: the table filled / the minimal app's first frame.
wsdeck lists the names it read from the settings file in its first frame, while pydantic
validates them (:mod:`settings.preview`); so also reported: the full dashboard, the first
frame of its main screen (its Restart button: the settings are valid, its keys act), and
each program's first frame, the first cursor-positioning sequence, with which Textual
starts drawing (the terminal set-up before it is not a frame).

Python modules are compiled to bytecode first (``compileall``, as ``pip install`` does):
with ``PYTHONDONTWRITEBYTECODE`` set, wsdeck's own modules were compiled again at every
start (~70 ms here), which no installed copy does.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from common import (
    BENCH_CONNECTION,
    PYTHON,
    ROOT,
    bench_server,
    check,
    main_for,
    paired_runs,
    result,
    run_in_pty,
    summary,
    write_config,
    wsdeck_command,
)

MARKER = b"startup-probe"
DASHBOARD = b"Restart"
"""Shown by the main screen only (its Restart button): the settings are validated, the
dashboard is drawn and its keys act."""
_FRAME = re.compile(rb"\x1b\[\d+;\d+H")  # cursor position: Textual starts a frame with it


def first_frame(command: list[str], then: bytes | None = None) -> tuple[float, float, float]:
    """Seconds to the first frame, to the first frame showing the marker, and to the first
    showing ``then`` after it (without ``then``: the marker's time again)."""
    state: dict[str, Any] = {"seen": b"", "marker": None, "then": None}

    def watch(_fd: int, now: float, data: bytes) -> bool:
        seen = state["seen"] = state["seen"][-64:] + data
        if state["marker"] is None and MARKER in seen:
            state["marker"], state["seen"] = now, seen[seen.index(MARKER) + len(MARKER) :]
        elif state["marker"] is not None and then is not None and then in seen:
            state["then"] = now
        return state["marker"] is not None and (then is None or state["then"] is not None)

    run = run_in_pty(command, duration=30, interact=watch)
    marker_at = state["marker"]
    then_at = state["then"] if then is not None else marker_at
    if marker_at is None or then_at is None:
        raise RuntimeError(f"{command[:3]}: no frame with {MARKER!r} and {then!r} within 30 s")
    seen = b""
    for when, data in run.chunks:
        seen = seen[-16:] + data
        if _FRAME.search(seen):
            return when - run.t_start, marker_at - run.t_start, then_at - run.t_start
    raise RuntimeError(f"{command[:3]}: no frame")


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    runs = max(runs, 1 if quick else 5)  # cheap: more runs, steadier medians
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        connections: list[dict[str, Any]] = [
            {"name": "first", "url": f"{server.url}/echo", "auto_start": True},
            {"name": "second", "url": f"{server.url}/echo"},
            {"name": MARKER.decode(), "url": "ws://127.0.0.1:9/nothing"},
        ]
        config = write_config(
            Path(name) / "wsdeck.toml", [{**c, **BENCH_CONNECTION} for c in connections]
        )
        minimal_command = [PYTHON, "benchmarks/minimal_app.py"]
        wsdeck_run = [*wsdeck_command(), "--config", str(config)]
        subprocess.run([PYTHON, "-m", "compileall", "-q", "tui", "settings"], check=True, cwd=ROOT)
        first_frame(minimal_command)  # warm the file cache; not counted
        wsdeck_frames = partial(first_frame, wsdeck_run, DASHBOARD)
        wsdeck_frames()
        minimal, wsdeck = paired_runs(runs, partial(first_frame, minimal_command), wsdeck_frames)
    # The minimal app's first frame is the one that shows its marker.
    filled = [w[1] / m[1] for w, m in zip(wsdeck, minimal, strict=True)]
    first = [w[0] / m[0] for w, m in zip(wsdeck, minimal, strict=True)]
    figures = {
        "minimal_app_first_frame_ms": summary([m[1] * 1000 for m in minimal], 0),
        "wsdeck_table_filled_ms": summary([w[1] * 1000 for w in wsdeck], 0),
        "ratio": summary(filled, 2),
        "wsdeck_first_frame_ms": summary([w[0] * 1000 for w in wsdeck], 0),
        "first_frame_ratio": summary(first, 2),
        "wsdeck_dashboard_ms": summary([w[2] * 1000 for w in wsdeck], 0),
        "dashboard_ratio": summary([w[2] / m[1] for w, m in zip(wsdeck, minimal, strict=True)], 2),
    }
    checks = [check("table filled / minimal app", statistics.median(filled), "<=", 1.5, "", filled)]
    return result("6. startup until the table lists every connection", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
