"""``wsdeck tail`` as a subprocess: JSON Lines schema, text output and exit codes."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.cli.conftest import wsdeck
from tui.core.events import decode_line


def _lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_echo_url_send_count(demo_url: str) -> None:
    result = wsdeck("tail", f"{demo_url}/echo", "--send", "hello", "--count", "1")
    assert result.returncode == 0, result.stderr
    events = _lines(result.stdout)
    assert [e["event"] for e in events] == ["start", "send", "receive"]
    assert events[1]["text"] == "hello"
    assert events[2]["text"] == "hello"
    assert events[2]["size"] == 5
    assert [e["seq"] for e in events] == [1, 2, 3]
    for line in result.stdout.splitlines():
        decode_line(line)  # every line follows the schema


def test_named_connection_from_settings_file(demo_url: str, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(f'[[connections]]\nname = "echo"\nurl = "{demo_url}/echo"\nproxy = "none"\n')
    result = wsdeck("tail", "echo", "--config", str(config), "--send", "hex:01 ff", "--count", "1")
    assert result.returncode == 0, result.stderr
    events = _lines(result.stdout)
    assert [e["event"] for e in events] == ["start", "send", "receive"]
    assert all(e["connection"] == "echo" for e in events)
    assert events[2]["binary"] is True
    assert events[2]["base64"] == "Af8="


def test_refused_port_exits_1_with_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = wsdeck("tail", f"ws://127.0.0.1:{port}/")
    assert result.returncode == 1
    events = _lines(result.stdout)
    errors = [e for e in events if e["event"] == "error"]
    assert errors
    assert errors[0]["kind"] == "connect"
    assert f"127.0.0.1:{port}" in str(errors[0]["message"])


def test_text_format_escapes_control_characters(demo_url: str) -> None:
    result = wsdeck(
        "tail", f"{demo_url}/echo", "--send", "a\x1b[2Jb", "--count", "1", "--format", "text"
    )
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[2].endswith("< [6 B] a\\x1b[2Jb")


def test_timeout_with_nothing_received_is_a_failed_check(demo_url: str) -> None:
    result = wsdeck("tail", f"{demo_url}/echo", "--count", "1", "--timeout", "0.5")
    assert result.returncode == 1
    assert [e["event"] for e in _lines(result.stdout)] == ["start"]


def test_flood_count_is_exact(demo_url: str) -> None:
    result = wsdeck("tail", f"{demo_url}/flood?count=5000&size=32")
    assert result.returncode == 0, result.stderr
    events = _lines(result.stdout)
    receives = [e for e in events if e["event"] == "receive"]
    assert len(receives) == 5000
    assert [int(str(r["text"])[:8]) for r in receives] == list(range(1, 5001))
    assert events[-1]["event"] == "stop"
    assert events[-1]["code"] == 1000


def test_unknown_name_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "echo"\nurl = "ws://127.0.0.1:1/"\n')
    result = wsdeck("tail", "nope", "--config", str(config))
    assert result.returncode == 2
    assert "no connection named 'nope' (known: echo)" in result.stderr
    assert result.stdout == ""


def test_bad_hex_is_a_usage_error(demo_url: str) -> None:
    result = wsdeck("tail", f"{demo_url}/echo", "--send", "hex:zz")
    assert result.returncode == 2
    assert "invalid hex" in result.stderr


def test_recording_gets_every_event(demo_url: str, tmp_path: Path) -> None:
    record = tmp_path / "rec.jsonl"
    result = wsdeck(
        "tail", f"{demo_url}/echo", "--send", "x", "--count", "1", "--record", str(record)
    )
    assert result.returncode == 0, result.stderr
    recorded = [decode_line(line) for line in record.read_text().splitlines()]
    # stdout stops at the count; the recording also has the closing stop event
    assert [e.EVENT for e in recorded] == ["start", "send", "receive", "stop"]
    assert oct(record.stat().st_mode & 0o777) == "0o600"
