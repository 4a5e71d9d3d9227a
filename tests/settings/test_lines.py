"""Lines of settings problems: one scan of the file, right for every TOML construct, fast."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from settings.lines import LineFinder

TRICKY = '''\
# a comment with = and [brackets]
title = """
a multi-line string
name = "not a key"
[not-a-table]
"""

[[connections]]
name = "a"
url = "ws://h/"
headers = { X-A = "1", "Quoted Key" = "2" }
on_start_send = [
  "first",   # a comment in an array
  { hex = "0g" },
]
tls.verify = false
"dotted.quoted".x = 1
when = 1979-05-27 07:32:00

[connections.reconnect]
jitter = 2

[[connections]]
name = 'b'
url = "ws://h/"
[connections.tls]
client_key = "k.pem"

[ feed ]
max_events = 0
'''


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        (("title",), 2),
        (("connections", 0), 8),
        (("connections", 0, "name"), 9),
        (("connections", 0, "headers", "X-A"), 11),
        (("connections", 0, "headers", "Quoted Key"), 11),
        (("connections", 0, "on_start_send", 0), 13),
        (("connections", 0, "on_start_send", 1, "hex"), 14),
        (("connections", 0, "tls", "verify"), 16),
        (("connections", 0, "dotted.quoted", "x"), 17),
        (("connections", 0, "when"), 18),
        (("connections", 0, "reconnect", "jitter"), 21),
        (("connections", 1, "name"), 24),
        (("connections", 1, "tls", "client_key"), 27),
        (("feed", "max_events"), 30),
    ],
)
def test_lines_of_every_construct(loc: tuple[str | int, ...], line: int) -> None:
    data = tomllib.loads(TRICKY)
    value = data
    for part in loc:
        value = value[part]  # type: ignore[index]
    assert LineFinder(TRICKY, data)(loc, value) == line


def test_values_not_from_the_file_and_missing_keys() -> None:
    find = LineFinder(TRICKY)
    assert find(("feed", "max_events"), 5) is None  # another source's value
    assert find(("connections", 1, "port"), None, missing=True) == 23  # its table
    assert find(("connections", 0, "headers", "Quoted Key", "[key]"), "Quoted Key") == 11
    assert find(("nowhere",), 1) is None


def _bad_entries(count: int) -> str:
    return "".join(f'[[connections]]\nname = "c{i}"\nurl = "ftp://h{i}/"\n' for i in range(count))


def test_ten_thousand_problems_take_linear_time(tmp_path: Path) -> None:
    # 500 bad entries took 235 s when every problem re-parsed the file; 10 000 take well
    # under a second on a quiet machine (measured), the bound is for a loaded CI runner.
    config = tmp_path / "wsdeck.toml"
    config.write_text(_bad_entries(10_000))
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "tui", "config", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 10_001
    assert (
        lines[-1] == "  connections[9999].url: url scheme must be ws or wss, got 'ftp' (line 30000)"
    )
    assert elapsed < 5, elapsed
