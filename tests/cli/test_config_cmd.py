"""``wsdeck config check|path``, ``--version`` and ``--help`` as subprocesses."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import wsdeck
from tui import __version__

VALID = """\
# operators' endpoints
[[connections]]
name = "echo"
url = "ws://127.0.0.1:8765/echo"
headers = { Authorization = "Bearer hunter2-very-secret" }

[[connections]]
name = "ticker"
url = "http://127.0.0.1/ticker"
port = 8765
"""

INVALID = """\
[[connections]]
name = "echo"
url = "ftp://127.0.0.1/echo"
headers = { Authorization = "Bearer hunter2-very-secret" }

[[connections]]
name = "echo"
url = "ws://127.0.0.1:8765/"
port = 70000
"""


def test_check_valid_file(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(VALID)
    result = wsdeck("config", "check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"ok: {config} (--config): 2 connections (echo, ticker)")
    assert "hunter2" not in result.stdout + result.stderr


def test_check_invalid_file_lists_field_paths(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(INVALID)
    result = wsdeck("config", "check", "--config", str(config))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "connections[0].url" in result.stderr
    assert "ftp" in result.stderr
    assert "connections[1].name" in result.stderr
    assert "connections[1].port" in result.stderr
    assert "hunter2" not in result.stderr


def test_check_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "a"\nurl = \n')
    result = wsdeck("config", "check", "--config", str(config))
    assert result.returncode == 2
    assert "line 3" in result.stderr


def test_check_env_var_config_and_path(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text(VALID)
    env = {"WSDECK_CONFIG": str(config)}
    result = wsdeck("config", "path", env=env)
    assert result.returncode == 0
    assert result.stdout.strip() == str(config)
    assert "$WSDECK_CONFIG" in result.stderr
    assert wsdeck("config", "check", env=env).returncode == 0


def test_version_and_help() -> None:
    version = wsdeck("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"wsdeck {__version__}"
    for args in (
        ["--help"],
        ["tail", "--help"],
        ["config", "check", "--help"],
        ["demo-server", "--help"],
        ["demo", "--help"],
    ):
        result = wsdeck(*args)
        assert result.returncode == 0, args
        assert "usage: wsdeck" in result.stdout, args


def test_bad_option_is_a_usage_error() -> None:
    result = wsdeck("tail", "x", "--count", "0")
    assert result.returncode == 2
    assert "must be at least 1" in result.stderr
