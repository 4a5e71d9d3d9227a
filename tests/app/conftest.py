"""Fixtures for dashboard tests: the real App over the real demo server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.pilot import Pilot

from settings import Connection, WsdeckSettings
from tui.app import WsdeckApp
from tui.core.events import Event


def settings_for(*connections: Connection, **sections: Any) -> WsdeckSettings:
    """Settings with these connections and no file, .env or environment influence."""
    return WsdeckSettings(connections=list(connections), _env_file=None, **sections)


def conn(name: str, url: str, **fields: Any) -> Connection:
    fields.setdefault("proxy", "none")
    fields.setdefault("close_timeout", 1.0)
    return Connection(name=name, url=url, **fields)


@pytest.fixture
def make_app() -> Callable[..., WsdeckApp]:
    def build(
        *connections: Connection, config_path: Path | None = None, **sections: Any
    ) -> WsdeckApp:
        return WsdeckApp(settings_for(*connections, **sections), config_path=config_path)

    return build


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 5.0
) -> None:
    """Let the app run until ``predicate()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        # A pause waits until the screen's widgets have handled their messages; those of an
        # App that exits meanwhile never are (Pilot then gives up after 30 s), so the wait on
        # it ends when the App stops running.
        pause = asyncio.ensure_future(pilot.pause(0.02))
        while not pause.done() and pilot.app.is_running and time.monotonic() <= deadline:
            await asyncio.wait({pause}, timeout=0.05)
        if pause.done():
            pause.result()
        else:
            pause.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pause


def events_of(app: WsdeckApp, kind: str, connection: str | None = None) -> list[Any]:
    """The events of one kind in the App's ring (optionally of one connection)."""
    ring = app.ring
    found: list[Event] = []
    for index in range(len(ring)):
        event = ring[index]
        if kind == event.EVENT and (connection is None or event.connection == connection):
            found.append(event)
    return found


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` key by key, as a user would (Pilot maps ``{``, ``:`` … to key names)."""
    await pilot.press(*text)


_KEY_CHARS = {"tab": "\t", "enter": "\r", "space": " ", "escape": "\x1b"}


def burst(app: App[Any], *keys: str) -> None:
    """Hand ``keys`` to the App back to back, as one terminal read delivers them.

    ``pilot.press`` waits for the App to go idle after every key, which hides what happens
    to keys that arrive while an earlier one is still being handled.
    """
    driver = app._driver
    assert driver is not None
    for key in keys:
        char = key if len(key) == 1 else _KEY_CHARS.get(key)
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


def screen_text(app: WsdeckApp) -> str:
    """What the current screen shows, as plain text lines (what the operator reads)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def run_in_palette(pilot: Pilot[Any], command: str) -> None:
    """Open the command palette, type ``command``, and run it once it is the first hit."""
    await pilot.press("ctrl+p")
    await run_first_hit(pilot, command)


async def run_first_hit(pilot: Pilot[Any], command: str) -> None:
    """In the command palette being opened, type ``command``; run it once it is the first hit."""
    from textual.command import CommandList, CommandPalette

    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await wait_until(pilot, lambda: bool(app.screen.query(CommandList)))  # composed
    hits = app.screen.query_one(CommandList)
    # One burst: typed key by key, every prefix ran a search of its own (~6 s a command on
    # a loaded machine); the palette drops a search that a newer key made stale.
    burst(app, *command)

    def first_hit() -> str:
        if not hits.option_count:
            return ""
        return str(hits.get_option_at_index(0).prompt)

    await wait_until(pilot, lambda: first_hit().startswith(command))
    await pilot.press("enter")
