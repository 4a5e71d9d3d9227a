"""The inspector fits its room: hex dumps by width, full-screen at 80x24, folds, wraps, copies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.app.conftest import conn, wait_until
from tests.app.test_feed_detail import DetailApp, rendered
from tui.app import WsdeckApp
from tui.core.events import Event, ReceiveEvent, SendEvent, StartEvent, encode_line
from tui.screens.detail import DetailScreen
from tui.screens.main import MainScreen
from tui.widgets.detail import DetailPane, detail_lines
from tui.widgets.feed import EventFeed

T0 = 1_700_000_000.0
DATA = bytes(range(40))
DEEP = {"a": {"b": {"c": {"d": {"e": [1, 2, 3]}}}}, "list": [[[[["x"], []]]]]}


def dump(pane: DetailPane) -> list[str]:
    """The hex dump lines on screen (the header above may wrap on a narrow pane)."""
    return [row for row in rendered(pane) if row.startswith("000000")]


def binary(data: bytes = DATA) -> SendEvent:
    return SendEvent("echo", T0, seq=1, data=data, size=len(data))


def text(data: str, seq: int = 1) -> ReceiveEvent:
    return ReceiveEvent("echo", T0, seq=seq, data=data, size=len(data.encode()))


# -- hex dump by width ---------------------------------------------------------------------


WIDE = "00000020  20 21 22 23 24 25 26 27" + " " * 24 + "   !\"#$%&'"


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (  # 16 bytes do not fit: 8 a line, five whole lines, nothing wrapped
            60,
            [
                "00000000  00 01 02 03 04 05 06 07  ........",
                "00000008  08 09 0a 0b 0c 0d 0e 0f  ........",
                "00000010  10 11 12 13 14 15 16 17  ........",
                "00000018  18 19 1a 1b 1c 1d 1e 1f  ........",
                "00000020  20 21 22 23 24 25 26 27   !\"#$%&'",
            ],
        ),
        (
            120,
            [
                "00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ................",
                "00000010  10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f  ................",
                WIDE,
            ],
        ),
        (  # narrower than even 8 bytes: cut at the edge, still not wrapped
            30,
            [
                "00000000  00 01 02 03 04 05 06",
                "00000008  08 09 0a 0b 0c 0d 0e",
                "00000010  10 11 12 13 14 15 16",
                "00000018  18 19 1a 1b 1c 1d 1e",
                "00000020  20 21 22 23 24 25 26",
            ],
        ),
    ],
)
async def test_hex_dump_lines_fit_the_width(width: int, expected: list[str]) -> None:
    app = DetailApp()
    async with app.run_test(size=(width, 20)) as pilot:
        app.pane.show(binary())
        await pilot.pause()
        rows = rendered(app.pane)
        start = rows.index(expected[0])
        assert rows[start : start + len(expected) + 1] == [*expected, ""]


async def test_the_hex_dump_is_laid_out_again_on_resize() -> None:
    app = DetailApp()
    async with app.run_test(size=(120, 20)) as pilot:
        app.pane.show(binary())
        await pilot.pause()
        assert dump(app.pane)[2] == WIDE
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert dump(app.pane)[1] == "00000008  08 09 0a 0b 0c 0d 0e 0f  ........"


# -- full-screen at 80x24 ------------------------------------------------------------------


async def feed_showing(pilot: Pilot[Any], events: list[Event]) -> EventFeed:
    """Put ``events`` in the App's feed, focus it, and wait until one is highlighted."""
    app = pilot.app
    assert isinstance(app, WsdeckApp)
    app.ring.extend(events)
    app.main.events_arrived()
    feed = app.main.query_one(EventFeed)
    feed.focus()
    await wait_until(pilot, lambda: feed.highlighted is not None)
    return feed


def sample_events() -> list[Event]:
    return [
        StartEvent("echo", T0, seq=1, url="ws://127.0.0.1:9/echo"),
        ReceiveEvent("echo", T0 + 1, seq=2, data=DATA, size=len(DATA)),
    ]


async def test_detail_opens_full_screen_at_80x24_and_d_goes_back(make_app: Any) -> None:
    app = make_app(conn("echo", "ws://127.0.0.1:9/echo"))
    async with app.run_test(size=(80, 24)) as pilot:
        await feed_showing(pilot, sample_events())
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen))
        pane = app.screen.query_one(DetailPane)
        assert pane.region.width == 80
        assert pane.has_focus
        await pilot.pause()
        assert pane.event == sample_events()[1]
        assert dump(pane)[0].startswith("00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d")
        keys = app.screen.active_bindings.values()
        assert any(key.binding.description == "Back to feed" for key in keys)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert not app.main.query_one("#detail").display


async def test_detail_opens_beside_the_feed_at_120x40(make_app: Any) -> None:
    app = make_app(conn("echo", "ws://127.0.0.1:9/echo"))
    async with app.run_test(size=(120, 40)) as pilot:
        await feed_showing(pilot, sample_events())
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        side = app.main.query_one("#detail", DetailPane)
        assert side.display
        # ~53 cells beside the feed: 8 bytes a line, whole.
        assert dump(side)[0] == "00000000  00 01 02 03 04 05 06 07  ........"


# -- JSON folding and wrapping -------------------------------------------------------------


def test_deep_json_is_folded_with_counts() -> None:
    lines = [line.text for line in detail_lines(text(json.dumps(DEEP)))]
    assert lines[3] == "folded beyond level 4; z unfolds"
    assert lines[4:] == [
        "{",
        '  "a": {',
        '    "b": {',
        '      "c": {',
        '        "d": {… 1 key}',
        "      }",
        "    }",
        "  },",
        '  "list": [',
        "    [",
        "      [",
        "        [… 2 items]",
        "      ]",
        "    ]",
        "  ]",
        "}",
    ]


def test_unfolded_json_is_what_json_dumps_prints() -> None:
    lines = [line.text for line in detail_lines(text(json.dumps(DEEP)), fold_depth=None)]
    assert lines[3:] == json.dumps(DEEP, indent=2).split("\n")


async def test_z_unfolds_and_folds_again() -> None:
    app = DetailApp()
    async with app.run_test(size=(100, 40)) as pilot:
        app.pane.show(text('{"shallow": [1, 2]}'))
        app.pane.focus()
        await pilot.pause()
        assert app.pane.check_action("unfold", ()) is None  # nothing to unfold: greyed
        await pilot.press("z")
        assert not app.pane.unfolded
        app.pane.show(text(json.dumps(DEEP), seq=2))
        await pilot.pause()
        assert app.pane.folded
        assert app.pane.check_action("unfold", ())
        assert '        "d": {… 1 key}' in rendered(app.pane)
        await pilot.press("z")
        await pilot.pause()
        assert not app.pane.folded
        assert '          "e": [' in rendered(app.pane)
        app.pane.show(text(json.dumps(DEEP), seq=3))  # stays unfolded for the next event
        await pilot.pause()
        assert '          "e": [' in rendered(app.pane)
        await pilot.press("z")
        await pilot.pause()
        assert '        "d": {… 1 key}' in rendered(app.pane)


async def test_w_turns_wrapping_off_and_the_pane_scrolls_sideways() -> None:
    long = "".join(f"{index:04d} " for index in range(60))  # 300 cells
    app = DetailApp()
    async with app.run_test(size=(100, 20)) as pilot:
        app.pane.show(text(long))
        app.pane.focus()
        await pilot.pause()
        rows = rendered(app.pane)
        assert rows[3] == long[:100].rstrip()
        assert rows[4] == long[100:200].rstrip()
        await pilot.press("w")
        await pilot.pause()
        rows = rendered(app.pane)
        assert rows[3] == long[:100].rstrip()
        assert rows[4] == ""
        assert app.pane.virtual_size.width == 300
        await pilot.press("right", "right")  # the pane scrolls sideways from the keyboard
        await pilot.pause()
        assert app.pane.scroll_x > 0
        app.pane.scroll_to(x=200, animate=False)
        await pilot.pause()
        assert rendered(app.pane)[3] == long[200:].rstrip()
        await pilot.press("w")
        await pilot.pause()
        assert rendered(app.pane)[4] == long[100:200].rstrip()


# -- copying -------------------------------------------------------------------------------


async def test_y_copies_the_event_and_shift_y_the_payload_alone(make_app: Any) -> None:
    events: list[Event] = [
        ReceiveEvent("echo", T0, seq=1, data=b"\x00\x01\xff", size=3),
        ReceiveEvent("echo", T0 + 1, seq=2, data='{"op": "ping"}', size=14),
    ]
    app = make_app(conn("echo", "ws://127.0.0.1:9/echo"))
    async with app.run_test(size=(120, 40)) as pilot:
        feed = await feed_showing(pilot, events)
        assert feed.highlighted == events[1]
        await pilot.press("Y")
        assert app.clipboard == '{"op": "ping"}'
        await pilot.press("y")
        assert app.clipboard == encode_line(events[1])
        await pilot.press("up", "Y")
        assert app.clipboard == "AAH/"  # binary: base64
        await pilot.press("d", "tab")  # the side pane copies what it shows
        side = app.main.query_one("#detail", DetailPane)
        await wait_until(pilot, lambda: side.has_focus)
        app.copy_to_clipboard("")
        await pilot.press("Y")
        assert app.clipboard == "AAH/"


async def test_shift_y_copies_nothing_from_an_event_without_payload(make_app: Any) -> None:
    app = make_app(conn("echo", "ws://127.0.0.1:9/echo"))
    async with app.run_test(size=(120, 40)) as pilot:
        await feed_showing(pilot, sample_events()[:1])
        await pilot.press("Y")
        assert app.clipboard == ""
        await pilot.press("y")
        assert app.clipboard == encode_line(sample_events()[0])
