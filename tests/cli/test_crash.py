"""Crashes and unreadable settings: exit 70 with a private, redacted crash file, or exit 2.

A crash is injected by running wsdeck through ``python -c`` with one function replaced by
one that raises; the exception's message carries a secret of the settings file.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import wsdeck
from tests.terminal import run_to_exit

TOKEN = "crash-t0ken-5e1c4a"
DEEP = "[theme]\nname = 'x'\n[keymap]\nx = " + "[" * 600 + "]" * 600 + "\n"
SETTINGS = f"""\
[[connections]]
name = "c"
url = "ws://127.0.0.1:9/"
auto_start = true
headers = {{ X-Api-Key = "{TOKEN}" }}
"""


def _inject(target: str, *args: str) -> list[str]:
    """argv for wsdeck ARGS with ``target`` (``module:Class.method``) raising a secret."""
    module, _, attribute = target.partition(":")
    owner, _, name = attribute.rpartition(".")
    code = (
        "import importlib, sys\n"
        f"owner = importlib.import_module({module!r})\n"
        f"owner = getattr(owner, {owner!r}) if {owner!r} else owner\n"
        "def boom(*args, **kwargs):\n"
        f"    raise RuntimeError('injected ' + {TOKEN!r})\n"
        f"setattr(owner, {name!r}, boom)\n"
        "from tui.cli import main\n"
        "raise SystemExit(main(sys.argv[1:]))\n"
    )
    return [sys.executable, "-c", code, *args]


def _crash_file(home: Path) -> str:
    folder = home / ".local" / "state" / "wsdeck" / "crashes"
    (path,) = folder.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "RuntimeError: injected ***" in text
    assert "Traceback (most recent call last)" in text
    return text


def test_a_crash_in_tail_exits_70_with_a_redacted_crash_file(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(SETTINGS)
    argv = _inject("tui.tail:_Printer.write", "tail", "c", "--config", str(config))
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 70, result.stderr
    assert result.stderr.startswith("wsdeck: internal error (RuntimeError); details in ")
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stdout + result.stderr
    assert TOKEN not in _crash_file(tmp_path / "home")


def test_a_crash_in_the_dashboard_exits_70_without_locals(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(SETTINGS)
    argv = _inject("tui.app:WsdeckApp._start", "--config", str(config))
    code, output = run_to_exit(argv, tmp_path)
    assert code == 70, output[-2000:]
    assert b"wsdeck: internal error (RuntimeError); details in " in output
    # Textual's own report: a traceback with local variables (the settings, the token).
    assert b"Traceback" not in output
    assert b"locals" not in output
    assert TOKEN.encode() not in output
    assert TOKEN not in _crash_file(tmp_path / "home")


@pytest.mark.parametrize("command", [["config", "check"], ["tail", "c", "--timeout", "5"]])
def test_settings_nested_too_deeply_are_a_settings_error(
    tmp_path: Path, command: list[str]
) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(SETTINGS + DEEP)
    result = wsdeck(*command, "--config", str(config))
    assert result.returncode == 2, result.stderr
    assert "invalid TOML: nested too deeply to be read" in result.stderr
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr


def test_settings_nested_too_deeply_stop_the_dashboard_with_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(SETTINGS + DEEP)
    code, output = run_to_exit([sys.executable, "-m", "tui", "--config", str(config)], tmp_path)
    assert code == 2, output[-2000:]
    assert b"nested too deeply to be read" in output
    assert b"Traceback" not in output
    assert not (tmp_path / "home" / ".local" / "state" / "wsdeck").exists()
    assert os.environ["XDG_STATE_HOME"].startswith(str(tmp_path))
