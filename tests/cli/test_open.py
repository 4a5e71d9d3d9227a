"""``wsdeck open``: recordings made by ``tail --record`` and the dashboard's ``--record``
opened for review (on a real terminal, and in the store the review reads), and the files
it refuses with a clear message and exit status."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.cli.conftest import wsdeck
from tests.terminal import CTRL_Q, wsdeck_on_a_terminal
from tui.core.events import decode_line
from tui.review_store import RecordingStore


def _review(path: Path, tmp_path: Path, shown: bytes) -> None:
    """``wsdeck open PATH`` on a terminal until ``shown`` is on screen, then ``ctrl+q``:
    it must quit at once (nothing is connected) with status 0."""
    config = tmp_path / "empty.toml"
    config.write_text("")
    terminal = wsdeck_on_a_terminal("open", str(path), "--config", str(config), cwd=tmp_path)
    try:
        terminal.until(lambda: shown in terminal.output, 30, f"{shown!r} on screen")
        terminal.until(lambda: b"events" in terminal.output, 30, "the event count")
        terminal.send(CTRL_Q)
        terminal.until(lambda: terminal.process.poll() is not None, 10, "exit")
    finally:
        terminal.close()
    assert terminal.process.returncode == 0


def _events_in(path: Path) -> list[object]:
    return [decode_line(line) for line in path.read_text().splitlines() if line]


def test_open_a_tail_recording(demo_url: str, tmp_path: Path) -> None:
    record = tmp_path / "tail.jsonl"
    result = wsdeck(
        "tail", f"{demo_url}/echo", "--name", "echo-probe", "--send", "hello",
        "--count", "1", "--record", str(record),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    store = RecordingStore([record])
    store.load_all()
    assert store.malformed == 0
    assert list(store.ring) == _events_in(record)
    counts = store.counts["echo-probe"]
    assert (counts.events, counts.msgs_in, counts.msgs_out) == (4, 1, 1)
    store.close()
    _review(record, tmp_path, b"echo-probe")


def test_open_a_dashboard_recording(demo_url: str, tmp_path: Path) -> None:
    record = tmp_path / "dashboard.jsonl"
    config = tmp_path / "wsdeck.toml"
    config.write_text("")
    terminal = wsdeck_on_a_terminal(
        "--config", str(config), "--record", str(record), "--name", "ticker-probe",
        f"{demo_url}/ticker?rate=50", cwd=tmp_path,
    )  # fmt: skip
    try:
        terminal.until(lambda: record.exists() and record.stat().st_size > 2000, 30, "recorded")
        terminal.process.send_signal(signal.SIGTERM)
        terminal.until(lambda: terminal.process.poll() is not None, 10, "exit")
    finally:
        terminal.close()
    store = RecordingStore([record])
    store.load_all()
    assert store.malformed == 0
    events = _events_in(record)
    assert list(store.ring) == events
    counts = store.counts["ticker-probe"]
    assert counts.events == len(events)
    assert counts.msgs_in == len(events) - 2  # between its start and its stop
    store.close()
    _review(record, tmp_path, b"ticker-probe")


def test_open_a_corrupted_file(tmp_path: Path) -> None:
    record = tmp_path / "corrupt.jsonl"
    record.write_text(
        '{"seq":1,"ts":"2026-11-25T20:25:28.123456Z","connection":"corrupt-probe",'
        '"event":"error","kind":"connect","message":"refused"}\n'
        "not json at all\n"
        '{"seq":2,"ts":"2026-11-25T20:25:29Z","connection":"x","event":"meteor"}\n'
        '{"seq":3,"ts":"2026-11-25T20:25:30Z","conn'  # truncated by a crash
    )
    _review(record, tmp_path, b"3 malformed lines skipped")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    result = wsdeck("open", str(tmp_path / "nothing.jsonl"))
    assert result.returncode == 2
    assert (
        result.stderr == f"wsdeck open: {tmp_path / 'nothing.jsonl'}: No such file or directory\n"
    )
    assert result.stdout == ""


def test_a_folder_is_refused(tmp_path: Path) -> None:
    result = wsdeck("open", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"wsdeck open: {tmp_path}: ")
    assert "Traceback" not in result.stderr


def test_an_empty_file_has_nothing_to_review(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = wsdeck("open", str(empty))
    assert result.returncode == 1
    assert result.stderr == f"wsdeck open: nothing to review: {empty} is empty\n"


def test_open_needs_a_file() -> None:
    result = wsdeck("open")
    assert result.returncode == 2
    assert "the following arguments are required: FILE" in result.stderr
