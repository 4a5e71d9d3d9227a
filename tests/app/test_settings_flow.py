"""The settings editor opened from the dashboard: its result reaches the hub and the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input

from settings import load_settings
from tests.app.conftest import events_of, type_text, wait_until
from tui.app import WsdeckApp
from tui.demo_server import DemoServer
from tui.screens.confirm import ConfirmScreen
from tui.screens.connection_form import ConnectionForm
from tui.screens.settings_screen import SettingsScreen
from tui.widgets.connection_table import ConnectionTable

SIZE = (120, 40)


def write_config(path: Path, url: str) -> None:
    path.write_text(
        "# wsdeck settings for the ops team\n"
        "[[connections]]\n"
        'name = "echo"  # the echo service\n'
        f'url = "{url}"\n'
        'proxy = "none"\n'
    )


async def test_add_connection_from_the_dashboard(demo: DemoServer, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    write_config(config, demo.endpoint("/echo"))
    app = WsdeckApp(load_settings(config, env_file=None), config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ConnectionForm)
        form.query_one("#field-name", Input).focus()
        await type_text(pilot, "second")
        form.query_one("#field-url", Input).value = demo.endpoint("/echo")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")  # back to the dashboard with the result
        await wait_until(pilot, lambda: "second" in app.hub.clients)
        table = app.main.query_one(ConnectionTable)
        assert "second" in table.names
        await pilot.press("j")  # the new row can be selected and started at once
        await wait_until(pilot, lambda: table.selected == "second")
        await pilot.press("s")
        await wait_until(pilot, lambda: bool(events_of(app, "start", "second")))
    text = config.read_text()
    assert "# wsdeck settings for the ops team" in text
    assert "# the echo service" in text
    assert 'name = "second"' in text


async def test_invalid_url_is_refused_with_the_field_message(
    demo: DemoServer, tmp_path: Path
) -> None:
    config = tmp_path / "wsdeck.toml"
    write_config(config, demo.endpoint("/echo"))
    before = config.read_text()
    app = WsdeckApp(load_settings(config, env_file=None), config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("comma", "a")
        await pilot.pause()
        form = app.screen
        form.query_one("#field-name", Input).value = "bad"
        form.query_one("#field-url", Input).value = "ftp://127.0.0.1/x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # still open
        assert "ws or wss" in str(form.query_one("#error-url").render())
    assert config.read_text() == before


def app_for(demo: DemoServer, tmp_path: Path) -> WsdeckApp:
    """The App over a settings file with one connection, ``echo``."""
    config = tmp_path / "wsdeck.toml"
    write_config(config, demo.endpoint("/echo"))
    return WsdeckApp(load_settings(config, env_file=None), config_path=config)


async def edit_open_echo(app: WsdeckApp, pilot: Any, field: str, value: str) -> None:
    """Start ``echo``, set one field in its form, save, answer Restart, leave the editor."""
    await pilot.press("s")
    await wait_until(pilot, lambda: bool(events_of(app, "start", "echo")))
    await pilot.press("comma", "e")
    await pilot.pause()
    app.screen.query_one(f"#field-{field}", Input).value = value
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.press("y")
    await pilot.pause()
    await pilot.press("escape")


async def test_editing_an_open_connection_offers_a_restart(
    demo: DemoServer, tmp_path: Path
) -> None:
    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await edit_open_echo(app, pilot, "url", demo.endpoint("/ticker?rate=50"))
        await wait_until(pilot, lambda: len(events_of(app, "start", "echo")) == 2)
        second = events_of(app, "start", "echo")[1]
        assert second.url.endswith("/ticker?rate=50")
        assert events_of(app, "stop", "echo")[0].by == "client"


async def test_renaming_an_open_connection_and_restarting_keeps_it_open(
    demo: DemoServer, tmp_path: Path
) -> None:
    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await edit_open_echo(app, pilot, "name", "echo2")
        await wait_until(pilot, lambda: bool(events_of(app, "start", "echo2")))
        assert "echo" not in app.hub.clients
        assert events_of(app, "stop", "echo")[0].by == "client"


async def test_a_world_writable_settings_file_is_warned_about(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "a"\nurl = "ws://127.0.0.1:9/"\n')
    config.chmod(0o666)
    app = WsdeckApp(load_settings(config, env_file=None), config_path=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app._notifications))
        messages = [str(note.message) for note in app._notifications]
    assert any(f"the settings file {config} is world-writable" in m for m in messages), messages
