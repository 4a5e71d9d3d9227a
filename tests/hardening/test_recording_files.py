"""Hostile recording files (issue 17 item 5): opened safely, refused cleanly, never fatal.

A symlink is not followed, a FIFO never blocks, a directory or a missing folder is a clean
error (exit 2, no traceback), another user's file is refused and a lax mode is tightened.
A full disk (``/dev/full``) stops the recording with an error event and a persistent
badge while the feed and the connections go on, and the palette retries it.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import tui.core.recorder as recorder_module
from tests.app.conftest import conn, events_of, make_app, run_in_palette, wait_until
from tests.terminal import run_to_exit
from tui.core.events import decode_line
from tui.core.recorder import Recorder, RecordingError
from tui.demo_server import DemoServer

__all__ = ["make_app"]  # the dashboard fixture, shared with tests/app


def refused(path: Path) -> str:
    started = time.monotonic()
    with pytest.raises(RecordingError) as info:
        Recorder(path)
    assert time.monotonic() - started < 2  # never waits (a FIFO blocked forever)
    assert str(path) in str(info.value)
    return str(info.value)


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "root-only.txt"
    target.write_text("precious\n")
    link = tmp_path / "events.jsonl"
    link.symlink_to(target)
    assert "symbolic link" in refused(link)
    assert target.read_text() == "precious\n"


def test_a_fifo_without_a_reader_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    assert "FIFO" in refused(fifo)


def test_a_fifo_with_a_reader_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert "is a FIFO, not a regular file" in refused(fifo)
    finally:
        os.close(reader)


def test_a_directory_and_a_missing_folder_are_clean_errors(tmp_path: Path) -> None:
    folder = tmp_path / "events.jsonl"
    folder.mkdir()
    assert "is a directory" in refused(folder)
    assert "does not exist" in refused(tmp_path / "missing" / "events.jsonl")


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
def test_another_users_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("")
    os.chown(path, 65534, 65534)
    assert "owned by user id 65534" in refused(path)


def test_a_lax_mode_is_tightened_and_said(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("")
    path.chmod(0o644)
    recorder = Recorder(path)
    recorder.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert recorder.notes == [f"recording {path}: mode was 0644 (others could read it); now 0600"]


def test_tail_with_a_fifo_recording_exits_2_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    argv = [sys.executable, "-m", "tui", "tail", "ws://127.0.0.1:9/", "--record", str(fifo)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"wsdeck tail: recording {fifo}: is a FIFO")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["symlink", "directory"])
def test_the_dashboard_refuses_a_bad_recording_with_exit_2(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "events.jsonl"
    if kind == "symlink":
        path.symlink_to(tmp_path / "elsewhere")
    else:
        path.mkdir()
    code, output = run_to_exit([sys.executable, "-m", "tui", "--record", str(path)], tmp_path)
    assert code == 2, output[-2000:]
    assert f"wsdeck: recording {path}: ".encode() in output
    assert b"Traceback" not in output


def _allow_character_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the recording open /dev/full, a real device whose every write fails (ENOSPC)."""
    real = recorder_module.check_opened

    def check(fd: int, path: Path) -> str | None:
        return None if stat.S_ISCHR(os.fstat(fd).st_mode) else real(fd, path)

    monkeypatch.setattr(recorder_module, "check_opened", check)


async def test_a_full_disk_stops_the_recording_not_the_dashboard(
    demo: DemoServer, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _allow_character_devices(monkeypatch)
    app = make_app(
        conn("ticker", demo.endpoint("/ticker?rate=50"), auto_start=True),
        recording={"path": Path("/dev/full")},
    )
    async with app.run_test(size=(120, 40)) as pilot:

        def recording_errors() -> list[Any]:
            return [e for e in events_of(app, "error") if e.kind == "recording"]

        await wait_until(pilot, lambda: bool(recording_errors()), timeout=10)
        (error,) = recording_errors()
        assert error.connection == "(wsdeck)"
        assert error.message.startswith("recording stopped: No space left on device (/dev/full)")
        status = app.main.query_one("#feed-status")
        badge = "⚠ recording stopped: No space left on device"
        await wait_until(pilot, lambda: badge in str(status.render()))
        received = len(events_of(app, "receive"))
        await wait_until(pilot, lambda: len(events_of(app, "receive")) > received + 20, timeout=15)
        assert app.hub.get("ticker").state.value == "open"
        assert len(recording_errors()) == 1  # said once, not at every batch
        assert "⚠ recording stopped" in str(status.render())  # and it stays


async def test_the_palette_retries_a_stopped_recording(
    demo: DemoServer, make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.jsonl"
    disk_full = threading.Event()
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        if disk_full.is_set() and os.fstat(fd).st_ino == path.stat().st_ino:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(recorder_module.os, "write", write)
    app = make_app(
        conn("ticker", demo.endpoint("/ticker?rate=50"), auto_start=True),
        recording={"path": path},
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(events_of(app, "receive")) > 5)
        disk_full.set()
        await wait_until(pilot, lambda: app.recording_stopped is not None, timeout=5)
        disk_full.clear()
        await run_in_palette(pilot, "recording: retry")
        await wait_until(pilot, lambda: app.recording_stopped is None, timeout=5)
        status = app.main.query_one("#feed-status")
        await wait_until(pilot, lambda: "recording stopped" not in str(status.render()))
        resumed_after = events_of(app, "receive")[-1].seq
        await wait_until(pilot, lambda: events_of(app, "receive")[-1].seq > resumed_after + 10)
    seqs = [decode_line(line).seq for line in path.read_text().splitlines()]
    assert seqs == sorted(seqs)
    assert seqs[-1] > resumed_after  # recording again after the retry
    assert len(seqs) < seqs[-1]  # and the events of the full spell are missing, not garbled
