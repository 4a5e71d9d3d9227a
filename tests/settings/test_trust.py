"""The trust model: a working-directory wsdeck.toml and .env are read only once trusted."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from settings import CONFIG_ENV, SettingsError, load_settings, save_settings, trust
from settings.store import load, read_for_trust
from tests.settings.helpers import WriteConfig

# The attack of issue 17: auto-started, with the operator's secrets in a header.
HOSTILE = """\
[[connections]]
name = "telemetry"
url = "ws://127.0.0.1:9/"
auto_start = true
headers = { X-Telemetry = "${AWS_SECRET_ACCESS_KEY}" }
"""


def _refusal(path: Path | None = None) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert len(caught.value.problems) == 1
    return caught.value.problems[0].message


def test_an_untrusted_working_directory_file_is_refused(isolated_env: Path) -> None:
    local = isolated_env / "wsdeck.toml"
    local.write_text(HOSTILE)
    message = _refusal()
    assert "is not trusted" in message
    assert f"wsdeck trust {local}" in message


def test_a_trusted_file_loads_until_it_changes(isolated_env: Path) -> None:
    local = isolated_env / "wsdeck.toml"
    local.write_text(HOSTILE)
    trust.record(read_for_trust(local))
    assert load_settings().connections[0].name == "telemetry"

    local.write_text(HOSTILE.replace("telemetry", "telemetry2"))
    assert "changed since you trusted it" in _refusal()


def test_trust_record_is_private_and_in_the_user_data_dir(isolated_env: Path) -> None:
    local = isolated_env / "wsdeck.toml"
    local.write_text(HOSTILE)
    trust.record(read_for_trust(local))
    store = trust.store_path()
    assert store == Path(os.environ["XDG_DATA_HOME"]) / "wsdeck" / "trusted.json"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert str(local.resolve()) in store.read_text()


def test_a_working_directory_dotenv_needs_trust_too(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = isolated_env / "wsdeck.toml"
    local.write_text("")
    trust.record(read_for_trust(local))
    # Added after the trust: it could replace every connection.
    dotenv = isolated_env / ".env"
    dotenv.write_text('WSDECK_CONNECTIONS=[{"name": "x", "url": "ws://evil/"}]\n')
    assert f"{dotenv} is not trusted" in _refusal()
    trust.record(read_for_trust(local))
    assert load_settings().connections[0].name == "x"


@pytest.mark.parametrize("how", ["--config", "$WSDECK_CONFIG"])
def test_an_explicit_file_is_trusted_and_the_working_directory_dotenv_is_ignored(
    write_config: WriteConfig, isolated_env: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    config = write_config(HOSTILE)
    (isolated_env / ".env").write_text('WSDECK_CONNECTIONS=[{"name": "x", "url": "ws://evil/"}]\n')
    (isolated_env / "wsdeck.toml").write_text("")  # untrusted, and not the file in use
    if how == "$WSDECK_CONFIG":
        monkeypatch.setenv(CONFIG_ENV, str(config))
    settings = load_settings(config if how == "--config" else None)
    assert [c.name for c in settings.connections] == ["telemetry"]
    # The .env beside the chosen file is part of that choice.
    (config.parent / ".env").write_text("WSDECK_THEME__NAME=nord\n")
    assert load_settings(config if how == "--config" else None).theme.name == "nord"


def test_sources_report_names_every_contribution(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(HOSTILE + '\n[feed]\nmax_events = 10\n[keymap]\n"feed.search" = "/"\n')
    (config.parent / ".env").write_text("WSDECK_THEME__NAME=nord\nAPI_TOKEN=x\n")
    monkeypatch.setenv("WSDECK_FEED__TIMESTAMPS", "utc")
    monkeypatch.setenv("UNRELATED", "1")
    loaded = load(config, overrides={"recording": {"path": "/tmp/r.jsonl"}})
    report = {source.name: source.keys for source in loaded.sources}
    assert report == {
        f"file {config}": ("connections (1 entry)", "feed.max_events", "keymap"),
        f".env {config.parent / '.env'}": (
            "WSDECK_THEME__NAME (theme.name)",
            "for ${...} references: API_TOKEN",
        ),
        "environment": ("WSDECK_FEED__TIMESTAMPS (feed.timestamps)",),
        "command line": ("recording.path",),
    }


def test_a_utf8_bom_is_accepted(write_config: WriteConfig) -> None:
    config = write_config('\ufeff[theme]\nname = "nord"\n'.encode())
    assert load_settings(config).theme.name == "nord"


def test_a_fifo_as_the_settings_file_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "settings.fifo"
    os.mkfifo(fifo)
    assert _refusal(fifo) == f"cannot read {fifo}: not a regular file"


def test_a_path_with_nul_is_a_problem() -> None:
    message = _refusal(Path("bad\0name.toml"))
    assert "NUL" in message


def test_world_writable_file_and_folder_are_warned_about(
    tmp_path: Path, write_config: WriteConfig
) -> None:
    config = write_config("")
    config.chmod(0o666)
    config.parent.chmod(0o777)
    warnings = load_settings(config).load_warnings
    assert len(warnings) == 2
    assert all("world-writable" in warning for warning in warnings)
    config.chmod(0o600)
    config.parent.chmod(0o1777)  # sticky, like /tmp: others cannot replace the file
    assert load_settings(config).load_warnings == []


def test_saving_keeps_a_trusted_file_trusted_but_never_blesses_a_change(
    isolated_env: Path,
) -> None:
    local = isolated_env / "wsdeck.toml"
    local.write_text('[theme]\nname = "nord"\n')
    trust.record(read_for_trust(local))
    settings = load_settings(local, use_env=False)
    settings.theme.name = "textual-light"
    save_settings(local, settings)
    assert load_settings().theme.name == "textual-light"  # still trusted

    local.write_text(HOSTILE)  # someone else's change
    edited = load_settings(local, use_env=False)
    save_settings(local, edited)
    assert "changed since you trusted it" in _refusal()
