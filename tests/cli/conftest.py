"""Run ``wsdeck`` as a real subprocess, and a demo server in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def wsdeck(
    *args: str, timeout: float = 30, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m tui ARGS`` with a clean environment; never waits longer than ``timeout``."""
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    """``ws://127.0.0.1:PORT`` of ``python -m tui.demo_server --port 0``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.demo_server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "listening on ws://" in line, line
    try:
        yield line.split("listening on ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
