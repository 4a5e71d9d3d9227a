"""Shared fixtures: every test runs isolated from the developer's own config and environment.

Also how the suite runs on pytest-xdist's workers (``-n 2 --dist loadgroup`` in pyproject):
each module's tests stay on one worker, in order (module-scoped servers start once, and a
module may rely on the order of its tests), and a test marked ``serial`` runs while no other
test runs on any worker (it measures wall-clock time: latency, key bursts over a pty).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from tui.demo_server import DemoServer


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test in an empty folder with no WSDECK_* variables, proxies or user config.

    The user config, data (trusted files) and state (crash files) dirs are all in the
    test's own home, so no test reads or writes the developer's.
    """
    for name in list(os.environ):
        if name.startswith("WSDECK_") or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
async def demo() -> AsyncIterator[DemoServer]:
    """The demo server on 127.0.0.1, a free port, in this test's event loop."""
    async with DemoServer() as server:
        yield server


@contextmanager
def demo_server_process() -> Iterator[str]:
    """``ws://127.0.0.1:PORT`` of ``python -m tui.demo_server --port 0`` in its own process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.demo_server", "--port", "0"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    try:
        line = process.stdout.readline()  # its address comes first (pytest-timeout bounds it)
        assert "listening on ws://" in line, line
        yield line.split("listening on ", 1)[1].strip()
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # stuck on a peer that stopped reading
            process.kill()
            process.wait()


def _group(item: pytest.Item) -> str:
    mark = item.get_closest_marker("xdist_group")
    return str(mark.args[0] if mark and mark.args else mark.kwargs["name"]) if mark else ""


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each module on one worker (its ``xdist_group`` is the module unless it names one),
    and hand out the groups holding a ``slow`` test first, so the run does not end on one."""
    for item in items:
        if not _group(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
    slow = {_group(item) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: _group(item) not in slow)  # stable: order kept within


LOCK_WAIT = 600.0
"""Longest wait for a turn (s): longer than any test, so only a hung worker trips it."""


def _lock(file: IO[bytes], mode: int, what: str) -> None:
    """``flock`` ``file`` in ``mode``, polling so the wait is bounded by :data:`LOCK_WAIT`."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(file, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no turn for {what} within {LOCK_WAIT:g} s") from None
            time.sleep(0.005)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """On an xdist worker, run a ``serial`` test alone and any other alongside the others.

    A readers-writer lock shared by the run's workers: every test holds ``turn`` shared, a
    serial one exclusively. ``gate`` lets a waiting serial test in first: while it waits
    for the running tests to end, no other test starts (otherwise the two workers could
    hand the shared lock back and forth forever). Setup and teardown are inside the turn,
    so a module's servers start and stop in it too.
    """
    basetemp = item.config.option.basetemp
    if not hasattr(item.config, "workerinput") or basetemp is None:
        return (yield)  # one process: nothing runs alongside
    shared = Path(basetemp).parent  # xdist gives each worker <the run's basetemp>/popen-gwN
    serial = item.get_closest_marker("serial") is not None
    with open(shared / "gate.lock", "ab") as gate, open(shared / "turn.lock", "ab") as turn:
        _lock(gate, fcntl.LOCK_EX, item.nodeid)
        try:
            _lock(turn, fcntl.LOCK_EX if serial else fcntl.LOCK_SH, item.nodeid)
        finally:
            if not serial:
                fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            return (yield)
        finally:
            fcntl.flock(turn, fcntl.LOCK_UN)
            if serial:
                fcntl.flock(gate, fcntl.LOCK_UN)
