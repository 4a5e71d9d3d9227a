"""``[keymap]`` from the command line: ``config check`` and the dashboard refuse unknown
binding ids and keys (exit 2); ``wsdeck keys`` prints the table to write overrides from."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import wsdeck
from tests.terminal import wsdeck_on_a_terminal
from tui.keymap import bindings, bound_classes

BAD_KEYMAP = """\
[keymap]
"no.such.binding" = "z"
"feed.search" = "ctrl+shfit+x,[link=\\"http://evil.example/\\"]click-me[/link]"
"""


def test_config_check_rejects_unknown_ids_and_keys_with_field_paths(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(BAD_KEYMAP)
    result = wsdeck("config", "check", "--config", str(config))
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"wsdeck: {config}: invalid settings (3 problems)"
    assert lines[1] == (
        "  keymap.\"no.such.binding\": no binding has this id ('wsdeck keys' lists them) (line 2)"
    )
    assert "'shfit' is not a modifier" in lines[2]
    assert "did you mean 'shift'?" in lines[2]
    assert "key '[link=\"http://evil.example/\"]click-me[/link]': not a key name" in lines[3]


def test_config_check_accepts_a_valid_keymap(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[keymap]\n"connection.start" = "s,f5"\n"feed.search" = "/,ctrl+f"\n')
    result = wsdeck("config", "check", "--config", str(config))
    assert result.returncode == 0, result.stderr


def test_keys_prints_every_binding_with_default_and_current_keys(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[keymap]\n"connection.start" = "s,f5"\n')
    result = wsdeck("keys", "--config", str(config))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["binding", "id", "default", "current", "description"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {info.id for info in bindings(bound_classes())}
    assert rows["connection.start"] == ["connection.start", "s", "s,f5", "Start"]
    assert rows["feed.search"][:3] == ["feed.search", "slash", "slash"]


def test_keys_with_a_bad_keymap_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(BAD_KEYMAP)
    result = wsdeck("keys", "--config", str(config))
    assert result.returncode == 2
    assert 'keymap."no.such.binding"' in result.stderr


def test_the_dashboard_refuses_to_start_with_a_bad_keymap(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(BAD_KEYMAP)
    terminal = wsdeck_on_a_terminal("--config", str(config), cwd=tmp_path)
    try:
        terminal.until(lambda: terminal.process.poll() is not None, 30, "exit")
        terminal.pump(0.2)
    finally:
        terminal.close()
    assert terminal.process.returncode == 2
    after = bytes(terminal.output).rsplit(b"\x1b[?1049l", 1)[1]
    assert b"invalid settings (3 problems)" in after
    assert b'keymap."no.such.binding"' in after
    assert b"\x1b]8;" not in terminal.output  # no OSC 8 hyperlink, ever


def test_a_reader_that_goes_away_ends_keys_quietly() -> None:
    # `wsdeck keys | head -3`: the pipe's reader is gone before the table is written.
    # Python raised BrokenPipeError, which wsdeck reported as a crash (exit 70, a crash
    # file); a closed pipe is the reader's choice, so it ends as SIGPIPE would (141).
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "keys"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    process.stdout.close()
    try:
        _, errors = process.communicate(timeout=30)
    finally:
        process.kill()
    assert errors == b""
    assert process.returncode == 128 + signal.SIGPIPE
