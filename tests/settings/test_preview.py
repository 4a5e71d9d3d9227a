"""The first frame's list of connection names: exactly what validation will list, or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import CONFIG_ENV, load_settings, trust
from settings.preview import connection_names
from settings.store import read_for_trust
from tests.settings.helpers import WriteConfig

THREE = """\
[feed]
max_events = 1000

[[connections]]
name = "b-second"
url = "ws://127.0.0.1:9/"

[[connections]]
name = "a-first"
url = "ws://127.0.0.1:9/x"
auto_start = true

[[connections]]
name = "zé ünïcode"
url = "ws://127.0.0.1:9/y"
"""


def test_the_names_are_those_validation_lists_in_its_order(write_config: WriteConfig) -> None:
    config = write_config(THREE)
    names = connection_names(config)
    assert names == [c.name for c in load_settings(config).connections]
    assert names == ["b-second", "a-first", "zé ünïcode"]


def test_the_file_is_found_as_the_load_finds_it(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(write_config(THREE)))
    assert connection_names() == ["b-second", "a-first", "zé ünïcode"]


def test_no_file_lists_no_connections(tmp_path: Path) -> None:
    assert connection_names(tmp_path / "absent.toml") == []
    assert connection_names() == []  # the user config dir's file does not exist either


@pytest.mark.parametrize(
    "variable", ["WSDECK_CONNECTIONS", "wsdeck_connections", "WSDECK_CONNECTIONS__0__NAME"]
)
def test_no_preview_when_the_environment_may_change_the_connections(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    config = write_config(THREE)
    monkeypatch.setenv(variable, '[{"name": "env", "url": "ws://127.0.0.1:9/"}]')
    assert connection_names(config) is None
    monkeypatch.delenv(variable)
    monkeypatch.setenv("WSDECK_FEED__MAX_EVENTS", "10")  # other settings: the list holds
    assert connection_names(config) == ["b-second", "a-first", "zé ünïcode"]


def test_no_preview_when_the_dotenv_may_change_the_connections(write_config: WriteConfig) -> None:
    config = write_config(THREE)
    dotenv = config.parent / ".env"
    dotenv.write_text("TOKEN=abc\n")
    assert connection_names(config) == ["b-second", "a-first", "zé ünïcode"]
    dotenv.write_text('TOKEN=abc\nexport Wsdeck_Connections=\'[{"name": "x"}]\'\n')
    assert connection_names(config) is None


@pytest.mark.parametrize(
    "content",
    [
        b"[[connections]\nname = 'a'\n",  # not TOML
        b"\xff\xfe[[connections]]\n",  # not UTF-8
        b"connections = 'a'\n",  # not a list
        b"[[connections]]\nurl = 'ws://h/'\n",  # no name
        b"[[connections]]\nname = 5\n",
        b"connections = ['a']\n",
    ],
)
def test_no_preview_of_a_file_validation_refuses(write_config: WriteConfig, content: bytes) -> None:
    assert connection_names(write_config(content)) is None


def test_no_preview_of_a_folder(tmp_path: Path) -> None:
    assert connection_names(tmp_path) is None


def test_a_working_directory_file_is_previewed_only_once_trusted(isolated_env: Path) -> None:
    local = isolated_env / "wsdeck.toml"
    local.write_text(THREE)
    assert connection_names() is None  # the load refuses it: nothing from it is shown
    trust.record(read_for_trust(local))
    assert connection_names() == ["b-second", "a-first", "zé ünïcode"]
    dotenv = isolated_env / ".env"
    dotenv.write_text("TOKEN=abc\n")  # an untrusted .env beside it: the load refuses
    assert connection_names() is None
    trust.record(read_for_trust(local))
    assert connection_names() == ["b-second", "a-first", "zé ünïcode"]
    local.write_text(THREE.replace("a-first", "changed"))
    assert connection_names() is None
