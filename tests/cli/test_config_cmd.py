"""``wsdeck config check|path``, ``--version`` and ``--help`` as subprocesses."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    ("scheme", "fields"),
    [
        ("wss", ("headers.Authorization", "tls.key_password")),
        # A ws:// connection starts without the client key's password: not a word on it.
        ("ws", ("headers.Authorization",)),
    ],
)
def test_check_names_variables_that_are_not_set(
    tmp_path: Path, scheme: str, fields: tuple[str, ...]
) -> None:
    # A `${VAR}` that is not set makes the connection fail at every start (a `config`
    # error); `config check` said "ok" without a word about it.
    config = tmp_path / "wsdeck.toml"
    config.write_text(
        f'[[connections]]\nname = "api"\nurl = "{scheme}://127.0.0.1:8765/"\n'
        'headers = { Authorization = "Bearer ${WSDECK_TEST_UNSET}",'
        ' X-Set = "${WSDECK_TEST_SET}" }\n'
        'tls = { key_password = "${WSDECK_TEST_UNSET}" }\n'
    )
    (tmp_path / ".env").write_text("WSDECK_TEST_SET=from-the-dotenv-file\n")
    result = wsdeck("config", "check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"ok: {config}")
    assert result.stderr.splitlines() == [
        f"wsdeck: warning: api: {field}: environment variable WSDECK_TEST_UNSET is not set (in "
        "the environment or the .env beside the settings file): the connection fails to "
        "start until it is"
        for field in fields
    ]


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
        ["trust", "--help"],
    ):
        result = wsdeck(*args)
        assert result.returncode == 0, args
        assert "usage: wsdeck" in result.stdout, args


def test_bad_option_is_a_usage_error() -> None:
    result = wsdeck("tail", "x", "--count", "0")
    assert result.returncode == 2
    assert "must be at least 1" in result.stderr


def test_a_word_for_a_number_says_what_was_expected() -> None:
    # argparse named the converting function: "invalid _positive_float value: 'abc'".
    for args, expected in (
        (("tail", "x", "--timeout", "abc"), "--timeout: must be a positive number of seconds"),
        (("tail", "x", "--count", "ten"), "--count: must be a whole number, at least 1"),
        (("demo-server", "--port", "http"), "--port: must be a port number, 0..65535"),
    ):
        result = wsdeck(*args)
        assert result.returncode == 2
        assert result.stderr.splitlines()[-1].endswith(f"{expected}, got {args[-1]!r}")
        assert "_positive" not in result.stderr
        assert "_port" not in result.stderr


def test_an_untrusted_working_directory_file_stops_every_command(isolated_env: Path) -> None:
    (isolated_env / "wsdeck.toml").write_text(VALID)
    for args in (["config", "check"], ["config", "path"], ["tail", "echo", "--timeout", "5"]):
        result = wsdeck(*args, cwd=isolated_env)
        assert result.returncode == 2, (args, result.stderr)
        assert "is not trusted" in result.stderr, args
        assert "wsdeck trust" in result.stderr, args


def test_trust_then_check_lists_every_source(isolated_env: Path) -> None:
    (isolated_env / "wsdeck.toml").write_text(VALID)
    (isolated_env / ".env").write_text("WSDECK_FEED__MAX_EVENTS=50\nAPI_TOKEN=t\n")
    trusted = wsdeck("trust", cwd=isolated_env)
    assert trusted.returncode == 0, trusted.stderr
    assert f"trusted {isolated_env / 'wsdeck.toml'} as it is now" in trusted.stdout
    assert f"trusted {isolated_env / '.env'} as it is now" in trusted.stdout

    result = wsdeck("config", "check", cwd=isolated_env, env={"WSDECK_THEME__NAME": "nord"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"ok: {isolated_env / 'wsdeck.toml'} (./wsdeck.toml)")
    assert lines[1:] == [
        "sources (highest priority first):",
        "  environment: WSDECK_THEME__NAME (theme.name)",
        f"  .env {isolated_env / '.env'}: WSDECK_FEED__MAX_EVENTS (feed.max_events), "
        "for ${...} references: API_TOKEN",
        f"  file {isolated_env / 'wsdeck.toml'}: connections (2 entries)",
    ]
    where = wsdeck("config", "path", cwd=isolated_env)
    assert where.returncode == 0
    assert "  .env " in where.stderr


def test_trust_of_a_missing_file_is_a_usage_error(isolated_env: Path) -> None:
    result = wsdeck("trust", cwd=isolated_env)
    assert result.returncode == 2
    assert "file not found" in result.stderr
