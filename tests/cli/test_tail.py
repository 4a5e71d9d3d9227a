"""``wsdeck tail`` as a subprocess: JSON Lines schema, text output and exit codes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import wsdeck
from tui.core.events import decode_line


def _lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_echo_url_send_count(demo_url: str) -> None:
    result = wsdeck("tail", f"{demo_url}/echo", "--send", "hello", "--count", "1")
    assert result.returncode == 0, result.stderr
    events = _lines(result.stdout)
    # The final stop (tail closes with 1000 at --count) is printed too.
    assert [e["event"] for e in events] == ["start", "send", "receive", "stop"]
    assert events[3]["code"] == 1000
    assert events[3]["by"] == "client"
    assert events[1]["text"] == "hello"
    assert events[2]["text"] == "hello"
    assert events[2]["size"] == 5
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert {e["connection"] for e in events} == {"echo"}  # named after the URL's path
    for line in result.stdout.splitlines():
        decode_line(line)  # every line follows the schema


def test_named_connection_from_settings_file(demo_url: str, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(f'[[connections]]\nname = "echo"\nurl = "{demo_url}/echo"\nproxy = "none"\n')
    result = wsdeck("tail", "echo", "--config", str(config), "--send", "hex:01 ff", "--count", "1")
    assert result.returncode == 0, result.stderr
    events = _lines(result.stdout)
    assert [e["event"] for e in events] == ["start", "send", "receive", "stop"]
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
    assert len(lines) == 4
    assert lines[2].endswith("< [6 B] a\\x1b[2Jb")
    assert lines[3].endswith("- closed by client, 1000 normal closure")


def test_timeout_with_nothing_received_is_a_failed_check(demo_url: str) -> None:
    result = wsdeck("tail", f"{demo_url}/echo", "--count", "1", "--timeout", "0.5")
    assert result.returncode == 1
    events = _lines(result.stdout)
    assert [e["event"] for e in events] == ["start", "stop"]
    assert events[1]["code"] == 1000


def test_flood_count_is_exact(demo_url: str) -> None:
    result = wsdeck("tail", f"{demo_url}/flood?count=5000&size=32")
    assert result.returncode == 0, result.stderr
    events = _lines(result.stdout)
    receives = [e for e in events if e["event"] == "receive"]
    assert len(receives) == 5000
    assert [int(str(r["text"])[:8]) for r in receives] == list(range(1, 5001))
    assert events[-1]["event"] == "stop"
    assert events[-1]["code"] == 1000


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("nope", "no connection named 'nope' (known: echo)"),
        ("127.0.0.1:8765/echo", "a URL needs a scheme: 'ws://127.0.0.1:8765/echo'"),
    ],
)
def test_unknown_name_is_a_usage_error(tmp_path: Path, target: str, says: str) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "echo"\nurl = "ws://127.0.0.1:1/"\n')
    result = wsdeck("tail", target, "--config", str(config))
    assert result.returncode == 2
    assert says in result.stderr
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
    assert [e.EVENT for e in recorded] == ["start", "send", "receive", "stop"]
    assert [e.to_dict() for e in recorded] == _lines(result.stdout)
    assert oct(record.stat().st_mode & 0o777) == "0o600"


def test_timeout_before_the_handshake_completes_is_an_error_and_a_stop(tmp_path: Path) -> None:
    # The kernel accepts TCP connections into the backlog; nothing ever answers the upgrade
    # request, so the attempt is still waiting on open_timeout (10 s) when --timeout ends.
    record = tmp_path / "rec.jsonl"
    with socket.create_server(("127.0.0.1", 0), backlog=8) as server:
        port = server.getsockname()[1]
        result = wsdeck(
            "tail", f"ws://127.0.0.1:{port}/hang", "--timeout", "3", "--record", str(record)
        )
    assert result.returncode == 1, result.stdout + result.stderr
    events = _lines(result.stdout)
    assert [e["event"] for e in events] == ["error", "stop"]
    assert events[0]["kind"] == "timeout"
    assert events[0]["message"] == "--timeout 3 s ended before the connection opened"
    assert events[0]["connection"] == "hang"
    assert events[1]["by"] == "client"
    assert events[1]["code"] is None
    assert _lines(record.read_text()) == events  # what is printed is what is recorded


def test_count_prints_exactly_count_receives_and_the_stop(demo_url: str, tmp_path: Path) -> None:
    record = tmp_path / "rec.jsonl"
    result = wsdeck(
        "tail", f"{demo_url}/flood?count=100000&size=16", "--count", "50", "--record", str(record)
    )
    assert result.returncode == 0, result.stderr
    events = _lines(result.stdout)
    kinds = [e["event"] for e in events]
    assert kinds == ["start", *["receive"] * 50, "stop"]
    assert [int(str(e["text"])[:8]) for e in events[1:-1]] == list(range(1, 51))
    assert events[-1]["code"] == 1000
    assert _lines(record.read_text()) == events


def test_text_format_marks_binary_and_honours_view(demo_url: str, tmp_path: Path) -> None:
    url = f"{demo_url}/echo"
    args = ("tail", url, "--send", "hex:6869", "--send", "hi", "--count", "2", "--format", "text")
    default = wsdeck(*args)  # an ad-hoc URL's receive_view is text
    assert default.returncode == 0, default.stderr
    received = [line for line in default.stdout.splitlines() if " < " in line]
    assert [line.split(" < ", 1)[1] for line in received] == ["[2 B binary, text] hi", "[2 B] hi"]
    for view, shown in (("hex", "68 69"), ("base64", "aGk="), ("text", "hi")):
        result = wsdeck(*args, "--view", view)
        assert result.returncode == 0, result.stderr
        binary = [line for line in result.stdout.splitlines() if " < [2 B binary" in line]
        assert [line.split(" < ", 1)[1] for line in binary] == [f"[2 B binary, {view}] {shown}"]
    config = tmp_path / "wsdeck.toml"
    config.write_text(f'[[connections]]\nname = "e"\nurl = "{url}"\nreceive_view = "base64"\n')
    configured = wsdeck(*args[:1], "e", *args[2:], "--config", str(config))
    assert configured.returncode == 0, configured.stderr
    assert "< [2 B binary, base64] aGk=" in configured.stdout


def test_a_reader_that_goes_away_ends_output_quietly(demo_url: str, tmp_path: Path) -> None:
    # `wsdeck tail URL | head -c 100` on an endless stream: the pipe closes while tail is
    # writing (in large batches to stdout's binary layer); tail ends as a pipeline's writer
    # killed by SIGPIPE does (141), the connection going away (1001) and the recording
    # complete, with nothing on stderr (no BrokenPipeError at exit). It ran on, printing
    # nowhere, until --count, --timeout or a signal.
    record = tmp_path / "rec.jsonl"
    command = [sys.executable, "-m", "tui", "tail", f"{demo_url}/flood?count=10000000&size=512"]
    process = subprocess.Popen(
        [*command, "--record", str(record)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    first = process.stdout.read(100)
    process.stdout.close()
    try:
        _, errors = process.communicate(timeout=30)
    finally:
        process.kill()
    assert first.startswith(b'{"seq":1,')
    assert process.returncode == 141
    assert errors == b""
    last = json.loads(record.read_bytes().splitlines()[-1])
    assert last["event"] == "stop"
    assert last["code"] == 1001
