"""Operator controls in the dashboard: Stop with a close code (key C, palette), ping (p),
start all (S) and stop all (X), against real servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from textual.widgets import Input, Static

from tests.app.conftest import (
    conn,
    events_of,
    run_in_palette,
    screen_text,
    type_text,
    wait_until,
)
from tests.close_server import CloseRecordingServer, close_recording_server
from tui.core.client import State
from tui.screens.confirm import ConfirmScreen
from tui.screens.stop import StopScreen
from tui.widgets.connection_table import ConnectionTable, round_trip

SIZE = (120, 40)


@pytest.fixture
async def server() -> AsyncIterator[CloseRecordingServer]:
    async with close_recording_server() as running:
        yield running


def cell(app: Any, name: str, column: str) -> str:
    return str(app.main.query_one(ConnectionTable).get_cell(name, column))


async def open_echo(app: Any, pilot: Any) -> None:
    await wait_until(pilot, lambda: cell(app, "echo", "state") == "● open")


async def stop_dialog_on_open_echo(app: Any, pilot: Any) -> StopScreen:
    """Wait until echo is open, then press C: the Stop dialog."""
    await open_echo(app, pilot)
    await pilot.press("C")
    await wait_until(pilot, lambda: isinstance(app.screen, StopScreen))
    return cast(StopScreen, app.screen)


async def test_stop_with_a_code_and_reason_reaches_the_server(
    server: CloseRecordingServer, make_app: Any
) -> None:
    app = make_app(conn("echo", server.url, auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await stop_dialog_on_open_echo(app, pilot)
        assert "Stop echo with a close code" in screen_text(app)
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await type_text(pilot, "4001")
        await pilot.press("tab")
        await type_text(pilot, "deploy ☃")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(events_of(app, "stop", "echo")))
        (stop,) = events_of(app, "stop", "echo")
        assert (stop.code, stop.reason, stop.by) == (4001, "deploy ☃", "client")
        await wait_until(pilot, lambda: "4001" in screen_text(app))
        assert "deploy ☃" in screen_text(app)  # the feed's stop row
    (received,) = server.received
    assert received is not None
    assert (received.code, received.reason) == (4001, "deploy ☃")


@pytest.mark.parametrize(
    ("code", "reason", "problem"),
    [
        ("1001", "", "close code 1001 is not allowed"),
        ("2999", "", "close code 2999 is not allowed"),
        ("5000", "", "close code 5000 is not allowed"),
        ("4000", "é" * 62, "the reason is 124 bytes of UTF-8; at most 123 fit"),
        ("", "", "give a close code"),
    ],
)
async def test_the_stop_dialog_refuses_what_may_not_be_sent(
    server: CloseRecordingServer, make_app: Any, code: str, reason: str, problem: str
) -> None:
    app = make_app(conn("echo", server.url, auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await stop_dialog_on_open_echo(app, pilot)
        dialog.query_one("#stop-code", Input).value = code
        dialog.query_one("#stop-reason", Input).value = reason
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog  # still asking
        assert str(dialog.query_one("#stop-error", Static).render()).startswith(problem)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        assert app.hub.get("echo").state is State.OPEN
        assert not events_of(app, "stop")


async def test_stop_with_code_from_the_palette(server: CloseRecordingServer, make_app: Any) -> None:
    app = make_app(conn("echo", server.url, auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await open_echo(app, pilot)
        await run_in_palette(pilot, "connection: stop echo with code")
        await wait_until(pilot, lambda: isinstance(app.screen, StopScreen))
        app.screen.query_one("#stop-code", Input).value = "3000"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(events_of(app, "stop", "echo")))
        assert events_of(app, "stop", "echo")[0].code == 3000


async def test_ping_shows_the_round_trip_in_the_feed_and_the_table(
    server: CloseRecordingServer, make_app: Any
) -> None:
    # No keepalive: the latency column can only come from the manual ping.
    app = make_app(conn("echo", server.url, auto_start=True, ping_interval=0))
    async with app.run_test(size=SIZE) as pilot:
        await open_echo(app, pilot)
        assert cell(app, "echo", "latency") == "-"
        await pilot.press("p")
        await wait_until(pilot, lambda: bool(events_of(app, "pong", "echo")))
        (pong,) = events_of(app, "pong", "echo")
        assert pong.rtt > 0
        await wait_until(pilot, lambda: cell(app, "echo", "latency").endswith(" ms"))
        assert cell(app, "echo", "latency") == round_trip(pong.rtt)
        await wait_until(pilot, lambda: "pong after" in screen_text(app))


async def test_ping_is_greyed_out_unless_open(make_app: Any) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert not events_of(app, "error")  # nothing was attempted
        assert app.main.check_action("ping", ()) is None


async def test_start_all_then_stop_all_after_naming_them(
    server: CloseRecordingServer, make_app: Any
) -> None:
    names = ["a", "b", "c", "d", "e", "f"]
    app = make_app(*(conn(name, server.url) for name in names))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("S")
        await wait_until(pilot, lambda: len(events_of(app, "start")) == len(names))
        await wait_until(pilot, lambda: all(cell(app, n, "state") == "● open" for n in names))
        await pilot.press("X")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Stop 6 connections: a, b, c, d and 2 more?" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: len(events_of(app, "stop")) == len(names))
        assert {(stop.code, stop.by) for stop in events_of(app, "stop")} == {(1000, "client")}
        assert app.main.check_action("stop_all", ()) is None  # nothing left to stop
        await pilot.press("X")
        await pilot.pause()
        assert app.screen is app.main


async def test_stop_all_cancelled_stops_nothing(
    server: CloseRecordingServer, make_app: Any
) -> None:
    app = make_app(conn("a", server.url, auto_start=True), conn("b", server.url, auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(events_of(app, "start")) == 2)
        await pilot.press("X")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is app.main)
        assert not events_of(app, "stop")


async def test_start_all_and_stop_all_from_the_palette(
    server: CloseRecordingServer, make_app: Any
) -> None:
    app = make_app(conn("a", server.url), conn("b", server.url))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await run_in_palette(pilot, "connections: start all")
        await wait_until(pilot, lambda: len(events_of(app, "start")) == 2)
        await run_in_palette(pilot, "connections: stop all")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: len(events_of(app, "stop")) == 2)


def test_round_trips_below_10_ms_keep_a_decimal() -> None:
    assert [round_trip(s) for s in (None, 0.00024, 0.0042, 0.0123, 1.5)] == [
        "-",
        "0.2 ms",
        "4.2 ms",
        "12 ms",
        "1500 ms",
    ]
