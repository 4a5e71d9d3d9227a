"""A connection's task that dies is shown, recorded and replaced: Start works again (issue 18)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.app.conftest import conn, events_of, wait_until
from tests.faults import raise_once
from tui.core.client import State, WsClient
from tui.core.events import decode_line
from tui.demo_server import DemoServer
from tui.widgets.connection_table import ConnectionTable


async def test_a_crashed_connection_task_is_shown_recorded_and_restartable(
    demo: DemoServer, make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = tmp_path / "events.jsonl"
    app = make_app(conn("echo", demo.endpoint("/echo")), recording={"path": recording})
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(ConnectionTable)
        # A bug in the session, then a bug in reporting it: nothing inside the task is
        # left to catch it, and the task ends with the exception.
        monkeypatch.setattr(
            WsClient, "_session", raise_once(WsClient._session, RuntimeError("session bug"))
        )
        monkeypatch.setattr(
            WsClient, "_error", raise_once(WsClient._error, RuntimeError("report bug"))
        )
        app.start("echo")
        await wait_until(pilot, lambda: str(table.get_cell("echo", "state")) == "✖ crashed")
        client = app.hub.get("echo")
        assert client.state is State.STOPPED
        (error,) = events_of(app, "error", "echo")
        assert error.kind == "internal"
        assert error.message == (
            "connection task ended: internal error: RuntimeError: report bug; Start starts it again"
        )
        app.start("echo")
        await wait_until(pilot, lambda: bool(events_of(app, "start", "echo")))
        await wait_until(pilot, lambda: str(table.get_cell("echo", "state")) == "● open")
        await pilot.press("ctrl+q")
        await pilot.press("enter")  # the quit prompt: the connection is open
    recorded = [decode_line(line) for line in recording.read_text().splitlines()]
    assert [(e.EVENT, getattr(e, "kind", None)) for e in recorded][:2] == [
        ("error", "internal"),
        ("start", None),
    ]
