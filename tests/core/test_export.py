"""Exporting events: JSON Lines, mode 0600, and never half a file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.core.events import Event, SendEvent, decode_line
from tui.core.export import ExportRefused, export_jsonl, export_target


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


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder"])
def test_a_target_that_is_not_a_regular_file_is_refused_and_kept(tmp_path: Path, kind: str) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    target = tmp_path / "target"
    if kind == "symlink":
        target.symlink_to(precious)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    expected = {"symlink": "a symbolic link", "fifo": "a FIFO", "folder": "a folder"}[kind]
    with pytest.raises(ExportRefused, match=f"exists and is {expected}, not a regular file"):
        export_jsonl(sends(1), target)
    assert precious.read_text() == "keep me\n"
    assert target.is_symlink() == (kind == "symlink")
    assert stat.S_ISFIFO(target.lstat().st_mode) == (kind == "fifo")


def test_a_device_is_refused() -> None:
    with pytest.raises(ExportRefused, match="/dev/full exists and is a device"):
        export_jsonl(sends(1), "/dev/full")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_missing_folders_are_created_only_when_asked(tmp_path: Path) -> None:
    given = tmp_path / "a" / ".." / "new" / "deeper" / "out.jsonl"
    target = export_target(str(given))
    assert target.path == tmp_path / "new" / "deeper" / "out.jsonl"  # resolved
    assert target.missing_folder == tmp_path / "new"
    with pytest.raises(ExportRefused, match=f"the folder {tmp_path / 'new'} does not exist"):
        export_jsonl(sends(1), given)
    assert not (tmp_path / "new").exists()
    assert export_jsonl(sends(1), given, create_folders=True) == 1
    assert (tmp_path / "new" / "deeper" / "out.jsonl").is_file()


def test_target_reports_an_existing_regular_file(tmp_path: Path) -> None:
    (tmp_path / "old.jsonl").write_text("")
    assert export_target(str(tmp_path / "old.jsonl")).exists
    assert not export_target(str(tmp_path / "new.jsonl")).exists
    with pytest.raises(ExportRefused, match="is a folder"):
        export_target(f"{tmp_path}/")
