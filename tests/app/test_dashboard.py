"""The real dashboard over the real demo server: node controls, composer, feed tools."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input

from tests.app.conftest import conn, events_of, run_in_palette, type_text, wait_until
from tui.core.client import State
from tui.core.events import decode_line
from tui.demo_server import DemoServer
from tui.screens.confirm import ConfirmScreen
from tui.screens.export import ExportScreen
from tui.widgets.composer import Composer
from tui.widgets.connection_table import ConnectionTable, human_bytes
from tui.widgets.detail import DetailPane
from tui.widgets.feed import EventFeed

SIZE = (120, 40)


def state_cell(app: Any, name: str) -> str:
    return str(app.main.query_one(ConnectionTable).get_cell(name, "state"))


async def test_workers_own_the_clients(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo")), conn("other", demo.endpoint("/echo")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        groups = {worker.group for worker in app.workers}
        assert {"connection:echo", "connection:other", "drain"} <= groups
        running = [w for w in app.workers if w.group == "connection:echo"]
        assert len(running) == 1
        assert running[0].is_running


async def test_start_shows_open_badge_and_stop_closes_with_1000(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert state_cell(app, "echo") == "○ stopped"
        assert app.main.query_one("#stop", Button).disabled
        await pilot.press("s")
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")
        assert events_of(app, "start", "echo")  # the badge follows the start event
        assert not app.main.query_one("#stop", Button).disabled
        await pilot.press("x")
        await wait_until(pilot, lambda: bool(events_of(app, "stop", "echo")))
        (stop,) = events_of(app, "stop", "echo")
        assert (stop.code, stop.by) == (1000, "client")
        await wait_until(pilot, lambda: state_cell(app, "echo") == "○ stopped")


async def test_send_disabled_while_stopped(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        composer = app.main.query_one(Composer)
        assert composer.query_one(Button).disabled
        await pilot.press("i")
        await type_text(pilot, "lost")
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert not events_of(app, "send")
        assert "not open" in composer.error
        await wait_until(pilot, lambda: bool(events_of(app, "error", "echo")))
        assert events_of(app, "error", "echo")[0].kind == "send"


async def test_send_in_each_composer_mode_echoes(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo"), auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")
        composer = app.main.query_one(Composer)
        await pilot.press("i")
        cases: list[tuple[str, str, str | bytes]] = [
            ("text", "hello", "hello"),
            ("json", '{"a": 1}', '{"a": 1}'),
            ("hex", "01 ff", b"\x01\xff"),
            ("base64", "AAEC/w==", b"\x00\x01\x02\xff"),
        ]
        for mode, typed, expected in cases:
            while composer.mode != mode:
                await pilot.press("ctrl+t")
            await type_text(pilot, typed)
            await pilot.press("ctrl+j")
            await wait_until(
                pilot, lambda e=expected: any(r.data == e for r in events_of(app, "receive"))
            )
        sent = [s.data for s in events_of(app, "send")]
        assert sent == [expected for _, _, expected in cases]


async def test_invalid_hex_shows_error_and_sends_nothing(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo"), auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")
        composer = app.main.query_one(Composer)
        composer.mode = "hex"
        await pilot.press("i")
        await type_text(pilot, "zz")
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert "invalid hex" in composer.error
        assert not events_of(app, "send")


async def test_markup_and_escapes_in_payload_are_literal(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo"), auto_start=True))
    payload = "[bold red]x[/] \x1b[2J"
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")
        app.send("echo", payload)
        await wait_until(pilot, lambda: bool(events_of(app, "receive")))
        feed = app.main.query_one(EventFeed)
        feed.flush()
        await pilot.pause()
        lines = [feed.render_line(y).text for y in range(feed.size.height)]
        shown = [line for line in lines if "[bold red]x[/]" in line]
        assert len(shown) == 2  # the send and the echo
        assert all("\\x1b[2J" in line for line in shown)
        assert not any("\x1b" in line for line in lines)


async def test_search_and_filter(demo: DemoServer, make_app: Any) -> None:
    app = make_app(
        conn("echo", demo.endpoint("/echo"), auto_start=True),
        conn("other", demo.endpoint("/echo"), auto_start=True),
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(events_of(app, "start")) == 2)
        for word in ("alpha", "needle-1", "beta", "needle-2"):
            app.send("echo", word)
        app.send("other", "needle-3")
        await wait_until(pilot, lambda: len(events_of(app, "receive")) == 5)
        feed = app.main.query_one(EventFeed)
        await pilot.press("slash")
        await type_text(pilot, "needle")
        await pilot.press("ctrl+f")  # only matches: the search becomes a filter
        await wait_until(pilot, lambda: feed.filter.search == "needle" and not feed.filtering)
        shown = [feed.view[i] for i in range(len(feed.view))]
        assert len(shown) == 6  # three sends and three echoes
        assert all("needle" in str(e.data) for e in shown)
        assert "search: needle" in str(app.main.query_one("#feed-status").render())
        feed.set_filter(
            feed.filter.__class__(connections=frozenset({"other"}), kinds=frozenset({"receive"}))
        )
        await pilot.pause()
        shown = [feed.view[i] for i in range(len(feed.view))]
        assert [(e.connection, e.data) for e in shown] == [("other", "needle-3")]


async def test_filter_screen_from_the_keyboard(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo"), auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(events_of(app, "start")))
        app.main.query_one(EventFeed).focus()
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("tab", "space")  # into the kinds list: untick "start"
        await pilot.press("ctrl+s")
        await pilot.pause()
        flt = app.main.query_one(EventFeed).filter
        assert flt.kinds is not None
        assert "start" not in flt.kinds
        assert "kinds:" in str(app.main.query_one("#feed-status").render())


async def test_follow_pause_and_new_count(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo"), auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")
        for i in range(40):
            app.send("echo", f"m{i}")
        await wait_until(pilot, lambda: len(events_of(app, "receive")) == 40)
        feed = app.main.query_one(EventFeed)
        feed.focus()
        assert feed.following
        await pilot.press("up", "up")
        assert not feed.following
        for i in range(3):
            app.send("echo", f"late{i}")
        await wait_until(pilot, lambda: len(events_of(app, "receive")) == 43)
        feed.flush()
        await pilot.pause()
        assert feed.new_since_pause == 6  # three sends and three echoes
        assert "6 new" in str(app.main.query_one("#feed-status").render())
        await pilot.press("end")
        await pilot.pause()
        assert feed.following
        assert feed.highlighted is not None
        assert feed.highlighted.data == "late2"


async def test_detail_pane_json_and_binary(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo"), auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")
        app.send("echo", '{"op": "ping", "n": [1, 2]}')
        await wait_until(pilot, lambda: len(events_of(app, "receive")) == 1)
        feed = app.main.query_one(EventFeed)
        feed.focus()
        await pilot.press("d")
        detail = app.main.query_one(DetailPane)
        assert detail.display
        await pilot.press("end")
        detail.flush()
        await pilot.pause()
        text = "\n".join(detail.text_lines)
        assert '"op": "ping"' in text
        assert "    1," in text  # pretty-printed, one item a line
        app.send("echo", bytes(range(20)))
        await wait_until(pilot, lambda: len(events_of(app, "receive")) == 2)
        feed.flush()
        await pilot.press("end")
        detail.flush()
        await pilot.pause()
        text = "\n".join(detail.text_lines)
        assert "00000000  00 01 02 03" in text
        assert "00000010  10 11 12 13" in text


async def test_export_writes_the_filtered_feed(
    demo: DemoServer, make_app: Any, tmp_path: Path
) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo"), auto_start=True))
    target = tmp_path / "out.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")
        for word in ("one", "two"):
            app.send("echo", word)
        await wait_until(pilot, lambda: len(events_of(app, "receive")) == 2)
        feed = app.main.query_one(EventFeed)
        feed.set_filter(feed.filter.__class__(kinds=frozenset({"receive"})))
        feed.focus()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists)
    lines = target.read_text().splitlines()
    events = [decode_line(line) for line in lines]
    assert [(e.EVENT, e.data) for e in events] == [("receive", "one"), ("receive", "two")]
    assert all(json.loads(line)["connection"] == "echo" for line in lines)
    assert target.stat().st_mode & 0o777 == 0o600


async def _export_to(pilot: Any, app: Any, text: str) -> None:
    app.main.query_one(EventFeed).focus()
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
    app.screen.query_one(Input).value = text
    await pilot.pause()


async def test_export_asks_before_replacing_a_file_and_shows_the_resolved_path(
    make_app: Any, tmp_path: Path
) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    app = make_app(conn("c", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await _export_to(pilot, app, f"{tmp_path}/sub/../out.jsonl")
        resolved = str(app.screen.query_one("#export-resolved").render())
        assert resolved == f"→ {target}"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert str(target) in app.screen.question
        await pilot.press("n")  # back to the path: nothing written
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        assert target.read_text() == "old\n"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: target.read_text() != "old\n")
    assert all(decode_line(line) for line in target.read_text().splitlines())


async def test_export_refuses_a_symlink_and_asks_before_creating_a_folder(
    make_app: Any, tmp_path: Path
) -> None:
    precious = tmp_path / "precious"
    precious.write_text("keep\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(precious)
    app = make_app(conn("c", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await _export_to(pilot, app, str(link))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)  # refused: the prompt stays
        assert any("symbolic link" in str(n.message) for n in app._notifications)
        assert link.is_symlink()
        assert precious.read_text() == "keep\n"

        target = tmp_path / "new" / "out.jsonl"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert f"The folder {tmp_path / 'new'} does not exist" in app.screen.question
        await pilot.press("y")
        await wait_until(pilot, target.exists)


async def test_an_export_that_fails_names_its_path(make_app: Any) -> None:
    # Said only "export failed: Permission denied", with the dialog (and the path) gone.
    target = "/sys/wsdeck-export-test.jsonl"  # not writable, even by root
    app = make_app(conn("c", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await _export_to(pilot, app, target)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen))
        await wait_until(pilot, lambda: any("failed" in str(n.message) for n in app._notifications))
        messages = [str(n.message) for n in app._notifications]
    failed = [m for m in messages if m.startswith(f"export to {target} failed: ")]
    assert failed, messages  # Permission denied, or Read-only file system where /sys is ro
    assert failed[0].endswith(" (e: export elsewhere)")


async def test_quit_asks_when_connections_are_open(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo"), auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running
        assert app.hub.get("echo").state is State.OPEN
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, timeout=5)
    assert app.return_value == 0


async def test_ctrl_c_says_how_to_quit(make_app: Any) -> None:
    # Textual's hint looks for its own "quit" action; wsdeck's quit asks first (another
    # action), so ctrl+c did nothing at all, the reflex of every terminal user unanswered.
    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: bool(app._notifications))
        assert app.is_running
        messages = [str(n.message) for n in app._notifications]
        assert "Press ctrl+q to quit" in messages


async def test_quit_without_open_connections_is_immediate(make_app: Any) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, timeout=5)


async def test_recording_and_quit_flush(demo: DemoServer, make_app: Any, tmp_path: Path) -> None:
    record = tmp_path / "rec.jsonl"
    app = make_app(
        conn(
            "echo",
            demo.endpoint("/echo"),
            auto_start=True,
            headers={"Authorization": "Bearer top-secret-value"},
        ),
        recording={"path": record},
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")
        app.send("echo", "kept")
        await wait_until(pilot, lambda: bool(events_of(app, "receive")))
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, timeout=5)
    text = record.read_text()
    kinds = [decode_line(line).EVENT for line in text.splitlines()]
    assert kinds == ["start", "send", "receive", "stop"]
    assert "top-secret-value" not in text
    assert record.stat().st_mode & 0o777 == 0o600


async def test_keymap_from_settings_rebinds_start(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo")), keymap={"connection.start": "f5"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert app.hub.get("echo").state is State.STOPPED  # "s" no longer starts
        await pilot.press("f5")
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")


async def test_palette_starts_a_connection(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await run_in_palette(pilot, "connection: start echo")
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")


async def test_help_lists_bindings_of_the_focused_area(make_app: Any) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        app.main.query_one(EventFeed).focus()
        await pilot.press("f1")
        await pilot.pause()
        screen = app.screen
        areas = [area for area, _ in screen.groups]
        assert areas[0] == "Event feed"
        descriptions = {d for _, rows in screen.groups for _, d, _, _ in rows}
        assert {"Follow", "Start", "Quit"} <= descriptions
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


async def test_fits_80x24_without_mouse(demo: DemoServer, make_app: Any) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo"), auto_start=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: state_cell(app, "echo") == "● open")
        main = app.main
        for selector in ("#connections", "#controls", "#feed", "#feed-status", "#composer"):
            region = main.query_one(selector).region
            assert region.height >= 1, selector
            assert region.bottom <= 24, selector
        assert main.query_one("#feed").region.height >= 3
        await pilot.press("tab")  # keyboard focus moves between panes
        assert app.focused is not None


@pytest.mark.serial
async def test_responsive_during_a_100k_flood(demo: DemoServer, make_app: Any) -> None:
    flood = conn("flood", demo.endpoint("/flood?count=100000&size=64"), compression="none")
    app = make_app(flood, conn("b", demo.endpoint("/echo")), feed={"max_events": 200_000})
    async with app.run_test(size=SIZE) as pilot:
        table = app.main.query_one(ConnectionTable)
        table.focus()
        await pilot.pause()
        app.simulate_key("s")  # pilot.press would wait for an idle app: the flood's end
        stats = app.hub.get("flood").stats
        async with asyncio.timeout(10):
            while stats.msgs_in < 2000:  # noqa: ASYNC110
                # Counters have no event to await; poll briefly (not pilot.pause: it waits
                # for an idle app, i.e. the end of the flood).
                await asyncio.sleep(0.005)
        started = time.monotonic()
        # As the terminal would deliver it: no waiting for the app to become idle first.
        app.simulate_key("j")
        async with asyncio.timeout(2):
            while table.selected != "b":  # noqa: ASYNC110
                await asyncio.sleep(0.005)
        delay = time.monotonic() - started
        assert stats.msgs_in < 100_000, "the flood ended before the key took effect"
        assert delay <= 0.5, f"the key took {delay:.3f}s during the flood"
        await wait_until(pilot, lambda: bool(events_of(app, "stop", "flood")), timeout=30)
        assert app.hub.get("flood").stats.msgs_in == 100_000
        assert len(events_of(app, "receive", "flood")) == 100_000


async def test_unverified_tls_shows_a_warning_badge(make_app: Any) -> None:
    app = make_app(
        conn("lax", "wss://127.0.0.1:9/", tls={"verify": False}),
        conn("strict", "wss://127.0.0.1:9/"),
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "⚠" in state_cell(app, "lax")
        assert "⚠" not in state_cell(app, "strict")


async def test_a_row_scrolled_into_view_shows_current_counters(
    demo: DemoServer, make_app: Any
) -> None:
    idle = [conn(f"idle{index:02d}", demo.endpoint("/echo")) for index in range(11)]
    ticker = conn("ticker", demo.endpoint("/ticker?rate=50"), auto_start=True)
    app = make_app(*idle, ticker)
    async with app.run_test(size=SIZE) as pilot:
        table = app.main.query_one(ConnectionTable)
        stats = app.hub.get("ticker").stats
        await wait_until(pilot, lambda: stats.msgs_in >= 10)
        await pilot.pause(0.6)  # a couple of table refreshes
        last = table.row_count - 1
        assert table.get_row_index("ticker") == last
        assert last not in table_rows_on_screen(table)
        current = f"{stats.msgs_in} / {human_bytes(stats.bytes_in)}"
        # Rows off screen are not formatted (that is what keeps 500 rows cheap) ...
        assert str(table.get_cell("ticker", "in")) != current
        table.scroll_to(y=last, animate=False)
        assert last in table_rows_on_screen(table)
        # ... and are brought up to date as they come into view, not at the next refresh.
        assert str(table.get_cell("ticker", "in")) == current
        assert str(table.get_cell("ticker", "state")) == "● open"


def table_rows_on_screen(table: ConnectionTable) -> range:
    top = int(table.scroll_y)
    return range(top, top + table.size.height - table.header_height)


async def test_counters_that_outgrow_their_column_widen_it(demo: DemoServer, make_app: Any) -> None:
    # A column is as wide as its widest cell (or its label) when the rows are added.
    app = make_app(conn("flood", demo.endpoint("/flood?count=20000&size=64"), auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        table = app.main.query_one(ConnectionTable)
        stats = app.hub.get("flood").stats
        await wait_until(pilot, lambda: stats.msgs_in == 20000)
        current = f"{stats.msgs_in} / {human_bytes(stats.bytes_in)}"
        await wait_until(pilot, lambda: str(table.get_cell("flood", "in")) == current)
        await pilot.pause()
        drawn = "".join(segment.text for segment in table.render_line(1))  # under the header
        assert current in drawn
        state = str(table.get_cell("flood", "state"))
        assert len(state) > len("state")  # "stopped" or "reconnecting in 1s"
        assert f" {state} " in drawn


def test_the_rate_column_counts_whole_seconds() -> None:
    from tui.widgets.connection_table import _Rate

    rate = _Rate()
    total = 0
    for tick in range(41):  # a 2 messages/s ticker, sampled 4 times a second
        total += tick % 2
        rate.sample(total + 1, tick * 0.25 - tick % 2 * 0.1, tick * 0.25)
    spark, figure = rate.label().split()
    assert figure == "2/s"  # the last refresh interval alone says 0/s
    assert spark == "█" * 8
    assert _Rate().label() == "-"


async def test_a_regex_filter_that_gives_up_says_so_in_the_status_line(make_app: Any) -> None:
    from tui.core.events import ReceiveEvent
    from tui.core.ring import FeedFilter

    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        data = "a" * 4000 + "b"
        app.ring.extend([ReceiveEvent("idle", 1.0, i, data, len(data)) for i in range(20)])
        app.main.events_arrived()
        feed = app.main.query_one(EventFeed)
        feed.set_filter(FeedFilter(search="(a+)+$", regex=True))
        status = app.main.query_one("#feed-status")
        await wait_until(pilot, lambda: "regex search stopped" in str(status.render()))


async def test_the_status_line_counts_what_the_rows_show_in_the_same_screen_update(
    make_app: Any,
) -> None:
    """A batch that comes within the feed's repaint interval waits for the repaint, and the
    status line's count with it; the count changes as the rows do (in the same call, so in
    the same screen update), not a screen update before or after them."""
    from tui.core.events import ReceiveEvent

    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        feed = app.main.query_one(EventFeed)
        status = app.main.query_one("#feed-status")
        app.ring.extend([ReceiveEvent("idle", 1.0, i, "x", 1) for i in range(1, 4)])
        app.main.events_arrived()
        await wait_until(pilot, lambda: feed.virtual_size.height == 3)  # repainted
        assert "3 events" in str(status.render())
        feed._pacer.last_flush = time.monotonic()  # the next batch falls within the cap
        app.ring.extend([ReceiveEvent("idle", 2.0, i, "y", 1) for i in range(4, 9)])
        app.main.events_arrived()
        assert "3 events" in str(status.render())
        assert feed.virtual_size.height == 3  # the rows too: no repaint yet
        feed.flush()  # what the deferred repaint runs
        assert feed.virtual_size.height == 8
        assert "8 events" in str(status.render())


def _feed_rows(feed: EventFeed) -> list[str]:
    """The feed's rows on screen without the size column (it says "dropped" once evicted)."""
    rows = [feed.render_line(y).text for y in range(feed.scrollable_content_region.height)]
    return [row[:28] + row[37:] for row in rows]


async def test_pause_is_frozen_while_a_ticker_wraps_the_ring(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(
        conn("ticker", demo.endpoint("/ticker?rate=500"), auto_start=True),
        feed={"max_events": 1000},
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.ring.total > 300)
        feed = app.main.query_one(EventFeed)
        detail = app.main.query_one(DetailPane)
        status = app.main.query_one("#feed-status")
        feed.focus()
        await pilot.press("d", "up")  # the detail pane, and pause one row above the newest
        detail.flush()
        await pilot.pause()
        assert not feed.following
        rows, shown = _feed_rows(feed), list(detail.text_lines)
        highlighted = feed.highlighted
        paused_at = app.ring.total
        checks = 0
        # 1500 events at 500/s through a ring of 1000: everything on screen is evicted.
        while app.ring.total < paused_at + 1500:
            await pilot.pause(0.05)
            detail.flush()
            assert _feed_rows(feed) == rows
            assert list(detail.text_lines) == shown
            assert feed.highlighted == highlighted
            assert feed.new_since_pause <= len(app.ring)
            checks += 1
            assert checks < 1000, "the ticker stalled"
        feed.flush()
        await pilot.pause()
        text = str(status.render())
        assert feed.highlighted_dropped
        found = re.match(r"paused — (\d+) new, (\d+) more dropped, its row dropped \(End\)", text)
        assert found, text
        new, dropped = int(found[1]), int(found[2])
        assert new <= 1000  # never more "new" than End can show
        assert new + dropped >= 1500
        await pilot.press("end")
        await pilot.pause()
        assert feed.following
        assert str(status.render()).startswith("following")


async def test_state_refresh_while_widgets_are_torn_down_is_harmless(
    demo: DemoServer, make_app: Any
) -> None:
    """Events and timers keep arriving while the screen's widgets go one by one at exit:
    a refresh then must not crash the dashboard (it exited 70 once in a full run)."""
    app = make_app(conn("echo", demo.endpoint("/echo")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.main.query_one("#selected").remove()
        app.main.refresh_state()  # the crash was NoMatches('#selected') from here
        app.main.events_arrived()
        await pilot.pause()
        assert app.is_running
    assert app.return_code in (0, None)


async def test_searching_during_a_flood_that_evicts(demo: DemoServer, make_app: Any) -> None:
    """Found in a trial: typing a search while a flood evicted the events it had yet to
    examine crashed the dashboard (IndexError: position ... is not in the ring)."""
    flood = conn("flood", demo.endpoint("/flood?count=400000&size=32"), compression="none")
    app = make_app(flood, feed={"max_events": 2_000})
    async with app.run_test(size=SIZE) as pilot:
        app.main.query_one(ConnectionTable).focus()
        await pilot.pause()
        app.simulate_key("s")
        stats = app.hub.get("flood").stats
        async with asyncio.timeout(10):
            while stats.msgs_in < 5_000:  # noqa: ASYNC110
                await asyncio.sleep(0.005)  # not pilot.pause: it waits for the flood's end
        app.simulate_key("slash")
        async with asyncio.timeout(5):
            while not isinstance(app.focused, Input):  # noqa: ASYNC110
                await asyncio.sleep(0.005)
        for key in "0001":  # as the terminal delivers a fast typist's keys
            app.simulate_key(key)
        feed = app.main.query_one(EventFeed)
        async with asyncio.timeout(10):
            while feed.search is None:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        seen = stats.msgs_in
        async with asyncio.timeout(10):
            while stats.msgs_in < seen + 150_000 and stats.msgs_in < 400_000:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert feed.search is not None
        assert feed.search.search == "0001"
        assert stats.msgs_in > seen, "the flood ended before the search ran under it"
        assert app.is_running


async def test_one_event_is_counted_in_the_singular(make_app: Any) -> None:
    from tui.core.events import ReceiveEvent

    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        feed = app.main.query_one(EventFeed)
        status = app.main.query_one("#feed-status")
        app.ring.extend([ReceiveEvent("idle", 1.0, 1, "x", 1)])
        app.main.events_arrived()
        await wait_until(pilot, lambda: feed.virtual_size.height == 1)
        assert "· 1 event" in str(status.render())
        assert "1 events" not in str(status.render())
