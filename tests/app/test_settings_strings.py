"""Strings from the settings (names, URLs, saved message names, theme) are shown as text:
never read as markup (an OSC 8 link, a style) and never a MarkupError, on every screen."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Select

from tests.app.conftest import conn, screen_text, type_text, wait_until
from tests.close_server import CloseRecordingServer, close_recording_server
from tests.terminal import CTRL_Q, wsdeck_on_a_terminal
from tui.screens.confirm import ConfirmScreen
from tui.screens.filter import FilterScreen
from tui.screens.settings_screen import SettingsScreen
from tui.screens.stop import StopScreen

SIZE = (160, 40)
LINK = '[link="http://evil.example/"]click-me[/link]'
BOLD = "[b]bold[/b]"
BROKEN = "[/oops]"  # malformed: parsing it as markup raises MarkupError
SAVED = {"[red]boom[/red]": "x", "[/x]": "y"}


@pytest.fixture
async def server() -> AsyncIterator[CloseRecordingServer]:
    async with close_recording_server() as running:
        yield running


def hostile(server: CloseRecordingServer) -> list[Any]:
    return [
        conn(LINK, server.url + "[b]path[/b]", auto_start=True, saved_messages=SAVED),
        conn(BOLD, server.url, auto_start=True),
        conn(BROKEN, server.url, auto_start=True),
    ]


def shows_literally(app: Any, *strings: str) -> None:
    text = screen_text(app)
    for string in strings:
        assert string in text, f"{string!r} not shown as written"


async def all_open(app: Any, pilot: Any) -> None:
    await wait_until(pilot, lambda: len([e for e in app.ring if e.EVENT == "start"]) == 3)


async def test_the_main_screen_and_palette_show_names_and_urls_as_text(
    server: CloseRecordingServer, make_app: Any
) -> None:
    app = make_app(*hostile(server))
    async with app.run_test(size=SIZE) as pilot:
        await all_open(app, pilot)
        await pilot.pause(0.6)  # a state refresh
        # The table cuts names at 24 characters: what is shown is the text as written.
        shows_literally(app, LINK[:23], BOLD, BROKEN, "[b]path[/b]")
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await type_text(pilot, "connection: stop")
        await pilot.pause(0.5)
        shows_literally(app, f"connection: stop {LINK}", f"connection: stop {BROKEN}")


async def test_saved_message_names_are_text(server: CloseRecordingServer, make_app: Any) -> None:
    app = make_app(*hostile(server))
    async with app.run_test(size=SIZE) as pilot:
        await all_open(app, pilot)
        saved = app.main.query_one("#composer-saved", Select)
        saved.expanded = True
        await pilot.pause()
        shows_literally(app, *SAVED)


async def test_dialogs_show_names_as_text(server: CloseRecordingServer, make_app: Any) -> None:
    app = make_app(*hostile(server))
    async with app.run_test(size=SIZE) as pilot:
        await all_open(app, pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen))
        shows_literally(app, LINK[:29], BOLD, BROKEN)  # names cut at 30 characters
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        await pilot.press("C")
        await wait_until(pilot, lambda: isinstance(app.screen, StopScreen))
        shows_literally(app, f"Stop {LINK[:39]}")  # names cut at 40 characters
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        await pilot.press("X")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        shows_literally(app, f"Stop 3 connections: {LINK},", BOLD, f"{BROKEN}?")  # wrapped
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is app.main)
        await pilot.press("comma")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.pause()
        shows_literally(app, LINK, BOLD, BROKEN)


@pytest.mark.parametrize("name", [LINK, BROKEN])
async def test_an_unknown_theme_name_is_shown_as_text(make_app: Any, name: str) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"), theme={"name": name})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: bool(list(app._notifications)))
        await pilot.pause()
        (notice,) = app._notifications
        assert notice.message == f"unknown theme {name!r}; using textual-dark"
        assert not notice.markup
        shows_literally(app, repr(name))  # in the toast, as written


def test_on_a_real_terminal_no_hyperlink_and_no_crash(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(
        "[theme]\n"
        f"name = {json.dumps(LINK)}\n"
        "[[connections]]\n"
        f"name = {json.dumps(LINK)}\n"
        'url = "ws://127.0.0.1:9/"\n'
        "saved_messages = { '[/x]' = 'y' }\n"
        "[[connections]]\n"
        f"name = {json.dumps(BROKEN)}\n"
        'url = "ws://127.0.0.1:9/[b]p[/b]"\n'
    )
    terminal = wsdeck_on_a_terminal("--config", str(config), cwd=tmp_path)
    try:
        terminal.until(lambda: b"[/oops]" in terminal.output, 30, "the table")
        terminal.until(lambda: b"unknown theme" in terminal.output, 10, "the theme notice")
        terminal.send(b"f")  # the filter dialog lists the names
        terminal.until(lambda: b"[link=" in terminal.output.rsplit(b"Show events", 1)[-1], 10, "f")
        terminal.send(b"\x1b")
        terminal.send(CTRL_Q)
        terminal.until(lambda: terminal.process.poll() is not None, 15, "exit")
    finally:
        terminal.close()
    assert terminal.process.returncode == 0, bytes(terminal.output[-3000:])
    assert b"\x1b]8;" not in terminal.output  # never an OSC 8 hyperlink
    assert b"click-me[/link]" in terminal.output
    assert b"MarkupError" not in terminal.output
