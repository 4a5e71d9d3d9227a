"""Run ``wsdeck`` as a real subprocess, and a demo server in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import demo_server_process


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
    """``ws://127.0.0.1:PORT`` of the demo server in its own process, for this module."""
    with demo_server_process() as url:
        yield url
