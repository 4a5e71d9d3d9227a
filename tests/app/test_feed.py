"""EventFeed under Pilot: rows, follow mode, filters, export, clipboard, safety and cost."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from tui.core.events import (
    ErrorEvent,
    Event,
    ReceiveEvent,
    SendEvent,
    StartEvent,
    StopEvent,
    decode_line,
    encode_line,
)
from tui.core.ring import EventRing, FeedFilter
from tui.widgets.feed import EventFeed

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
SIZE = (100, 30)


def receive(seq: int, conn: str = "echo", data: str | bytes | None = None) -> ReceiveEvent:
    payload: str | bytes = f"message {seq}" if data is None else data
    return ReceiveEvent(conn, T0 + seq / 1000, seq=seq, data=payload, size=len(payload))


class CountingFeed(EventFeed):
    """Counts row renders (cache misses) and flushes."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.rendered: list[int] = []
        self.lines_drawn = 0
        self.flushes = 0

    def render_line(self, y: int) -> Strip:
        self.lines_drawn += 1
        return super().render_line(y)

    def _render_row(self, pos: int, width: int, cursor: bool, dropped: bool) -> Strip:
        self.rendered.append(pos)
        return super()._render_row(pos, width, cursor, dropped)

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


class FeedApp(App[None]):
    """A feed over a ring, full screen, recording the feed's messages."""

    def __init__(self, ring: EventRing, **kwargs: object) -> None:
        super().__init__()
        self.ring = ring
        self.kwargs = kwargs
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield CountingFeed(self.ring, utc=True, id="feed", **self.kwargs)

    def on_event_feed_highlighted(self, message: EventFeed.Highlighted) -> None:
        self.messages.append(message)

    def on_event_feed_status_changed(self, message: EventFeed.StatusChanged) -> None:
        self.messages.append(message)

    @property
    def feed(self) -> CountingFeed:
        return self.query_one(CountingFeed)

    def of(self, kind: type[Message]) -> list[Message]:
        return [m for m in self.messages if isinstance(m, kind)]


def filled(count: int, capacity: int = 1000, **make: object) -> EventRing:
    ring = EventRing(capacity)
    ring.extend([receive(i, **make) for i in range(count)])  # type: ignore[arg-type]
    return ring


def screen_rows(feed: EventFeed) -> list[str]:
    return [feed.render_line(y).text for y in range(feed.scrollable_content_region.height)]


def shown(feed: EventFeed) -> list[int]:
    return [event.seq for event in feed.view]


async def settle_filter(feed: EventFeed, pilot: object) -> None:
    for _ in range(200):
        if not feed.filtering:
            break
        await pilot.pause()  # type: ignore[attr-defined]
    assert not feed.filtering
    feed.flush()
    await pilot.pause()  # type: ignore[attr-defined]


# -- rows ------------------------------------------------------------------------------------


async def test_rows_show_time_name_glyph_size_and_preview() -> None:
    ring = EventRing(100)
    ring.extend(
        [
            StartEvent("alpha", T0, seq=1, url="ws://127.0.0.1:8765/echo"),
            SendEvent("alpha", T0 + 0.25, seq=2, data="hello", size=5),
            receive(3, "a-very-long-connection-name", "world"),
            receive(4, "alpha", b"\x00\x01\xff"),
            ErrorEvent("alpha", T0 + 1, seq=5, kind="connect", message="refused"),
            StopEvent("alpha", T0 + 2, seq=6, code=1000, reason="bye", by="server"),
        ]
    )
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rows = screen_rows(app.feed)
        assert rows[0].startswith("22:13:20.000 alpha        + ")
        assert "open ws://127.0.0.1:8765/echo" in rows[0]
        assert rows[1].startswith("22:13:20.250 alpha        >      5 B hello")
        assert rows[2].startswith("22:13:20.003 a-very-long… <      5 B world")
        assert "<      3 B bin 00 01 ff" in rows[3]
        assert "! " in rows[4]
        assert "connect: refused" in rows[4]
        assert "- " in rows[5]
        assert "closed by server, 1000 normal closure: bye" in rows[5]
        assert rows[6].strip() == ""
        assert all(len(row) == app.feed.scrollable_content_region.width for row in rows)


async def test_binary_preview_follows_the_connection_receive_view() -> None:
    ring = EventRing(10)
    ring.extend([receive(1, "b64", b"\x00\x01\xff"), receive(2, "txt", b"hi\x07")])
    views = {"b64": "base64", "txt": "text"}
    app = FeedApp(ring, receive_view=lambda name: views.get(name, "hex"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rows = screen_rows(app.feed)
        assert rows[0].rstrip().endswith("3 B bin AAH/")
        assert rows[1].rstrip().endswith("3 B bin hi\\x07")  # told apart from a text frame


async def test_markup_and_escapes_in_payloads_are_shown_literally() -> None:
    ring = EventRing(10)
    ring.extend([receive(1, "[b]x[/b]", "[bold red]x[/] \x1b[2J\u202e")])
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        strip = app.feed.render_line(0)
        text = "".join(segment.text for segment in strip)
        assert "[bold red]x[/] \\x1b[2J\\u202e" in text
        assert "[b]x[/b]" in text
        assert "\x1b" not in text
        assert "\u202e" not in text
        colors = {
            segment.style.color.name for segment in strip if segment.style and segment.style.color
        }
        assert "red" not in colors


async def test_no_color_keeps_the_cursor_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = FeedApp(filled(3))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.no_color
        cursor_row = app.feed.render_line(2)
        assert all(seg.style is not None and seg.style.reverse for seg in cursor_row)
        assert not any(seg.style and seg.style.reverse for seg in app.feed.render_line(1))
        assert " < " in cursor_row.text  # the glyph still says "received"


# -- cost ------------------------------------------------------------------------------------


async def test_a_million_events_cost_one_screen_of_rendering() -> None:
    ring = EventRing(1_000_000)
    ring.extend([receive(0)] * 999_000)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        await pilot.pause()
        height = feed.scrollable_content_region.height
        assert height == 30
        feed.rendered.clear()
        feed.lines_drawn = 0
        ring.extend([receive(i) for i in range(1, 1001)])  # the ring is now full
        feed.events_added()
        feed.flush()
        await pilot.pause()
        assert feed.lines_drawn == height
        assert len(feed.rendered) == height
        assert sorted(feed.rendered) == list(range(1_000_000 - height, 1_000_000))
        assert feed.virtual_size.height == 1_000_000
        assert screen_rows(feed)[-1].endswith("message 1000".ljust(len(screen_rows(feed)[-1]) - 37))

        # Scrolling back over rows already drawn costs nothing.
        feed.rendered.clear()
        feed.refresh()
        await pilot.pause()
        assert feed.rendered == []


async def test_repaints_are_coalesced_under_load() -> None:
    ring = filled(10)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        await pilot.pause()
        feed.flush()
        before = feed.flushes
        for i in range(10, 30):
            ring.extend([receive(i)])
            feed.events_added()
        assert feed.flushes == before  # within REPAINT_INTERVAL of the last flush: deferred
        assert feed.new_since_pause == 0
        feed.flush()
        assert screen_rows(feed)[29].rstrip().endswith("message 29")


async def test_paused_feed_does_not_repaint_for_rows_off_screen() -> None:
    ring = filled(100)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        await pilot.pause()
        feed.focus()
        await pilot.press("home")
        await pilot.pause()
        feed.rendered.clear()
        feed.lines_drawn = 0
        ring.extend([receive(i) for i in range(100, 150)])
        feed.events_added()
        feed.flush()
        await pilot.pause()
        assert feed.rendered == []
        assert feed.lines_drawn == 0
        assert feed.new_since_pause == 120  # the rows below the screen, which End shows
        assert feed.virtual_size.height == 150  # the scrollbar still knows


# -- follow mode -----------------------------------------------------------------------------


async def test_follow_keeps_the_newest_event_visible() -> None:
    ring = filled(10)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        await pilot.pause()
        assert feed.following
        for start in (10, 100, 500):
            ring.extend([receive(i) for i in range(start, start + 40)])
            feed.events_added()
            feed.flush()
            await pilot.pause()
            assert screen_rows(feed)[-1].rstrip().endswith(f"message {start + 39}")
            assert feed.highlighted is not None
            assert feed.highlighted.seq == start + 39


async def test_moving_up_pauses_counts_new_events_and_end_resumes() -> None:
    ring = filled(100)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        feed.focus()
        await pilot.pause()
        await pilot.press("up")
        await pilot.pause()
        assert not feed.following
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 98
        top, rows = feed.scroll_y, screen_rows(feed)

        ring.extend([receive(i) for i in range(100, 105)])
        feed.events_added()
        feed.flush()
        await pilot.pause()
        assert feed.new_since_pause == 5
        assert feed.scroll_y == top
        assert screen_rows(feed) == rows
        status = app.of(EventFeed.StatusChanged)[-1]
        assert isinstance(status, EventFeed.StatusChanged)
        assert (status.following, status.new_since_pause, status.shown) == (False, 5, 105)
        assert status.control is feed

        await pilot.press("end")
        await pilot.pause()
        assert feed.following
        assert feed.new_since_pause == 0
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 104
        assert screen_rows(feed)[-1].rstrip().endswith("message 104")


async def test_paused_view_stays_on_its_events_while_the_ring_evicts() -> None:
    ring = filled(200, capacity=200)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        feed.focus()
        await pilot.pause()
        await pilot.press("k")
        for _ in range(39):
            feed.action_cursor_up()
        await pilot.pause()
        first_row = screen_rows(feed)[0]
        ring.extend([receive(i) for i in range(200, 250)])  # evicts 50 above the view
        feed.events_added()
        feed.flush()
        await pilot.pause()
        assert screen_rows(feed)[0] == first_row
        assert feed.dropped == 50
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 159
        status = app.of(EventFeed.StatusChanged)[-1]
        assert isinstance(status, EventFeed.StatusChanged)
        assert status.dropped == 50


async def test_cursor_keys() -> None:
    ring = filled(100)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        feed.focus()
        await pilot.pause()

        def seq() -> int:
            assert feed.highlighted is not None
            return feed.highlighted.seq

        await pilot.press("g")
        assert (seq(), feed.scroll_y) == (0, 0)
        await pilot.press("j", "down")
        assert seq() == 2
        await pilot.press("pagedown")
        assert seq() == 31
        await pilot.press("pageup")
        assert seq() == 2
        await pilot.press("k", "up", "up")
        assert seq() == 0
        await pilot.press("G")
        assert seq() == 99
        assert feed.following
        await pilot.press("home")
        assert seq() == 0
        assert not feed.following
        highlighted = app.of(EventFeed.Highlighted)
        assert [
            m.event.seq for m in highlighted if isinstance(m, EventFeed.Highlighted) and m.event
        ][-3:] == [0, 99, 0]
        assert all(m.control is feed for m in highlighted if isinstance(m, EventFeed.Highlighted))


async def test_click_highlights_a_row() -> None:
    ring = filled(10)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click(CountingFeed, offset=(20, 3))
        await pilot.pause()
        assert app.feed.highlighted is not None
        assert app.feed.highlighted.seq == 3
        assert not app.feed.following


# -- filters ---------------------------------------------------------------------------------


def mixed() -> EventRing:
    ring = EventRing(1000)
    events: list[Event] = []
    for i in range(60):
        conn = ("alpha", "beta", "gamma")[i % 3]
        if i % 10 == 0:
            events.append(ErrorEvent(conn, T0 + i, seq=i, kind="connect", message=f"oops {i}"))
        elif i % 2:
            events.append(SendEvent(conn, T0 + i, seq=i, data=f"ping {i}", size=6))
        else:
            events.append(receive(i, conn, f'{{"price": {i}}}'))
    ring.extend(events)
    return ring


async def test_filter_by_connection_kind_and_search() -> None:
    app = FeedApp(mixed())
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        await pilot.pause()
        assert len(feed.view) == 60

        feed.set_filter(FeedFilter(connections={"beta"}))
        await settle_filter(feed, pilot)
        assert shown(feed) == list(range(1, 60, 3))
        assert all(" beta " in row for row in screen_rows(feed)[:20])

        feed.set_filter(FeedFilter(kinds={"error"}))
        await settle_filter(feed, pilot)
        assert shown(feed) == [0, 10, 20, 30, 40, 50]
        assert all(" ! " in row for row in screen_rows(feed)[:6])

        feed.set_filter(FeedFilter(kinds={"error", "send"}))
        await settle_filter(feed, pilot)
        assert shown(feed)[:4] == [0, 1, 3, 5]  # errors and sends, no receives

        feed.set_filter(FeedFilter(search="PING 1"))
        await settle_filter(feed, pilot)
        assert shown(feed) == [1, 11, 13, 15, 17, 19]

        feed.set_filter(FeedFilter(search=r'"price": [1-2]\d\}', regex=True))
        await settle_filter(feed, pilot)
        assert shown(feed) == [12, 14, 16, 18, 22, 24, 26, 28]
        assert screen_rows(feed)[0].rstrip().endswith('{"price": 12}')

        feed.set_filter(replace(feed.filter, connections={"beta", "gamma"}))
        await settle_filter(feed, pilot)
        assert shown(feed) == [14, 16, 22, 26, 28]

        feed.set_filter(FeedFilter())
        await settle_filter(feed, pilot)
        assert len(feed.view) == 60


async def test_invalid_regex_raises_with_a_message_and_keeps_the_filter() -> None:
    app = FeedApp(mixed())
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        await pilot.pause()
        feed.set_filter(FeedFilter(search="ping"))
        with pytest.raises(ValueError, match=r"invalid regular expression: .+ at position \d+"):
            feed.set_filter(FeedFilter(search="ping (", regex=True))
        assert feed.filter.search == "ping"


async def test_refilter_of_a_big_ring_runs_in_steps_and_new_events_keep_flowing() -> None:
    ring = EventRing(200_000)
    ring.extend([receive(i, conn=f"c{i % 5}") for i in range(120_000)])
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        await pilot.pause()
        feed.set_filter(FeedFilter(connections={"c3"}))
        assert feed.filtering  # one step cannot cover 120 000 events
        ring.extend([receive(i, conn="c3") for i in range(120_000, 120_010)])
        feed.events_added()
        await settle_filter(feed, pilot)
        assert len(feed.view) == 24_000 + 10
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 120_009


async def test_catastrophic_regex_does_not_hang_the_feed() -> None:
    ring = EventRing(100)
    ring.extend([receive(i, data="a" * 4000 + "b") for i in range(10)])
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        await pilot.pause()
        feed.set_filter(FeedFilter(search="(a+)+$", regex=True))
        await settle_filter(feed, pilot)
        assert feed.filter_error is not None
        assert "catastrophic" in feed.filter_error
        status = app.of(EventFeed.StatusChanged)[-1]
        assert isinstance(status, EventFeed.StatusChanged)
        assert status.error == feed.filter_error


async def test_paused_cursor_survives_a_filter_change() -> None:
    app = FeedApp(mixed())
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        feed.focus()
        await pilot.pause()
        await pilot.press("g", "j")
        for _ in range(20):
            feed.action_cursor_down()
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 21
        feed.set_filter(FeedFilter(connections={"alpha"}))
        await settle_filter(feed, pilot)
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 21
        feed.set_filter(FeedFilter(connections={"beta"}))
        await settle_filter(feed, pilot)
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 22


# -- export, copy, clear ---------------------------------------------------------------------


async def test_export_writes_only_the_filtered_events_as_jsonl_0600(tmp_path: Path) -> None:
    app = FeedApp(mixed())
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        await pilot.pause()
        feed.set_filter(FeedFilter(kinds={"error"}))
        folder = tmp_path / "exports"
        folder.mkdir()
        target = folder / "export.jsonl"
        target.write_text("old content\n")
        os.chmod(target, 0o644)
        assert feed.export(target) == 6
        lines = target.read_text(encoding="utf-8").splitlines()
        decoded = [decode_line(line) for line in lines]
        assert [event.seq for event in decoded] == [0, 10, 20, 30, 40, 50]
        assert all(isinstance(event, ErrorEvent) for event in decoded)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert sorted(p.name for p in folder.iterdir()) == ["export.jsonl"]


async def test_copy_puts_the_json_line_on_the_clipboard() -> None:
    ring = filled(5)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        feed.focus()
        await pilot.pause()
        await pilot.press("up", "y")
        await pilot.pause()
        assert app.clipboard == encode_line(ring[3])
        assert decode_line(app.clipboard).seq == 3


async def test_clear_empties_the_feed_and_undo_brings_it_back() -> None:
    ring = filled(50, capacity=20)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        feed.focus()
        await pilot.pause()
        assert feed.dropped == 30
        await pilot.press("up")
        assert feed.clear() == 20
        await pilot.pause()
        assert len(ring) == 20  # kept in memory for undo
        assert len(feed.view) == 0
        assert feed.dropped == 0
        assert feed.following
        assert feed.highlighted is None
        assert all(row.strip() == "" for row in screen_rows(feed))
        last = app.of(EventFeed.Highlighted)[-1]
        assert isinstance(last, EventFeed.Highlighted)
        assert last.event is None
        status = app.of(EventFeed.StatusChanged)[-1]
        assert isinstance(status, EventFeed.StatusChanged)
        assert (status.dropped, status.shown, status.following) == (0, 0, True)
        assert feed.check_action("copy", ()) is None
        ring.extend([receive(99)])
        feed.events_added()
        feed.flush()
        assert screen_rows(feed)[0].rstrip().endswith("message 99")
        assert feed.undo_clear() == 19  # one cleared event left the ring for message 99
        assert not feed.can_undo_clear
        await pilot.pause()
        assert shown(feed) == [*range(31, 50), 99]
        assert feed.dropped == 30


def test_bindings_have_stable_ids() -> None:
    ids = {binding.id for binding in EventFeed.BINDINGS if isinstance(binding, Binding)}
    assert {
        "feed.up",
        "feed.down",
        "feed.page_up",
        "feed.page_down",
        "feed.top",
        "feed.bottom",
        "feed.follow",
        "feed.copy",
        "feed.clear",
        "feed.undo_clear",
    } <= ids


def _without_size(row: str) -> str:
    """A row without its size column (which says ``dropped`` once the event is evicted)."""
    return row[:28] + row[37:]


async def test_paused_screen_is_frozen_while_the_ring_wraps() -> None:
    ring = filled(200, capacity=200)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        feed.focus()
        await pilot.pause()
        for _ in range(10):
            feed.action_cursor_up()  # paused, the highlight mid-screen
        await pilot.pause()
        before = screen_rows(feed)
        highlighted = feed.highlighted
        assert highlighted is not None
        assert highlighted.seq == 189
        posted = len(app.of(EventFeed.Highlighted))
        seq = 200
        for _ in range(25):  # 1000 events in batches of 40: the ring wraps five times
            ring.extend([receive(i) for i in range(seq, seq + 40)])
            seq += 40
            feed.events_added()
            assert [_without_size(r) for r in screen_rows(feed)] == [
                _without_size(r) for r in before
            ]
            await pilot.pause()
        feed.flush()
        await pilot.pause()
        after = screen_rows(feed)
        assert [_without_size(r) for r in after] == [_without_size(r) for r in before]
        assert all("dropped" in row[28:37] for row in after if row.strip())
        assert feed.highlighted == highlighted  # and the detail pane was not told otherwise
        assert feed.highlighted_dropped
        assert len(app.of(EventFeed.Highlighted)) == posted
        # Never more "new" than End can show; the rest are said to be dropped.
        assert feed.new_since_pause == 200
        assert feed.dropped_since_pause == 800
        status = app.of(EventFeed.StatusChanged)[-1]
        assert isinstance(status, EventFeed.StatusChanged)
        assert (status.new_since_pause, status.dropped_since_pause) == (200, 800)
        await pilot.press("end")
        await pilot.pause()
        assert feed.following
        assert feed.highlighted is not None
        assert feed.highlighted.seq == seq - 1
        assert not feed.highlighted_dropped
        assert "dropped" not in "".join(r[28:37] for r in screen_rows(feed))


async def test_moving_off_a_dropped_row_forgets_it() -> None:
    ring = filled(100, capacity=100)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        feed = app.feed
        feed.focus()
        await pilot.pause()
        feed.action_top()  # paused on the oldest event
        await pilot.pause()
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 0
        ring.extend([receive(i) for i in range(100, 200)])
        feed.events_added()
        feed.flush()
        await pilot.pause()
        assert feed.highlighted_dropped
        assert "dropped" in screen_rows(feed)[0][28:37]
        feed.action_page_down()
        feed.action_page_down()
        feed.action_page_down()
        feed.action_page_down()
        await pilot.pause()
        assert not feed.highlighted_dropped
        feed.action_top()
        await pilot.pause()
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 100
