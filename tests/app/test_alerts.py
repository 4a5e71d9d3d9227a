"""Alerts on the dashboard: the table's badge, the header's count, the alerts screen,
acknowledging and going to the cause; snapshots of both screens."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.app.conftest import (
    conn,
    events_of,
    run_in_palette,
    screen_text,
    settings_for,
    wait_until,
)
from tests.conftest import DemoServer
from tui.app import WsdeckApp
from tui.core.client import State
from tui.core.events import ReceiveEvent, StartEvent
from tui.screens.alerts import AlertsScreen, for_how_long
from tui.widgets.alert_header import alert_count_text
from tui.widgets.connection_table import ConnectionTable
from tui.widgets.feed import EventFeed

WATCH = {"rules": {"alarm": {"regex": "ALARM", "level": "critical", "bell": True}}}


def header_count(app: WsdeckApp) -> str:
    return screen_text(app).splitlines()[0]


async def test_an_alert_from_raising_to_acknowledged_to_cleared(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(
        conn("alarmed", demo.endpoint("/echo"), auto_start=True, watch=WATCH),
        conn("plain", demo.endpoint("/echo")),
    )
    bells: list[int] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.hub.watches.bell = lambda: bells.append(1)
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: app.hub.clients["alarmed"].state is State.OPEN)
        assert "alert" in table.columns_shown  # a connection has watches
        app.send("alarmed", "ALARM: boiler pressure")
        await wait_until(pilot, lambda: table.get_cell("alarmed", "alert") == "⚠ crit")
        assert table.get_cell("plain", "alert") == ""
        await wait_until(pilot, lambda: "⚠ 1 critical" in header_count(app))
        assert bells == [1]
        (cause,) = [e for e in events_of(app, "receive") if "ALARM" in str(e.data)]

        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen))
        text = screen_text(app)
        assert "1 active, 0 cleared · enter acknowledges" in text
        assert "a message matches regex ALARM" in text
        await pilot.press("enter")
        alert = app.hub.watches.active[("alarmed", "alarm")]
        assert alert.acknowledged
        assert "acknowledged" in screen_text(app)
        app.hub.watches.tick(app.hub.watches.clock() + 60)  # acknowledged: no more bells
        assert bells == [1]

        await pilot.press("g")  # back to the feed, on the message that raised it
        await wait_until(pilot, lambda: app.screen is app.main)
        feed = app.main.query_one(EventFeed)
        await wait_until(pilot, lambda: feed.highlighted is not None)
        assert feed.highlighted is not None
        assert feed.highlighted.seq == cause.seq
        assert not feed.following

        app.send("alarmed", "all quiet")
        await wait_until(pilot, lambda: table.get_cell("alarmed", "alert") == "")
        await wait_until(pilot, lambda: "critical" not in header_count(app))
        (raised, cleared) = events_of(app, "alert")
        assert (raised.state, cleared.state) == ("raised", "cleared")


async def test_acknowledge_from_the_palette(make_app: Any) -> None:
    app = make_app(conn("c", "ws://127.0.0.1:9/", watch=WATCH))
    async with app.run_test(size=(120, 40)) as pilot:
        sink = app.hub.clients["c"]._sink
        sink.offer(ReceiveEvent("c", 1.0, data="ALARM", size=5))
        (alert,) = app.hub.watches.active.values()
        await run_in_palette(pilot, "alerts: acknowledge alarm on c")
        await wait_until(pilot, lambda: alert.acknowledged)
        assert alert.active


async def test_without_watches_there_is_no_alert_column(make_app: Any) -> None:
    app = make_app(conn("c", "ws://127.0.0.1:9/"))
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        assert "alert" not in app.main.query_one(ConnectionTable).columns_shown
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen))
        assert "No alerts" in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)


def test_texts() -> None:
    assert alert_count_text(2, 1) == "⚠ 2 critical · 1 warning"
    assert alert_count_text(0, 3) == "⚠ 3 warning"
    assert alert_count_text(0, 0) == ""
    assert [for_how_long(s) for s in (5, 65, 3725, 90000)] == ["5s", "1m 5s", "1h 2m", "1d 1h"]


# -- snapshots -------------------------------------------------------------------------------

T0 = 1_795_600_000.0


def alerting_app() -> WsdeckApp:
    """Stopped connections whose watches saw events at fixed times (no network)."""
    settings = settings_for(
        conn("boiler", "ws://127.0.0.1:8765/pulse", watch=WATCH),
        conn("ticker", "ws://127.0.0.1:8765/ticker", watch={"silence": {"after": 5}}),
        conn("echo", "ws://127.0.0.1:8765/echo"),
        feed={"timestamps": "utc"},
    )
    app = WsdeckApp(settings, config_path=None)
    watches = app.hub.watches
    watches.clock = lambda: T0 + 75
    boiler, ticker = app.hub.clients["boiler"]._sink, app.hub.clients["ticker"]._sink
    ticker.offer(StartEvent("ticker", T0, url="ws://127.0.0.1:8765/ticker"))
    ticker.offer(ReceiveEvent("ticker", T0 + 1, data='{"seq": 1}', size=10))
    boiler.offer(ReceiveEvent("boiler", T0 + 2, data="ALARM pressure 9 bar", size=20))
    boiler.offer(ReceiveEvent("boiler", T0 + 3, data="ok", size=2))
    boiler.offer(ReceiveEvent("boiler", T0 + 4, data="ALARM pressure 11 bar", size=21))
    watches.tick(T0 + 7)
    return app


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_table_fits_the_width_and_the_whole_message_shows_under_it(
    size: tuple[int, int],
) -> None:
    app = alerting_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen))
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        table = screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 3)
        await pilot.pause()
        assert table.max_scroll_x == 0  # no sideways scrolling: no scrollbar row, nothing cut off
        for row in range(3):
            table.move_cursor(row=row)
            await pilot.pause()
            alert = screen.selected
            assert alert is not None
            detail = str(screen.query_one("#alerts-detail").render())
            assert detail == f"{alert.connection} · {alert.name}: {alert.message}"
        labels = [str(column.label) for column in table.columns.values()]
        # At 80 columns the message is cut with an ellipsis; at 60 it is left out whole.
        assert ("message" in labels) is (size[0] == 80)


async def test_alert_events_lost_to_a_full_bus_are_told_on_the_screen() -> None:
    app = alerting_app()
    app.hub.watches.lost = 3  # as a bus full for long leaves it (tests/core/test_watch.py)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen))
        await pilot.pause()
        summary = str(app.screen.query_one("#alerts-summary").render())
        assert "3 alert events not in the feed or the recording" in summary


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", ["main", "alerts"])
def test_snapshots(
    snap_compare: Callable[..., bool],
    monkeypatch: pytest.MonkeyPatch,
    screen: str,
    size: tuple[int, int],
) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: "console-1")

    async def settle(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        if screen == "alerts":
            await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, AlertsScreen))
            table = pilot.app.screen.query_one(DataTable)
            await wait_until(pilot, lambda: table.row_count == 3)
            await pilot.pause()

    assert snap_compare(alerting_app(), terminal_size=size, run_before=settle)
