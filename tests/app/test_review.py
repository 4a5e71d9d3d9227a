"""``wsdeck open`` in the dashboard (Pilot): the feed, search, filter and detail over a
recording, the recorded connections in the table with their fields, plots over the
recorded times, no live controls; snapshots at 80x24."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import Button, Static

from settings import Connection
from tests.app.conftest import conn, run_in_palette, screen_text, settings_for, wait_until
from tui import review_store
from tui.core.events import (
    ErrorEvent,
    Event,
    ReceiveEvent,
    SendEvent,
    StartEvent,
    StopEvent,
    encode_lines,
)
from tui.review_app import ReviewApp
from tui.review_store import RecordingStore
from tui.review_table import RecordedTable
from tui.screens.field_add import FieldAddScreen
from tui.screens.filter import FilterScreen
from tui.screens.plot import PlotScreen
from tui.widgets.composer import Composer
from tui.widgets.detail import DetailPane
from tui.widgets.feed import EventFeed
from tui.widgets.feed_status import FeedStatus

T0 = 1_795_600_000.0
SNAPSHOT_FILE = Path("/tmp/wsdeck-snapshot/review.jsonl")
FIELDS_SNAPSHOT_FILE = Path("/tmp/wsdeck-snapshot/review-fields.jsonl")


def recorded() -> list[Event]:
    events: list[Event] = [
        StartEvent("echo", T0, url="ws://127.0.0.1:8765/echo", attempt=1),
        SendEvent("echo", T0 + 0.25, data='{"op":"ping"}', size=13),
        ReceiveEvent("echo", T0 + 0.251, data='{"op":"ping"}', size=13),
        ReceiveEvent("echo", T0 + 0.5, data=b"\x00\x01\x02\xff", size=4),
        StartEvent("ticker", T0 + 0.6, url="ws://127.0.0.1:8765/ticker", attempt=1),
        ReceiveEvent("ticker", T0 + 0.7, data='{"temperature": 21.5, "status": "ok"}', size=37),
        ReceiveEvent("ticker", T0 + 1.2, data='{"temperature": 29.1, "status": "alarm"}', size=40),
        ErrorEvent("broken", T0 + 1.0, kind="connect", message="connection refused"),
        StopEvent("echo", T0 + 2.0, code=1000, reason="", by="client"),
    ]
    for index, event in enumerate(events):
        event.seq = index + 1
    return events


def review_app(path: Path, text: str | None = None, *connections: Connection) -> ReviewApp:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(encode_lines(recorded()) if text is None else text)
    settings = settings_for(*connections, feed={"timestamps": "utc"})
    store = RecordingStore([path])
    store.step()  # as `wsdeck open` does before the App starts: here, the whole file
    return ReviewApp(settings, store)


async def loaded(pilot: Pilot[Any]) -> ReviewApp:
    app = pilot.app
    assert isinstance(app, ReviewApp)
    await wait_until(pilot, lambda: app.store.done and len(app.main.query_one(EventFeed).view) > 0)
    await wait_until(pilot, lambda: app.main.query_one(RecordedTable).row_count == 3)
    return app


async def test_the_table_lists_recorded_connections_with_counts(tmp_path: Path) -> None:
    app = review_app(tmp_path / "events.jsonl")
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        table = app.main.query_one(RecordedTable)
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(3)}
        assert set(rows) == {"echo", "ticker", "broken"}
        echo = [str(cell) for cell in rows["echo"]]
        assert echo[:5] == ["echo", "5", "2 / 17 B", "1 / 13 B", "0"]
        assert [str(cell) for cell in rows["broken"]][1:5] == ["1", "0 / 0 B", "0 / 0 B", "1"]
        feed = app.main.query_one(EventFeed)
        assert len(feed.view) == 9
        assert feed.view[0] == recorded()[0]  # the recorded timestamps and seqs


async def test_no_node_controls_no_composer(tmp_path: Path) -> None:
    app = review_app(tmp_path / "events.jsonl")
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        with pytest.raises(NoMatches):
            app.main.query_one(Composer)
        assert not app.main.query(Button)
        for action in (
            *("start", "stop", "restart", "ping", "compose", "start_all", "stop_all"),
            *("automation", "pause_automation"),
        ):
            assert app.main.check_action(action, ()) is False
        assert app.hub.clients == {}
        for action in ("settings", "automation", "pause_automation"):
            assert app.check_action(action, ()) is False
        # Nothing to act on, nothing breaks: node keys, settings, automation, fields view.
        await pilot.press("s", "x", "i", "S", "comma", "A", "P", "exclamation_mark", "v", "3")
        assert app.screen is app.main
        assert app.main.focused is app.main.query_one(RecordedTable)
        assert len(app.main.query_one(EventFeed).view) == 9


async def test_search_jumps_between_recorded_matches(tmp_path: Path) -> None:
    app = review_app(tmp_path / "events.jsonl")
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        feed = app.main.query_one(EventFeed)
        await pilot.press("slash", *"ping")
        await wait_until(pilot, lambda: feed.search is not None and feed.match_count == 2)
        await pilot.press("enter")
        await wait_until(pilot, lambda: feed.highlighted is not None)
        first = feed.highlighted
        assert first is not None
        assert "ping" in str(first.data)
        await pilot.press("enter")
        await wait_until(pilot, lambda: feed.highlighted is not first)
        second = feed.highlighted
        assert second is not None
        assert {first.EVENT, second.EVENT} == {"send", "receive"}
        status = str(app.main.query_one(FeedStatus).render())
        assert "/2" in status


async def test_detail_shows_the_recorded_event(tmp_path: Path) -> None:
    app = review_app(tmp_path / "events.jsonl")
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("2", "up", "up", "d")
        detail = app.main.query_one(DetailPane)
        await wait_until(pilot, lambda: detail.display and detail.event is not None)
        assert detail.event == recorded()[-3]
        assert detail.event.data == '{"temperature": 29.1, "status": "alarm"}'


async def test_filter_offers_the_recorded_connections(tmp_path: Path) -> None:
    app = review_app(tmp_path / "events.jsonl")
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen))
        screen = app.screen
        assert isinstance(screen, FilterScreen)
        assert list(screen.names) == ["echo", "ticker", "broken"]


async def test_malformed_lines_are_shown(tmp_path: Path) -> None:
    good = encode_lines(recorded()).splitlines()
    text = "\n".join([good[0], "{oops", good[1], '{"event": "alarm"}', good[2]]) + "\n"
    app = review_app(tmp_path / "broken.jsonl", text)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.store.done)
        feed = app.main.query_one(EventFeed)
        await wait_until(pilot, lambda: len(feed.view) == 3)
        selected = app.main.query_one("#selected", Static)
        await wait_until(pilot, lambda: "malformed" in str(selected.render()))
        line = str(selected.render())
        assert "broken.jsonl: 3 events; 2 malformed lines skipped" in line
        assert "broken.jsonl:2: not JSON" in line
        await wait_until(pilot, lambda: bool(app._notifications))
        (notice,) = list(app._notifications)
        assert "2 malformed lines skipped" in notice.message
        assert "broken.jsonl:4: unknown event 'alarm'" in notice.message


async def test_configured_fields_show_in_the_fields_view(tmp_path: Path) -> None:
    """A recorded connection named like a configured one: its fields, over recorded payloads."""
    ticker = conn("ticker", "ws://127.0.0.1:1/", fields={"temp": ".temperature"})
    app = review_app(tmp_path / "events.jsonl", None, ticker)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        assert app.hub.clients == {}  # configured, never connected
        await wait_until(pilot, lambda: '"status": "alarm"' in screen_text(app))
        app.main.query_one(EventFeed).focus()
        await pilot.press("v")
        await wait_until(pilot, lambda: "temp=29.1" in screen_text(app))
        assert "temp=21.5" in screen_text(app)
        assert '"status": "alarm"' not in screen_text(app)


def test_review_snapshot_80x24(snap_compare: Callable[..., bool]) -> None:
    app = review_app(SNAPSHOT_FILE)

    async def settle(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def table_rows(app: ReviewApp) -> dict[str, list[str]]:
    """Each recorded connection's cells, by the table's column labels."""
    table = app.main.query_one(RecordedTable)
    labels = [str(column.label) for column in table.ordered_columns]
    rows = {}
    for index in range(table.row_count):
        cells = [str(cell) for cell in table.get_row_at(index)]
        rows[cells[0]] = dict(zip(labels, cells, strict=True))
    return rows  # type: ignore[return-value]


def column_width(app: ReviewApp, label: str) -> int:
    """The content width of the table's column labelled ``label``."""
    table = app.main.query_one(RecordedTable)
    (column,) = [c for c in table.ordered_columns if str(c.label) == label]
    return column.content_width


async def test_the_fields_of_configured_connections_are_table_columns(tmp_path: Path) -> None:
    ticker = conn("ticker", "ws://127.0.0.1:1/", fields={"temp": ".temperature", "st": ".status"})
    app = review_app(tmp_path / "events.jsonl", None, ticker)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: table_rows(app).get("ticker", {}).get("temp") == "29.1")
        rows = table_rows(app)
        labels = list(rows["ticker"])
        assert labels[:3] == ["name", "temp", "st"]  # right after the name: in view at 80
        assert rows["ticker"]["st"] == "alarm"  # the last recorded message's values
        await wait_until(pilot, lambda: column_width(app, "st") >= len("alarm"))  # widened
        assert rows["echo"]["temp"] == ""  # a connection without fields


async def test_a_field_added_from_the_palette_gets_a_column_and_a_plot(tmp_path: Path) -> None:
    app = review_app(tmp_path / "events.jsonl")
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        assert "temperature" not in next(iter(table_rows(app).values()))
        await pilot.press("2", "up", "up")  # the feed: ticker's last message
        feed = app.main.query_one(EventFeed)
        await wait_until(pilot, lambda: feed.highlighted == recorded()[-3])
        await run_in_palette(pilot, "field: add to ticker")  # of the highlighted message
        await wait_until(pilot, lambda: isinstance(app.screen, FieldAddScreen))
        await pilot.press("enter")  # prefilled with its first value: temperature
        await wait_until(
            pilot, lambda: table_rows(app).get("ticker", {}).get("temperature") == "29.1"
        )
        await wait_until(
            pilot, lambda: app.analysis.fields.series("ticker", "temperature") is not None
        )
        app.main.query_one(RecordedTable).select("ticker")
        app.main.query_one(RecordedTable).focus()
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, PlotScreen))
        screen = app.screen
        assert isinstance(screen, PlotScreen)
        (line,) = screen.lines
        assert line.label == "temperature"
        # Over the recorded times: "now" is the recording's last received message.
        assert [ts - T0 for ts in line.times] == pytest.approx([0.7, 1.2])
        assert line.values == [21.5, 29.1]
        await pilot.press("m")  # the recorded rate of the same connection
        await wait_until(pilot, lambda: screen.mode == "rate" and bool(screen.lines))
        (rate,) = screen.lines
        assert rate.label == "ticker"
        assert sum(rate.values) == 2  # its two messages, in the seconds they came


async def test_a_field_added_as_the_indexing_ends_gets_its_values(tmp_path: Path) -> None:
    # The indexing thread's last look at the fields is over, but it has not said it ended
    # yet (_finished): a field added then is extracted all the same.
    app = review_app(tmp_path / "events.jsonl")
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: app._finished)
        app._finished = False  # the window between the two
        assert app.main.add_field("ticker", "temperature", ".temperature") is None
        await wait_until(
            pilot, lambda: table_rows(app).get("ticker", {}).get("temperature") == "29.1"
        )


async def test_the_first_screen_does_not_wait_for_the_indexing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Indexing runs in a thread: held up, the screen still shows what is indexed and
    takes keys; let go, the rest comes in."""
    monkeypatch.setattr(review_store, "BLOCK", 300)  # a block holds a couple of events
    path = tmp_path / "events.jsonl"
    path.write_text(encode_lines(recorded()))
    store = RecordingStore([path])
    store.step(seconds=0)  # what `wsdeck open` indexes before the App starts: a block here
    app = ReviewApp(settings_for(feed={"timestamps": "utc"}), store)
    first = store.events
    assert 0 < first < 9
    gate = threading.Event()
    step = store.step

    def held_step(seconds: float = 0.0) -> int:
        gate.wait(timeout=30)
        return step(seconds)

    monkeypatch.setattr(store, "step", held_step)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.main.query_one(EventFeed)
        await wait_until(pilot, lambda: len(feed.view) == first)
        selected = app.main.query_one("#selected", Static)
        await wait_until(pilot, lambda: "loading" in str(selected.render()))
        await pilot.press("2")  # the event loop is free: keys work
        await wait_until(pilot, lambda: app.main.focused is feed)
        assert store.events == first
        gate.set()
        await wait_until(pilot, lambda: store.done and len(feed.view) == 9)
        await wait_until(pilot, lambda: "loading" not in str(selected.render()))


def test_review_with_field_columns_snapshot_80x24(snap_compare: Callable[..., bool]) -> None:
    ticker = conn("ticker", "ws://127.0.0.1:1/", fields={"temp": ".temperature", "st": ".status"})
    app = review_app(FIELDS_SNAPSHOT_FILE, None, ticker)

    async def settle(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await wait_until(pilot, lambda: table_rows(app).get("ticker", {}).get("temp") == "29.1")
        # The table widens a column for a new value when idle (DataTable's _on_idle).
        await wait_until(pilot, lambda: column_width(app, "st") >= len("alarm"))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
