"""Exporting events: JSON Lines, mode 0600, and never half a file."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.core.events import Event, SendEvent, decode_line
from tui.core.export import export_jsonl


def sends(count: int) -> list[Event]:
    return [SendEvent("echo", 1.0 + i, seq=i, data=f"m{i}", size=2) for i in range(count)]


def test_writes_json_lines_0600_over_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    target.chmod(0o644)
    assert export_jsonl(sends(3), target) == 3
    decoded = [decode_line(line) for line in target.read_text().splitlines()]
    assert decoded == sends(3)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failure_midway_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.jsonl"
    target.write_text("old\n")

    def broken() -> Iterator[Event]:
        yield from sends(2)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        export_jsonl(broken(), target)
    assert target.read_text() == "old\n"
    assert [p.name for p in folder.iterdir()] == ["out.jsonl"]
