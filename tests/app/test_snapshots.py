"""Snapshots of the main screen, the settings screen and help: fixed size, frozen clock.

Nothing here touches the network: connections stay stopped and the feed is filled with
events at fixed times, so the pictures are the same on every machine. Update them with
``pytest tests/app/test_snapshots.py --snapshot-update`` after checking the report.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from tests.app.conftest import conn, settings_for, wait_until
from tui.app import WsdeckApp
from tui.core.client import State
from tui.core.events import ErrorEvent, ReceiveEvent, SendEvent, StartEvent, StopEvent
from tui.widgets.feed import EventFeed

T0 = 1_795_600_000.0  # a fixed moment; shown in UTC
SNAPSHOT_CONFIG = Path("/tmp/wsdeck-snapshot/wsdeck.toml")


@pytest.fixture(autouse=True)
def frozen_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: "console-1")


def sample_app() -> WsdeckApp:
    settings = settings_for(
        conn("echo", "ws://127.0.0.1:8765/echo", saved_messages={"ping": '{"op":"ping"}'}),
        conn("ticker", "ws://127.0.0.1:8765/ticker?rate=2"),
        conn(
            "secure",
            "wss://user:s3cret-pw@example.invalid/feed",  # long enough to hide: no warning
            tls={"verify": False},
        ),
        feed={"timestamps": "utc"},
    )
    SNAPSHOT_CONFIG.parent.mkdir(parents=True, exist_ok=True)
    SNAPSHOT_CONFIG.write_text("# demo file for snapshots\n")
    app = WsdeckApp(settings, config_path=SNAPSHOT_CONFIG)
    app.ring.extend(
        [
            StartEvent("echo", T0, url="ws://127.0.0.1:8765/echo", attempt=1),
            SendEvent("echo", T0 + 0.25, data='{"op":"ping"}', size=13),
            ReceiveEvent("echo", T0 + 0.251, data='{"op":"ping"}', size=13),
            ReceiveEvent("echo", T0 + 0.5, data=b"\x00\x01\x02\xff", size=4),
            ReceiveEvent("echo", T0 + 0.75, data="[bold red]x[/] \x1b[2J", size=19),
            ErrorEvent(
                "ticker", T0 + 1.0, kind="connect", message="connection refused: 127.0.0.1:8765"
            ),
            StopEvent("echo", T0 + 2.0, code=1000, reason="", by="client"),
        ]
    )
    for index, event in enumerate(app.ring):
        event.seq = index + 1
    return app


async def _settle(pilot: Pilot[Any]) -> None:
    # A blinking cursor is shown or not depending on when the picture is taken (the
    # search bar's input lost its cursor from the picture on a loaded machine).
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


SIZES = [(80, 24), (120, 40)]
"""An SSH session's default terminal, and a roomy one."""

SCREENS: dict[str, list[str]] = {
    "main": [],
    # The markup-looking payload, two rows up: beside the feed, or full-screen below 100x30.
    "detail": ["2", "up", "up", "d"],
    "help": ["f1"],
    "filter": ["f"],
    "settings": ["comma"],
    # Matches highlighted as typed, the count in the bar and the status line.
    "search": ["slash", "e", "c", "h", "o"],
}
"""Each screen the snapshots show, and the keys that open it from the main screen."""


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare: Callable[..., bool], screen: str, size: tuple[int, int]) -> None:
    async def open_screen(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press(*SCREENS[screen])
        if screen == "search":  # past the search's debounce, however loaded the machine
            feed = pilot.app.screen.query_one(EventFeed)
            await wait_until(pilot, lambda: feed.search is not None and feed.match_count == 6)
        await _settle(pilot)

    assert snap_compare(sample_app(), terminal_size=size, run_before=open_screen)


# -- states without colour -------------------------------------------------------------------


@lru_cache(1024)
def _sixteen(style: Style) -> Style:
    color, bgcolor = style.color, style.bgcolor
    return style.without_color + Style.from_color(
        None if color is None else color.downgrade(ColorSystem.STANDARD),
        None if bgcolor is None else bgcolor.downgrade(ColorSystem.STANDARD),
    )


class SixteenColours(LineFilter):
    """What a 16-colour terminal shows: every colour replaced by the nearest of the 16."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text, None if style is None else _sixteen(style), control)
            for text, style, control in segments
        ]


def states_app(monkeypatch: pytest.MonkeyPatch) -> WsdeckApp:
    """A connection in each state the table can show (set directly: no network).

    Six rows fill the table: ``closing`` (``◐``) is left out, as brief as ``connecting``.
    """
    settings = settings_for(
        conn("open", "ws://127.0.0.1:8765/echo"),
        conn("connecting", "ws://127.0.0.1:8765/echo"),
        conn("retrying", "ws://127.0.0.1:9/"),
        conn("failed", "ws://127.0.0.1:9/"),
        conn("crashed", "ws://127.0.0.1:8765/echo"),
        conn("stopped", "wss://example.invalid/feed", tls={"verify": False}),
        feed={"timestamps": "utc"},
    )
    app = WsdeckApp(settings)
    clients = app.hub.clients
    for name in ("open", "connecting"):
        clients[name].state = State(name)
    clients["retrying"].state = State.RECONNECTING
    monkeypatch.setattr(clients["retrying"], "reconnect_in", lambda now=None: 3.0)
    clients["failed"].failed = True
    clients["crashed"].crashed = True
    return app


def test_states_under_no_color(
    snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = states_app(monkeypatch)
    assert app.no_color
    assert snap_compare(app, terminal_size=(120, 40), run_before=_settle)


def test_filter_checkboxes_under_no_color(
    snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = sample_app()

    async def open_filter(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("space")  # untick the first connection: on and off side by side

    assert snap_compare(app, terminal_size=(100, 30), run_before=open_filter)


def test_states_in_16_colours(
    snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = states_app(monkeypatch)
    app._filters.append(SixteenColours())
    assert snap_compare(app, terminal_size=(120, 40), run_before=_settle)
