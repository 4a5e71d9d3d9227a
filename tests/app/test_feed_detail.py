"""DetailPane: headers, fields, pretty JSON, hex dumps, and limits on hostile payloads."""

from __future__ import annotations

import json
import time

from textual.app import App, ComposeResult

from tui.core.events import ErrorEvent, Event, ReceiveEvent, SendEvent, StartEvent, StopEvent
from tui.core.ring import EventRing
from tui.widgets.detail import JSON_MAX_DEPTH, DetailPane, detail_lines
from tui.widgets.feed import EventFeed

T0 = 1_700_000_000.0


def text_event(data: str, seq: int = 7) -> ReceiveEvent:
    return ReceiveEvent("echo", T0, seq=seq, data=data, size=len(data.encode()))


class DetailApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPane(utc=True)

    @property
    def pane(self) -> DetailPane:
        return self.query_one(DetailPane)


def rendered(pane: DetailPane) -> list[str]:
    return [pane.render_line(y).text.rstrip() for y in range(pane.size.height)]


async def test_pretty_json_with_header() -> None:
    app = DetailApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.pane.show(text_event('{"a":[1,2]}'))
        await pilot.pause()
        rows = rendered(app.pane)
        assert rows[0] == "#7  echo  receive  11 B"
        assert rows[1] == "2023-11-14T22:13:20.000+00:00"
        assert rows[2] == "text: 11 bytes"
        assert rows[3:9] == ["{", '  "a": [', "    1,", "    2", "  ]", "}"]
        assert not app.pane.limited


def test_pretty_json_keeps_its_escapes_and_escapes_what_a_terminal_acts_on() -> None:
    payload = '{"say": "a \\"quote\\"\\nnext", "bidi": "\u202e\u0085", "raw": "C:\\\\x1b"}'
    lines = [line.text for line in detail_lines(text_event(payload))]
    # JSON's own escapes are shown once (a backslash in pretty JSON is always an escape);
    # RLO and NEL become JSON escapes instead of reaching the terminal.
    assert '  "say": "a \\"quote\\"\\nnext",' in lines
    assert '  "bidi": "\\u202e\\u0085",' in lines
    assert '  "raw": "C:\\\\x1b"' in lines
    # Raw (not JSON) text keeps printable()'s rule: a literal backslash is doubled.
    assert "C:\\\\x1b \\u202e" in [line.text for line in detail_lines(text_event("C:\\x1b \u202e"))]


async def test_binary_shows_a_hex_dump_with_offsets_and_base64() -> None:
    data = bytes(range(40))
    app = DetailApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.pane.show(SendEvent("echo", T0, seq=1, data=data, size=len(data)))
        await pilot.pause()
        rows = rendered(app.pane)
        assert rows[2] == "binary: 40 bytes"
        assert rows[3].startswith("00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ")
        assert rows[4].startswith("00000010  10 11")
        assert rows[5].startswith("00000020  20 21 22 23 24 25 26 27")
        assert rows[5].endswith(" !\"#$%&'")
        assert "base64" in rows
        assert "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJw==" in rows


async def test_deeply_nested_json_is_shown_raw_with_a_note() -> None:
    deep = "[" * 10_000 + "]" * 10_000
    app = DetailApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.pane.show(text_event(deep))
        await pilot.pause()
        assert app.pane.limited
        assert any("too deeply nested to pretty-print" in row for row in rendered(app.pane))
        assert rendered(app.pane)[4].startswith("[[[[")


def test_json_just_over_the_depth_limit_is_not_pretty_printed() -> None:
    ok = "[" * JSON_MAX_DEPTH + "]" * JSON_MAX_DEPTH
    too_deep = "[" * (JSON_MAX_DEPTH + 1) + "]" * (JSON_MAX_DEPTH + 1)
    assert not any(line.role == "note" for line in detail_lines(text_event(ok)))
    assert any("too deeply nested" in line.text for line in detail_lines(text_event(too_deep)))


async def test_a_huge_single_line_is_capped_with_a_note() -> None:
    huge = "x" * (1024 * 1024)
    app = DetailApp()
    async with app.run_test(size=(100, 30)) as pilot:
        started = time.perf_counter()
        app.pane.show(text_event(huge))
        await pilot.pause()
        assert time.perf_counter() - started < 5  # generous: it is ~ms; only guards a hang
        assert app.pane.limited
        assert app.pane.text_lines[-1].startswith(f"… {1024 * 1024 - 64 * 1024} more bytes")
        width = app.pane.scrollable_content_region.width
        assert app.pane.virtual_size.height < 64 * 1024 // width + 10
        app.pane.scroll_end(animate=False)
        await pilot.pause()
        assert "more bytes" in rendered(app.pane)[-1] or any(
            "more bytes" in row for row in rendered(app.pane)
        )


async def test_show_after_an_expensive_event_is_deferred_and_the_last_wins() -> None:
    big = text_event(json.dumps([{"k": i} for i in range(10_000)]))
    app = DetailApp()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.pane
        pane.show(big)
        assert pane.event is big
        small = [text_event(f"small {i}", seq=i) for i in range(3)]
        for event in small:
            pane.show(event)
        assert pane.event is big  # building the big one earned the pane a rest
        pane.flush()
        await pilot.pause()
        assert pane.event is small[-1]
        assert rendered(pane)[3] == "small 2"


def test_big_json_is_not_parsed() -> None:
    big = json.dumps({"k": "v" * (300 * 1024)})
    lines = detail_lines(text_event(big))
    assert "over the 256 KiB limit" in lines[3].text


def test_text_is_escaped_and_keeps_its_lines() -> None:
    lines = [line.text for line in detail_lines(text_event("[red]hi[/]\n\x1b[2J\tx"))]
    assert lines[3:] == ["[red]hi[/]", "\\x1b[2J\\tx"]


def test_start_stop_and_error_fields() -> None:
    stop = StopEvent("echo", T0, seq=3, code=1001, reason="maintenance", by="server")
    assert [line.text for line in detail_lines(stop, utc=True)][2:] == [
        "code: 1001 (going away)",
        "reason: maintenance",
        "by: server",
    ]
    start = StartEvent("echo", T0, seq=1, url="ws://127.0.0.1:1/x", subprotocol="chat")
    assert [line.text for line in detail_lines(start)][2:] == [
        "url: ws://127.0.0.1:1/x",
        "subprotocol: chat",
        "attempt: 1",
    ]
    error = ErrorEvent("echo", T0, seq=2, kind="tls", message="bad cert\n\x1b]0;pwned\x07")
    assert [line.text for line in detail_lines(error)][2:] == [
        "kind: tls",
        "message",
        "bad cert",
        "\\x1b]0;pwned\\x07",
    ]
    assert detail_lines(None)[0].text == "No event highlighted."


class FeedAndDetail(App[None]):
    def __init__(self, ring: EventRing) -> None:
        super().__init__()
        self.ring = ring

    def compose(self) -> ComposeResult:
        yield EventFeed(self.ring, utc=True)
        yield DetailPane(utc=True)

    def on_event_feed_highlighted(self, message: EventFeed.Highlighted) -> None:
        self.query_one(DetailPane).show(message.event)


async def test_detail_follows_the_feed_highlight() -> None:
    ring = EventRing(10)
    events: list[Event] = [text_event(f'{{"n": {i}}}', seq=i) for i in range(5)]
    ring.extend(events)
    app = FeedAndDetail(ring)
    async with app.run_test(size=(100, 30)) as pilot:
        feed = app.query_one(EventFeed)
        pane = app.query_one(DetailPane)
        feed.focus()
        await pilot.pause()
        assert pane.event == events[4]  # the ring keeps tuples: an equal event, rebuilt
        await pilot.press("up", "up")
        await pilot.pause()
        assert pane.event == events[2]
        assert '  "n": 2' in pane.text_lines
