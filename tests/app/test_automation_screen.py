"""Automation in the dashboard (issue 15): the next due time, P, the A screen, the panic
button, and macros from the palette and the composer, against the demo server."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Select

from tests.app.conftest import conn, events_of, run_in_palette, screen_text, wait_until
from tui.app import WsdeckApp
from tui.core.events import RuleSendEvent, decode_line
from tui.demo_server import DemoServer
from tui.screens.automation import AutomationScreen
from tui.widgets.composer import Composer

SIZE = (140, 40)


def automated_echo(demo: DemoServer, **fields: Any) -> Any:
    return automated_echo_at(demo.endpoint("/echo"), **fields)


def automated_echo_at(url: str, **fields: Any) -> Any:
    return conn(
        "echo",
        url,
        auto_start=True,
        every=[{"name": "beat", "interval": 0.3, "message": '{"op":"ping","id":3}'}],
        on_receive=[
            {"name": "pong", "match_jq": '.op == "ping"', "reply_jq": '{"op":"pong","id":.id}'}
        ],
        macros={
            "login": {
                "steps": [
                    {"send": "login"},
                    {"wait": "^login$", "timeout": 2},
                    {"send": "subscribe"},
                ]
            },
            "hang": {"steps": [{"wait": "never comes", "timeout": 30}]},
        },
        **fields,
    )


def rule_sends(app: Any, rule: str) -> list[RuleSendEvent]:
    return [e for e in events_of(app, "send") if getattr(e, "rule", None) == rule]


@pytest.fixture
def app(demo: DemoServer, make_app: Any) -> WsdeckApp:
    return make_app(automated_echo(demo))


@asynccontextmanager
async def started(app: WsdeckApp) -> AsyncIterator[Pilot[Any]]:
    """The dashboard, once the automated connection has started."""
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(events_of(app, "start")) >= 1)
        yield pilot


async def open_automation(pilot: Pilot[Any], app: WsdeckApp) -> None:
    await pilot.press("A")
    await wait_until(pilot, lambda: isinstance(app.screen, AutomationScreen))


async def no_beats_for_two_intervals(pilot: Pilot[Any], app: WsdeckApp) -> int:
    """The heartbeat is paused: none is sent for two of its intervals. The count so far."""
    beats = len(rule_sends(app, "beat"))
    await pilot.pause(0.7)
    assert len(rule_sends(app, "beat")) == beats
    return beats


async def test_heartbeat_and_reply_show_in_the_feed_and_the_selected_bar(app: WsdeckApp) -> None:
    async with started(app) as pilot:
        await wait_until(pilot, lambda: len(rule_sends(app, "pong")) >= 1)
        await wait_until(pilot, lambda: "⏱ beat in" in screen_text(app))
        await wait_until(pilot, lambda: "[pong]" in screen_text(app))


async def test_p_pauses_the_selected_connection_and_the_screen_says_so(app: WsdeckApp) -> None:
    async with started(app) as pilot:
        await wait_until(pilot, lambda: len(rule_sends(app, "beat")) >= 1)
        await pilot.press("P")
        await wait_until(pilot, lambda: "automation paused (P resumes)" in screen_text(app))
        await open_automation(pilot, app)
        text = screen_text(app)
        for name in ("beat", "pong", "login", "hang"):
            assert name in text
        assert "paused" in text
        beats = await no_beats_for_two_intervals(pilot, app)
        await pilot.press("p")  # on the screen: resume the row's connection
        await wait_until(pilot, lambda: len(rule_sends(app, "beat")) > beats)


async def test_the_panic_button_pauses_everything_and_resumes(app: WsdeckApp) -> None:
    async with started(app) as pilot:
        await wait_until(pilot, lambda: len(rule_sends(app, "beat")) >= 1)
        await open_automation(pilot, app)
        await pilot.press("exclamation_mark")
        assert app.automation.paused
        await wait_until(pilot, lambda: "ALL AUTOMATION PAUSED" in screen_text(app))
        beats = await no_beats_for_two_intervals(pilot, app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: "ALL automation paused" in screen_text(app))
        await pilot.press("exclamation_mark")
        assert not app.automation.paused
        await wait_until(pilot, lambda: len(rule_sends(app, "beat")) > beats)


async def test_a_macro_runs_from_the_automation_screen(app: WsdeckApp) -> None:
    async with started(app) as pilot:
        await open_automation(pilot, app)
        table = app.screen.query_one(DataTable)
        row = [s.name for s in app.automation.statuses()].index("login")
        table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(rule_sends(app, "macro login")) >= 2)
        assert [e.data for e in rule_sends(app, "macro login")] == ["login", "subscribe"]
        await wait_until(pilot, lambda: "done: 3 steps" in screen_text(app))


async def test_a_macro_from_the_palette_is_cancelled_from_the_palette(app: WsdeckApp) -> None:
    async with started(app) as pilot:
        await run_in_palette(pilot, "macro: run hang on echo")
        await wait_until(pilot, lambda: "▶ macro hang: step 1/1" in screen_text(app))
        await run_in_palette(pilot, "macro: cancel hang on echo")
        await wait_until(
            pilot,
            lambda: any(
                e.message == "macro hang cancelled at step 1" for e in events_of(app, "error")
            ),
        )


async def test_quitting_cancels_a_paused_macro_and_records_it(
    demo: DemoServer, make_app: Any, tmp_path: Path
) -> None:
    record = tmp_path / "events.jsonl"
    app = make_app(automated_echo(demo), recording={"path": record})
    async with started(app) as pilot:
        await pilot.press("exclamation_mark")
        run = app.automation.start_macro("echo", "login")  # waits for the resume
        await pilot.pause(0.1)
        assert run.running
        await app._quit()
    assert run.state == "cancelled"
    messages = [decode_line(line) for line in record.read_text().splitlines()]
    assert any(getattr(e, "message", "") == "macro login cancelled at step 1" for e in messages)


async def test_a_macro_runs_from_the_composer(app: WsdeckApp) -> None:
    async with started(app) as pilot:
        saved = app.main.query_one(Composer).query_one("#composer-saved", Select)
        await wait_until(pilot, lambda: not saved.disabled)
        saved.value = ("macro", "login")
        await wait_until(pilot, lambda: len(rule_sends(app, "macro login")) >= 2)


# -- at 80x24 and below: no sideways scrolling, the detail under the table ------------------


def stopped_automation(make_app: Any) -> WsdeckApp:
    """The automated echo and a forwarding ticker, stopped: nothing runs, nothing moves."""
    ticker = conn(
        "ticker",
        "ws://127.0.0.1:9/ticker",
        on_receive=[
            {
                "name": "forward-alarms",
                "match_jq": '.status == "alarm" and .temperature > 28',
                "send": "alarm",
                "to": "echo",
            }
        ],
    )
    return make_app(automated_echo_at("ws://127.0.0.1:9/echo"), ticker)


async def open_stopped(pilot: Pilot[Any], app: WsdeckApp) -> DataTable[Any]:
    await open_automation(pilot, app)
    table: DataTable[Any] = app.screen.query_one(DataTable)
    await wait_until(pilot, lambda: table.row_count == 5)
    await pilot.pause()
    return table


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_table_fits_the_width_and_the_whole_detail_shows_under_it(
    make_app: Any, size: tuple[int, int]
) -> None:
    app = stopped_automation(make_app)
    async with app.run_test(size=size) as pilot:
        table = await open_stopped(pilot, app)
        assert table.max_scroll_x == 0  # no sideways scrolling: no scrollbar row
        assert app.screen.sub_title == "automation"
        for row, status in enumerate(app.automation.statuses()):
            table.move_cursor(row=row)
            await pilot.pause()
            detail = str(app.screen.query_one("#automation-detail").render())
            assert detail == f"{status.connection} · {status.name}: {status.detail}"
        assert "match jq .status" in detail  # the rule's whole program, cut in no column


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshots(
    snap_compare: Callable[..., bool],
    make_app: Any,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: "console-1")

    async def settle(pilot: Pilot[Any]) -> None:
        await open_stopped(pilot, pilot.app)  # type: ignore[arg-type]

    assert snap_compare(stopped_automation(make_app), terminal_size=size, run_before=settle)
