"""Shared fixtures: every test runs isolated from the developer's own config and environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

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
