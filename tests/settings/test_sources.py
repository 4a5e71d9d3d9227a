"""Where settings come from: file discovery and the order of the sources."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from settings import CONFIG_ENV, SettingsError, find_config, load_settings, trust
from settings.store import read_for_trust
from tests.settings.helpers import WriteConfig, problems_of

FILE = """
[feed]
max_events = 5000
timestamps = "utc"

[theme]
name = "from-file"
"""


def test_env_overrides_one_nested_value_and_keeps_its_siblings(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSDECK_FEED__MAX_EVENTS", "50000")
    settings = load_settings(write_config(FILE))
    assert settings.feed.max_events == 50000
    assert settings.feed.timestamps == "utc"
    assert settings.theme.name == "from-file"


def test_dotenv_overrides_the_file_but_not_the_environment(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(FILE)
    (config.parent / ".env").write_text(
        "WSDECK_THEME__NAME=from-dotenv\n"
        "WSDECK_FEED__MAX_EVENTS=7\n"
        # Not settings fields: kept for ${API_TOKEN} references and discovery, never errors.
        "API_TOKEN=abc\n"
        "WSDECK_CONFIG=elsewhere.toml\n"
    )
    monkeypatch.setenv("WSDECK_FEED__MAX_EVENTS", "9")
    settings = load_settings(config)
    assert settings.theme.name == "from-dotenv"
    assert settings.feed.max_events == 9
    assert settings.feed.timestamps == "utc"


def test_env_file_can_be_chosen_or_disabled(write_config: WriteConfig, tmp_path: Path) -> None:
    env_file = tmp_path / "custom.env"
    env_file.write_text("WSDECK_THEME__NAME=custom\n")
    config = write_config(FILE)
    assert load_settings(config, env_file=env_file).theme.name == "custom"
    assert load_settings(config, env_file=None).theme.name == "from-file"


def test_init_overrides_beat_the_environment(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSDECK_FEED__MAX_EVENTS", "50000")
    monkeypatch.setenv("WSDECK_THEME__NAME", "from-env")
    settings = load_settings(write_config(FILE), overrides={"feed": {"max_events": 12}})
    assert settings.feed.max_events == 12
    assert settings.feed.timestamps == "utc"
    assert settings.theme.name == "from-env"


def test_use_env_false_reads_only_the_file(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSDECK_FEED__MAX_EVENTS", "50000")
    config = write_config(FILE)
    (config.parent / ".env").write_text("WSDECK_THEME__NAME=from-dotenv\n")
    settings = load_settings(config, use_env=False)
    assert (settings.feed.max_events, settings.theme.name) == (5000, "from-file")


def test_connections_from_env_json(monkeypatch: pytest.MonkeyPatch) -> None:
    connections = [{"name": "env", "url": "http://h/x", "headers": {"X-Api-Key": "${KEY}"}}]
    monkeypatch.setenv("WSDECK_CONNECTIONS", json.dumps(connections))
    settings = load_settings()
    assert settings.connections[0].url == "ws://h/x"
    # Header names keep their case although env variable names are case-insensitive.
    assert list(settings.connections[0].headers) == ["X-Api-Key"]


@pytest.mark.parametrize(
    ("variable", "value", "path", "message"),
    [
        ("WSDECK_CONNECTIONS", "[{", "connections", "$WSDECK_CONNECTIONS from the environment"),
        ("WSDECK_FEED__MAX_EVENTS", "0", "feed.max_events", "greater than or equal to 1"),
        ("WSDECK_FEED__MAX_EVENTS", "lots", "feed.max_events", "valid integer"),
        ("WSDECK_FEED__TIMESTAMP", "utc", "feed.timestamp", "did you mean 'timestamps'?"),
    ],
)
def test_bad_env_values_are_problems(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, path: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    problems = problems_of(None)
    assert [problem.path for problem in problems] == [path]
    assert message in problems[0].message


def test_env_values_get_no_file_line(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config("[feed]\nmax_events = 0\n\n[theme]\nname = ''\n")
    monkeypatch.setenv("WSDECK_FEED__MAX_EVENTS", "-5")
    problems = problems_of(config)
    # The bad max_events came from the environment: the file's line 2 would mislead.
    assert [(problem.path, problem.line) for problem in problems] == [
        ("feed.max_events", None),
        ("theme.name", 5),
    ]


def test_unreadable_dotenv_is_a_problem() -> None:
    folder = find_config()[0].parent  # the user config dir: its .env is the user's own
    folder.mkdir(parents=True)
    (folder / ".env").write_bytes(b"WSDECK_THEME__NAME=caf\xe9\n")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert ".env" in str(caught.value)


def test_wsdeck_config_variable_is_not_a_field(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(write_config(FILE)))
    assert load_settings().theme.name == "from-file"


# Each row: which of --config, $WSDECK_CONFIG and ./wsdeck.toml exist, and which one wins.
DISCOVERY = [
    (True, True, True, "--config"),
    (False, True, True, "$WSDECK_CONFIG"),
    (False, False, True, "./wsdeck.toml"),
    (False, False, False, "user config dir"),
]


@pytest.mark.parametrize(("explicit", "env", "local", "how"), DISCOVERY)
def test_discovery_order(
    tmp_path: Path,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    explicit: bool,
    env: bool,
    local: bool,
    how: str,
) -> None:
    candidates = {
        "--config": tmp_path / "explicit.toml",
        "$WSDECK_CONFIG": tmp_path / "from-env.toml",
        "./wsdeck.toml": isolated_env / "wsdeck.toml",
        "user config dir": Path(os.environ["XDG_CONFIG_HOME"]) / "wsdeck" / "wsdeck.toml",
    }
    for name, path in candidates.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'[theme]\nname = "{name}"\n')
    if env:
        monkeypatch.setenv(CONFIG_ENV, str(candidates["$WSDECK_CONFIG"]))
    if not local:
        candidates["./wsdeck.toml"].unlink()
    given = candidates["--config"] if explicit else None
    if how == "./wsdeck.toml":
        trust.record(read_for_trust(candidates[how]))

    assert find_config(given) == (candidates[how], how)
    assert load_settings(given).theme.name == how


def test_user_config_dir_is_returned_even_when_missing(tmp_path: Path) -> None:
    path, how = find_config()
    assert how == "user config dir"
    assert path == tmp_path / "home" / ".config" / "wsdeck" / "wsdeck.toml"
    assert not path.exists()
    assert load_settings().connections == []


def test_local_folder_only_counts_when_it_is_a_file(isolated_env: Path) -> None:
    (isolated_env / "wsdeck.toml").mkdir()
    assert find_config()[1] == "user config dir"


@pytest.mark.parametrize("how", ["--config", "$WSDECK_CONFIG", "require_file"])
def test_missing_file_is_an_error_only_when_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    missing = tmp_path / "missing.toml"
    assert load_settings().connections == []  # the user config file is missing: defaults
    given = missing if how == "--config" else None
    if how == "$WSDECK_CONFIG":
        monkeypatch.setenv(CONFIG_ENV, str(missing))
    with pytest.raises(SettingsError) as caught:
        load_settings(given, require_file=how == "require_file")
    assert caught.value.problems[0].path == ""
    assert caught.value.problems[0].message.startswith("file not found: ")


def test_a_folder_as_the_settings_file_is_a_problem(tmp_path: Path) -> None:
    problems = problems_of(tmp_path)
    assert problems[0].message.startswith(f"cannot read {tmp_path}")
