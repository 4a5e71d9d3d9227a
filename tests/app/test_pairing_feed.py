"""Pairing and fields in the feed: marks, enter between request and response, the fields view."""

from __future__ import annotations

import json
from typing import Any

from tests.app.conftest import conn, events_of, screen_text, wait_until
from tui.demo_server import DemoServer
from tui.widgets.connection_table import ConnectionTable
from tui.widgets.detail import DetailPane
from tui.widgets.feed import EventFeed


def _rpc(method: str, params: list[int], id_: int) -> str:
    return json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": id_})


async def test_responses_are_marked_and_enter_goes_between_request_and_response(
    demo: DemoServer, make_app: Any
) -> None:
    rpc = conn("rpc", demo.endpoint("/rpc"), auto_start=True, correlate_timeout=0.5)
    app = make_app(rpc)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: table.get_cell("rpc", "state") == "● open")
        app.send("rpc", _rpc("sleep", [30], 1))
        app.send("rpc", _rpc("sum", [2, 3], 2))
        app.send("rpc", _rpc("sleep", [60_000], 3))  # never answered within the timeout
        await wait_until(pilot, lambda: len(events_of(app, "receive", "rpc")) == 2)
        await wait_until(pilot, lambda: "⏱ timeout" in screen_text(app), timeout=6)
        text = screen_text(app)
        assert text.count("↩ ") == 2  # both responses, with their round trips
        assert text.count("↪ ") == 2  # both answered requests
        slow_request = events_of(app, "send", "rpc")[0]
        slow_response = next(e for e in events_of(app, "receive", "rpc") if '"id": 1' in e.data)
        # The detail pane of the slow response says which request it answers; enter goes there.
        feed = app.main.query_one(EventFeed)
        feed.focus()
        assert feed.jump_to_seq(slow_response.seq)
        await pilot.press("d")
        detail = app.main.query_one(DetailPane)
        await wait_until(
            pilot, lambda: detail.event is not None and detail.event.seq == slow_response.seq
        )
        assert f"request: #{slow_request.seq} after" in "\n".join(detail.text_lines)
        detail.focus()
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: detail.event is not None and detail.event.seq == slow_request.seq
        )
        assert f"response: #{slow_response.seq} after" in "\n".join(detail.text_lines)
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: detail.event is not None and detail.event.seq == slow_response.seq
        )


async def test_an_unanswered_request_is_a_timeout_event_that_feeds_the_unanswered_watch(
    demo: DemoServer, make_app: Any, tmp_path: Any
) -> None:
    rpc = conn(
        "rpc",
        demo.endpoint("/rpc"),
        auto_start=True,
        correlate_timeout=0.3,
        watch={"unanswered": {"more_than": 0, "within": 30}},
    )
    app = make_app(rpc)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: table.get_cell("rpc", "state") == "● open")
        app.send("rpc", _rpc("sleep", [60_000], 7))
        await wait_until(pilot, lambda: len(events_of(app, "timeout", "rpc")) == 1, timeout=6)
        (request,) = events_of(app, "send", "rpc")
        (timeout,) = events_of(app, "timeout", "rpc")
        assert timeout.request == request.seq
        row = f"⏱          no response to #{request.seq} after"
        await wait_until(pilot, lambda: row in screen_text(app))
        await wait_until(pilot, lambda: len(events_of(app, "alert", "rpc")) == 1)
        (alert,) = events_of(app, "alert", "rpc")
        assert (alert.name, alert.state, alert.cause) == ("unanswered", "raised", timeout.seq)
        assert ("rpc", "unanswered") in app.hub.watches.active


async def test_v_shows_fields_instead_of_payloads(demo: DemoServer, make_app: Any) -> None:
    ticker = conn(
        "ticker",
        demo.endpoint("/ticker?rate=20"),
        auto_start=True,
        fields={"temp": ".temperature", "nope": ".missing"},
    )
    app = make_app(ticker)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(events_of(app, "receive", "ticker")) >= 3)
        await wait_until(pilot, lambda: '{"seq":' in screen_text(app))
        app.main.query_one(EventFeed).focus()
        await pilot.press("v")
        await wait_until(pilot, lambda: "temp=" in screen_text(app))
        assert "nope=null" in screen_text(app)
        assert '{"seq":' not in screen_text(app)
        await pilot.press("v")
        await wait_until(pilot, lambda: '{"seq":' in screen_text(app))
