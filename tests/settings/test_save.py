"""Saving: comment-preserving updates, atomic writes, file modes and refusals."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from settings import (
    Connection,
    SettingsSaveError,
    WsdeckSettings,
    load_document,
    save_settings,
)
from tests.settings.helpers import WriteConfig, load_file

COMMENTED = """\
# wsdeck settings for the test bench

[feed]
# keep the ring small on the bench PC
max_events = 5000  # events
timestamps = "utc"

# the local echo server
[[connections]]
name = "echo"
url = "ws://127.0.0.1:8765/echo"  # started by `wsdeck demo-server`
headers = { Authorization = "Bearer ${API_TOKEN}" }

[connections.reconnect]
enabled = true  # the server restarts a lot

# production feed, read-only
[[connections]]
name = "prod"
url = "https://feed.example.com/live"
tls = { ca_file = "~/certs/ca.pem" }
"""


def _edit_and_add(settings: WsdeckSettings) -> None:
    echo = settings.connections[0]
    settings.connections[0] = echo.model_copy(update={"url": "ws://127.0.0.1:9999/echo"})
    settings.connections.append(
        Connection(
            name="new",
            url="wss://new.example/ws",
            auto_start=True,
            headers={"X-Key": "${NEW_KEY}"},
            on_start_send=["hello", {"hex": "00 ff"}],
            reconnect={"enabled": True},
        )
    )


def test_round_trip_keeps_comments(write_config: WriteConfig) -> None:
    path = write_config(COMMENTED)
    settings = load_file(path)
    _edit_and_add(settings)

    save_settings(path, settings)

    text = path.read_text()
    before, after = COMMENTED.splitlines(), text.splitlines()
    changed = [line for line in before if line not in after]
    assert changed == [
        'url = "ws://127.0.0.1:8765/echo"  # started by `wsdeck demo-server`',
    ]
    assert 'url = "ws://127.0.0.1:9999/echo"  # started by `wsdeck demo-server`' in after
    assert "# keep the ring small on the bench PC\nmax_events = 5000  # events\n" in text
    assert "# the local echo server\n[[connections]]\n" in text
    assert "# production feed, read-only\n[[connections]]\n" in text
    assert "enabled = true  # the server restarts a lot\n" in text
    # Untouched values keep their original spelling, not the normalised form.
    assert 'url = "https://feed.example.com/live"' in after
    assert 'tls = { ca_file = "~/certs/ca.pem" }' in after
    assert load_file(path) == settings


def test_new_connection_is_written_without_defaults(write_config: WriteConfig) -> None:
    path = write_config(COMMENTED)
    settings = load_file(path)
    _edit_and_add(settings)
    save_settings(path, settings)

    new_part = path.read_text().split('name = "new"')[1]
    assert 'url = "wss://new.example/ws"' in new_part
    assert "auto_start = true" in new_part
    assert 'X-Key = "${NEW_KEY}"' in new_part  # the raw, unexpanded header value
    assert 'on_start_send = ["hello", {hex = "00 ff"}]' in new_part
    for default in ("ping_interval", "compression", "proxy", "max_delay", "verify", "port"):
        assert default not in new_part


def test_document_is_reused_and_updated(write_config: WriteConfig) -> None:
    path = write_config(COMMENTED)
    document = load_document(path)
    settings = load_file(path)
    settings.feed.max_events = 20

    save_settings(path, settings, document=document)

    assert "max_events = 20  # events" in path.read_text()
    assert document.as_string() == path.read_text()


def test_remove_and_rename_connections(write_config: WriteConfig) -> None:
    path = write_config(COMMENTED)
    settings = load_file(path)
    settings.connections = [settings.connections[1].model_copy(update={"name": "production"})]

    save_settings(path, settings)

    text = path.read_text()
    assert 'name = "echo"' not in text
    # The renamed connection keeps its own table: the inline comment of echo's url is gone.
    assert "demo-server" not in text
    assert 'name = "production"' in text
    assert text.count("[[connections]]") == 1
    assert load_file(path) == settings


def test_saving_unchanged_settings_changes_nothing(write_config: WriteConfig) -> None:
    path = write_config(COMMENTED)
    save_settings(path, load_file(path))
    assert path.read_text() == COMMENTED


def test_new_file_is_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "wsdeck.toml"
    settings = WsdeckSettings(connections=[Connection(name="a", url="ws://h/")])

    save_settings(path, settings)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_file(path) == settings
    assert path.read_text() == '[[connections]]\nname = "a"\nurl = "ws://h/"\n'


@pytest.mark.parametrize("mode", [0o640, 0o666, 0o644])
def test_saving_tightens_a_lax_mode_to_0600(write_config: WriteConfig, mode: int) -> None:
    path = write_config(COMMENTED)
    path.chmod(mode)
    settings = load_file(path)
    settings.theme.name = "nord"

    save_settings(path, settings)

    # The file holds secrets; group or world access (0666 let anyone redirect them) goes.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_uid == os.getuid()
    assert load_file(path).theme.name == "nord"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can create a file owned by another")
def test_saving_keeps_the_owner(write_config: WriteConfig) -> None:
    path = write_config(COMMENTED)
    os.chown(path, 4242, 4343)
    settings = load_file(path)
    settings.theme.name = "nord"

    save_settings(path, settings)

    assert (path.stat().st_uid, path.stat().st_gid) == (4242, 4343)


def test_symlink_is_written_through(write_config: WriteConfig, tmp_path: Path) -> None:
    target = write_config(COMMENTED)
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    settings = load_file(link)
    settings.theme.name = "nord"

    save_settings(link, settings)

    assert link.is_symlink()
    assert load_file(target).theme.name == "nord"


def test_failed_rename_leaves_the_old_file(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(COMMENTED)
    original = path.read_bytes()
    settings = load_file(path)
    _edit_and_add(settings)

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(SettingsSaveError) as caught:
        save_settings(path, settings)

    assert path.read_bytes() == original
    assert sorted(os.listdir(path.parent)) == ["wsdeck.toml"]
    assert str(path) in str(caught.value)
    assert "No space left on device" in str(caught.value)


def test_invalid_settings_are_refused(write_config: WriteConfig) -> None:
    path = write_config(COMMENTED)
    original = path.read_bytes()
    settings = load_file(path)
    # Models are not re-validated on assignment, so an editor can build invalid settings.
    settings.connections[1].url = "ftp://feed.example.com/"
    settings.connections.append(settings.connections[0].model_copy())

    with pytest.raises(SettingsSaveError) as caught:
        save_settings(path, settings)

    assert [problem.path for problem in caught.value.problems] == [
        "connections[1].url",
        "connections[2].name",
    ]
    assert path.read_bytes() == original
    assert sorted(os.listdir(path.parent)) == ["wsdeck.toml"]


def test_broken_existing_file_is_not_overwritten(write_config: WriteConfig) -> None:
    path = write_config("[feed\nmax_events = 1\n")
    with pytest.raises(SettingsSaveError) as caught:
        save_settings(path, WsdeckSettings())
    assert caught.value.problems[0].line == 1
    assert path.read_text() == "[feed\nmax_events = 1\n"


def test_save_ignores_a_malformed_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saving validates the file's content alone: WSDECK_* variables cannot break it."""
    from settings import load_settings, save_settings

    path = tmp_path / "wsdeck.toml"
    path.write_text('[[connections]]\nname = "a"\nurl = "ws://127.0.0.1:1/"\n')
    settings = load_settings(path, use_env=False)
    monkeypatch.setenv("WSDECK_KEYMAP", "{not json")
    save_settings(
        path,
        settings.model_copy(update={"feed": settings.feed.model_copy(update={"max_events": 7})}),
    )
    assert "max_events = 7" in path.read_text()


HEADED = """\
# top of the file

# about a
[[connections]]
name = "a"
url = "ws://a/"

# about b
[[connections]]
name = "b"
url = "ws://b/"  # b's url

[connections.reconnect]
enabled = true

# about c
[[connections]]
name = "c"
url = "ws://c/"

# the end
"""


@pytest.mark.parametrize("name", ["a", "b", "c"])
def test_deleting_a_connection_takes_its_own_comment_only(
    write_config: WriteConfig, name: str
) -> None:
    # tomlkit keeps a comment above [[connections]] at the end of the table before it.
    path = write_config(HEADED)
    settings = load_file(path)
    settings.connections = [c for c in settings.connections if c.name != name]

    save_settings(path, settings)

    text = path.read_text()
    assert f"about {name}" not in text
    for other in {"a", "b", "c"} - {name}:
        assert f'# about {other}\n[[connections]]\nname = "{other}"' in text
    assert text.startswith("# top of the file\n\n")
    assert text.endswith("\n\n# the end\n")
    assert load_file(path) == settings


def test_a_new_connection_goes_above_the_closing_comment(write_config: WriteConfig) -> None:
    path = write_config(HEADED)
    settings = load_file(path)
    settings.connections.append(Connection(name="d", url="ws://d/"))

    save_settings(path, settings)

    assert path.read_text() == HEADED.replace(
        "\n# the end\n", '\n[[connections]]\nname = "d"\nurl = "ws://d/"\n\n# the end\n'
    )


def test_deleting_the_first_connection_after_a_table(write_config: WriteConfig) -> None:
    path = write_config(COMMENTED)
    settings = load_file(path)
    settings.connections = settings.connections[1:]

    save_settings(path, settings)

    text = path.read_text()
    assert "local echo server" not in text
    assert 'timestamps = "utc"\n\n# production feed, read-only\n[[connections]]\n' in text


def test_a_connection_inserted_between_two_keeps_the_blank_line_above_a_comment(
    write_config: WriteConfig,
) -> None:
    path = write_config(HEADED)
    settings = load_file(path)
    settings.connections.insert(1, Connection(name="a copy", url="ws://a/"))

    save_settings(path, settings)

    expected = (
        '\n\n[[connections]]\nname = "a copy"\nurl = "ws://a/"\n\n# about b\n[[connections]]\n'
    )
    assert expected in path.read_text()
    assert load_file(path) == settings
