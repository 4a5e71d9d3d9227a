"""Helpers shared by the benchmark scripts: the sender process, timed child processes, stats."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

A = TypeVar("A")
B = TypeVar("B")

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
PYTHON = sys.executable


def wsdeck_command() -> list[str]:
    """The ``wsdeck`` console script next to this interpreter (else ``python -m tui``)."""
    script = Path(PYTHON).with_name("wsdeck")
    return [str(script)] if script.exists() else [PYTHON, "-m", "tui"]


def loadavg() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def wait_for_quiet(limit: float = 1.0, patience: float = 0.0) -> float:
    """Wait (at most ``patience`` seconds) for the 1-minute load to drop below ``limit``."""
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]


def summary(values: Sequence[float], digits: int = 3) -> dict[str, Any]:
    """Median with min and max, and every run."""
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "runs": [round(v, digits) for v in values],
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[rank]


def alternate(index: int, baseline: Callable[[], A], subject: Callable[[], B]) -> tuple[A, B]:
    """Run both, the baseline first on even runs: neither always meets a warmer machine."""
    if index % 2 == 0:
        first = baseline()
        return first, subject()
    second = subject()
    return baseline(), second


def paired_runs(
    runs: int, baseline: Callable[[], A], subject: Callable[[], B]
) -> tuple[list[A], list[B]]:
    """``runs`` rounds of both, taking turns at going first (see :func:`alternate`)."""
    baselines: list[A] = []
    subjects: list[B] = []
    for index in range(runs):
        base, other = alternate(index, baseline, subject)
        baselines.append(base)
        subjects.append(other)
    return baselines, subjects


def tag() -> str:
    return uuid.uuid4().hex[:12]


class BenchServer:
    """``benchmarks/server.py`` in a child process; collects its JSON reports by tag."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, str(BENCH / "server.py")],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().strip()
        if "listening on " not in first:
            self.close()
            raise RuntimeError(f"bench server did not start: {first!r}")
        self.url = first.rsplit(" ", 1)[1]
        self._reports: queue.Queue[dict[str, Any]] = queue.Queue()
        self._pending: dict[str, dict[str, Any]] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            if line.startswith("{"):
                self._reports.put(json.loads(line))

    def report(self, name: str, timeout: float = 60.0) -> dict[str, Any]:
        """The report of the stream tagged ``name`` (waits for it)."""
        deadline = time.monotonic() + timeout
        while name not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no server report for {name}")
            try:
                record = self._reports.get(timeout=left)
            except queue.Empty:
                continue
            self._pending[record["tag"]] = record
        return self._pending.pop(name)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@contextmanager
def bench_server() -> Iterator[BenchServer]:
    server = BenchServer()
    try:
        yield server
    finally:
        server.close()


@dataclass
class Child:
    """A finished child process: when it ended, its CPU time and what it printed."""

    returncode: int
    t_exit: float
    cpu: float
    peak_rss: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        """The last stdout line, parsed."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        if not lines:
            raise RuntimeError(f"no output (exit {self.returncode}): {self.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(lines[-1])
        return result


def run_child(
    command: Sequence[str],
    *,
    timeout: float,
    stdout_to_null: bool = False,
    env: dict[str, str] | None = None,
) -> Child:
    """Run ``command``; note the moment it exits (``time.monotonic()``) and its rusage."""
    with (
        open(os.devnull, "wb") as null,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        proc = subprocess.Popen(
            list(command),
            stdout=null if stdout_to_null else out,
            stderr=err,
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                t_exit = time.monotonic()
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise TimeoutError(f"{list(command)[:4]} did not finish in {timeout} s")
            time.sleep(0.001)  # the exit time is a measurement: look often
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Child(
            returncode=proc.returncode,
            t_exit=t_exit,
            cpu=usage.ru_utime + usage.ru_stime,
            peak_rss=usage.ru_maxrss * 1024,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


TERMINAL_ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
"""What an SSH session to a modern terminal usually carries (truecolour: the longest codes)."""


@dataclass
class PtyRun:
    """What a program wrote to a 120x40 pseudo-terminal, read as it came."""

    t_start: float
    chunks: list[tuple[float, bytes]]
    cpu_marks: list[tuple[float, float]]
    marker_at: float | None

    def bytes_between(self, start: float, end: float) -> int:
        return sum(len(data) for when, data in self.chunks if start <= when <= end)


def run_in_pty(
    command: Sequence[str],
    *,
    duration: float,
    marker: bytes | None = None,
    size: tuple[int, int] = (120, 40),
    interact: Callable[[int, float, bytes], bool] | None = None,
) -> PtyRun:
    """Run ``command`` on a pty of ``size`` (columns, rows); read its master side.

    Stops after ``duration`` seconds, or as soon as ``marker`` has been read, or when
    ``interact`` returns True: it is called with the master's descriptor (to write keys to),
    the time and what was just read (``b""`` when nothing came for 50 ms). The child
    (ours, by pid) is killed at the end; terminal queries are left unanswered.
    """
    import fcntl
    import pty
    import select
    import struct
    import termios

    import psutil

    master, slave = pty.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, **TERMINAL_ENV}
    t_start = time.monotonic()
    proc = subprocess.Popen(
        list(command),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    chunks: list[tuple[float, bytes]] = []
    cpu_marks: list[tuple[float, float]] = []
    seen = b""
    marker_at = None
    watched = psutil.Process(proc.pid)
    deadline = t_start + duration
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            now = time.monotonic()
            if ready:
                try:
                    data = os.read(master, 1 << 16)
                except OSError:
                    break
                if not data:
                    break
                chunks.append((now, data))
                if marker is not None:
                    seen = seen[-len(marker) :] + data
                    if marker in seen:
                        marker_at = now
                        break
            if interact is not None and interact(master, now, data if ready else b""):
                break
            if not cpu_marks or now - cpu_marks[-1][0] >= 0.5:
                with contextlib.suppress(psutil.Error):
                    times = watched.cpu_times()
                    cpu_marks.append((now, times.user + times.system))
    finally:
        proc.kill()
        proc.wait(10)
        os.close(master)
    return PtyRun(t_start, chunks, cpu_marks, marker_at)


def write_config(path: Path, connections: Sequence[dict[str, Any]], **sections: Any) -> Path:
    """A wsdeck settings file with these connections (TOML written by hand, flat values)."""
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {_toml(value)}" for key, value in values.items())
    for connection in connections:
        lines.append("[[connections]]")
        lines.extend(f"{key} = {_toml(value)}" for key, value in connection.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    # Inline arrays and tables: automation's [[connections.every]] and the like.
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"cannot write {value!r}")


BENCH_CONNECTION: dict[str, Any] = {
    "compression": "none",
    "proxy": "none",
    "max_message_size": 64 * 1024 * 1024,
}
"""What every benchmarked wsdeck connection uses: the plain client's traffic, exactly."""


def check(
    name: str, value: float, op: str, limit: float, unit: str = "", runs: Sequence[float] = ()
) -> dict[str, Any]:
    """One target: ``value op limit`` (``op`` is ``<=`` or ``>=``), and whether it holds.

    ``value`` is the median of ``runs`` when they are given; their min and max go beside it.
    """
    passed = value <= limit if op == "<=" else value >= limit
    doc = {"name": name, "value": value, "target": f"{op} {limit:g}{unit}", "pass": passed}
    if runs:
        doc["min"], doc["max"] = min(runs), max(runs)
    return doc


def check_runs(
    name: str,
    runs: Sequence[float],
    op: str,
    limit: float,
    unit: str = "",
    worst: float | None = None,
) -> dict[str, Any]:
    """A target on the median of ``runs``, with their min and max beside it; with ``worst``,
    the worst run must also be within ``worst`` of the limit (issue 16: 0.1 for ratios)."""
    median = statistics.median(runs)
    outcome = check(name, median, op, limit, unit)
    outcome["min"], outcome["max"] = min(runs), max(runs)
    if worst is not None:
        bad = min(runs) if op == ">=" else max(runs)
        floor = limit - worst if op == ">=" else limit + worst
        outcome["target"] += f", worst run {op} {floor:g}{unit}"
        outcome["pass"] = outcome["pass"] and (bad >= floor if op == ">=" else bad <= floor)
    return outcome


def result(title: str, figures: dict[str, Any], checks: list[dict[str, Any]]) -> dict[str, Any]:
    """A benchmark's JSON: its figures, its targets, and the load around it."""
    return {
        "benchmark": title,
        "figures": figures,
        "checks": checks,
        "pass": all(c["pass"] for c in checks),
    }


def main_for(run: Any, argv: Sequence[str] | None = None) -> int:
    """``python benchmarks/bench_X.py [--quick] [--runs N]``: print the JSON, exit 1 on a miss."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small loads, 1 run, no targets")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 3)")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    load_before = loadavg()
    doc = run(quick=args.quick, runs=runs)
    doc["load"] = {"before": load_before, "after": loadavg()}
    print(json.dumps(doc, indent=2))
    return 0 if args.quick or doc["pass"] else 1
