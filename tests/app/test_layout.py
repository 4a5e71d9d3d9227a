"""A layout that adapts to the terminal (issue 12 item 1): whole columns by priority, a feed
of at least 10 rows at 80x24, a composer that folds, a footer that keeps Quit and Help,
notices that never cover the focused pane, and all of it again after a live resize."""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from tests.app.conftest import conn, screen_text, wait_until
from tui.widgets.composer import Composer
from tui.widgets.connection_table import ConnectionTable
from tui.widgets.feed import EventFeed
from tui.widgets.footer import KeyFooter
from tui.widgets.table_columns import COLUMNS, PRIORITY, fit_columns

NARROW = {"name": 6, "state": 20, "in": 12, "out": 8, "rate": 12, "last": 4, "latency": 7}


def test_columns_claim_room_by_priority_and_keep_display_order() -> None:
    widths = {**NARROW, "url": 40}
    # 8+22+14+10+14 = 68 for the five that matter most; latency (9) fits in 80, last does not.
    assert fit_columns(80, widths) == ("name", "state", "in", "out", "rate", "latency")
    assert fit_columns(67, widths) == ("name", "state", "in", "out")
    assert fit_columns(200, widths) == COLUMNS
    assert fit_columns(5, widths) == ("name",)  # the name is always shown


def test_a_narrow_low_priority_column_never_jumps_a_wide_one() -> None:
    # latency does not fit, last (narrower, lower priority) would: neither is shown.
    widths = {**NARROW, "latency": 30}
    assert fit_columns(80, widths) == ("name", "state", "in", "out", "rate")
    assert PRIORITY.index("latency") < PRIORITY.index("last")


def sample(count: int = 4) -> list[Any]:
    return [
        conn(f"conn-{index}", f"ws://127.0.0.1:9/some/long/path/number/{index}")
        for index in range(count)
    ]


def render_widths(table: ConnectionTable) -> int:
    """Cells the table's columns take (each padded by a space either side)."""
    return table.virtual_size.width


def header(app: Any) -> str:
    """The table's header line as shown (the line under the title bar)."""
    return screen_text(app).splitlines()[1]


async def test_at_80_columns_the_table_shows_whole_columns_and_the_url_moves_up(
    make_app: Any,
) -> None:
    app = make_app(*sample())
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: table.row_count == 4)
        await pilot.pause()
        shown = table.columns_shown
        assert shown[:5] == ("name", "state", "in", "out", "rate")
        assert "url" not in shown
        assert header(app).split() == list(shown)  # every label whole, none cut
        assert render_widths(table) <= table.scrollable_content_region.width
        selected = str(app.main.query_one("#selected").render())
        assert "ws://127.0.0.1:9/some/long/path/number/0" in selected


async def test_a_live_resize_re_lays_the_columns(make_app: Any) -> None:
    app = make_app(*sample())
    async with app.run_test(size=(200, 40)) as pilot:
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: table.row_count == 4)
        await wait_until(pilot, lambda: table.columns_shown == COLUMNS)
        assert "ws://127.0.0.1:9/" not in str(app.main.query_one("#selected").render())
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: "url" not in table.columns_shown)
        await wait_until(pilot, lambda: "ws://" in str(app.main.query_one("#selected").render()))
        assert render_widths(table) <= table.scrollable_content_region.width
        assert table.selected == "conn-0"  # the rebuild kept the selection
        await pilot.resize_terminal(40, 20)  # stopped rows are narrow: 40 leaves rate out
        await wait_until(pilot, lambda: "rate" not in table.columns_shown)
        assert render_widths(table) <= table.scrollable_content_region.width
        await pilot.resize_terminal(200, 40)
        await wait_until(pilot, lambda: table.columns_shown == COLUMNS)
        assert table.row_count == 4


async def test_the_feed_gets_ten_rows_at_80x24_with_a_full_table(make_app: Any) -> None:
    app = make_app(*sample(8))  # more rows than the table's height: it is as tall as it gets
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        feed = app.main.query_one(EventFeed)
        assert feed.scrollable_content_region.height >= 10


async def test_the_composer_folds_to_one_line_and_grows_when_focused(make_app: Any) -> None:
    app = make_app(*sample())
    async with app.run_test(size=(80, 24)) as pilot:
        composer = app.main.query_one(Composer)
        await pilot.pause()
        assert composer.region.height == 1
        await pilot.press("i")
        await wait_until(pilot, lambda: composer.region.height > 1)
        one_line = composer.region.height
        assert app.main.query_one("#composer-bar").region.height == 1  # mode, saved, Send
        for _ in range(20):  # more lines than the composer may take
            await pilot.press("x", "enter")
        await wait_until(pilot, lambda: composer.region.height > one_line)
        assert composer.region.height <= 24 // 2  # grows up to a limit
        assert app.main.query_one(EventFeed).region.height >= 4
        await pilot.press("escape")
        await wait_until(pilot, lambda: composer.region.height == 1)


async def test_the_footer_keeps_quit_and_help_at_any_width(make_app: Any) -> None:
    app = make_app(*sample())
    async with app.run_test(size=(120, 24)) as pilot:
        footer = app.main.query_one(KeyFooter)

        def fits(width: int) -> bool:
            keys = list(footer.query(FooterKey))
            return bool(keys) and max(key.region.right for key in keys) <= width

        for width in (120, 80, 60, 40):
            await pilot.resize_terminal(width, 24)
            await wait_until(pilot, lambda: fits(width))  # noqa: B023 (awaited at once)
            actions = [key.action for key in footer.query(FooterKey)]
            assert actions[:2] == ["request_quit", "help"], width
            last = screen_text(app).splitlines()[-1]
            assert "Quit" in last, (width, last)
            assert "Help" in last, (width, last)
            if width >= 80:
                assert "Start" in last, (width, last)
            if width <= 40:  # lower-priority keys dropped first, whole
                assert "Restart" not in last, (width, last)


async def test_notices_never_cover_the_focused_pane(make_app: Any) -> None:
    app = make_app(*sample())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        for focus in ("i", "escape"):  # the composer, then the table
            await pilot.press(focus)
            await pilot.pause()
            focused = app.focused
            assert focused is not None
            app.notify("a notice long enough to take a few lines of the screen", timeout=30)
            await wait_until(pilot, lambda: bool(app.screen.query(Toast)))
            await pilot.pause()
            area = focused.region
            for toast in app.screen.query(Toast):
                assert not toast.region.overlaps(area), (focused, toast.region, area)
            app.clear_notifications()
            await wait_until(pilot, lambda: not app.screen.query(Toast))


async def test_the_detail_header_fits_beside_the_feed(make_app: Any) -> None:
    from tui.core.events import ReceiveEvent
    from tui.widgets.detail import DetailPane

    app = make_app(*sample())
    app.ring.extend([ReceiveEvent("conn-0", 1_700_000_000.0, 7, "[bold red]x[/] \x1b[2J", 19)])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2", "d")
        pane = app.main.query_one(DetailPane)
        await wait_until(pilot, lambda: bool(pane.display) and pane.size.width > 0)
        await pilot.pause()
        rows = [pane.render_line(y).text.rstrip() for y in range(3)]
        assert rows[0] == "#7  conn-0  receive  19 B"  # whole: the size keeps its unit
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:20\.000[+-]\d\d:\d\d", rows[1]), rows[1]
        assert rows[2] == "text: 19 bytes"


async def test_notices_leave_the_status_line_and_composer_readable(make_app: Any) -> None:
    app = make_app(*sample())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.notify("a notice while the table has the focus", timeout=30)
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        for widget in (app.main.query_one(Composer), app.main.query_one("#feed-status")):
            for toast in app.screen.query(Toast):
                assert not toast.region.overlaps(widget.region), widget


async def test_the_feed_name_column_narrows_to_the_longest_name(make_app: Any) -> None:
    from tui.core.events import ReceiveEvent
    from tui.widgets.feed_row import NAME_WIDTH, prefix_width

    app = make_app(conn("api", "ws://127.0.0.1:9/"), conn("tick", "ws://127.0.0.1:9/"))
    payload = "x" * 100
    app.ring.extend([ReceiveEvent("api", 1_700_000_000.0, 1, payload, 100)])
    async with app.run_test(size=(80, 24)) as pilot:
        feed = app.main.query_one(EventFeed)
        await pilot.pause()
        assert feed.name_width == 4  # "tick", the longest
        row = feed.render_line(0).text
        assert row[prefix_width(4) :].startswith("xxxx")  # the payload starts 8 cells earlier
        assert row.count("x") == 80 - prefix_width(4) - 1  # then the ellipsis
        app.hub.add(conn("a-much-longer-name", "ws://127.0.0.1:9/"))
        app.main.connections_changed()
        await pilot.pause()
        assert feed.name_width == NAME_WIDTH


async def test_help_keeps_the_actions_readable_at_60_columns(make_app: Any) -> None:
    app = make_app(*sample())
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        text = screen_text(app)
        # The action column is not squeezed to nothing: the action and its state are whole
        # (the ids are left out; 'wsdeck keys' lists them).
        assert "Stop with code… (not now)" in text, text
        assert "connection.start" not in text


async def test_stacked_notices_stay_off_the_focused_feed(make_app: Any) -> None:
    app = make_app(*sample())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("2")
        feed = app.main.query_one(EventFeed)
        for number in range(3):  # more than the room above the feed holds
            app.notify(f"notice {number}: long enough to take a few lines of the screen")
        await wait_until(pilot, lambda: len(app.screen.query(Toast)) == 3)
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert "notice 2" in "\n".join(lines)  # the newest is readable
        feed_rows = lines[feed.region.y : feed.region.bottom]
        assert not any("notice" in row or "screen" in row for row in feed_rows), feed_rows


async def test_notices_stay_off_a_dialog(make_app: Any) -> None:
    from textual.widgets import Button

    from tui.screens.filter import FilterScreen

    app = make_app(*sample())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.notify("exported 120 events to /tmp/a-rather-long-path/export.jsonl", timeout=30)
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen))
        await pilot.pause()
        await pilot.pause()
        dialog = app.screen.query_one("#filter-dialog")
        lines = screen_text(app).splitlines()
        inside = lines[dialog.region.y : dialog.region.bottom]
        assert not any("exported" in line for line in inside), "\n".join(lines)
        for button in app.screen.query(Button):
            assert str(button.label) in lines[button.region.y], "\n".join(lines)
        await pilot.press("escape")  # the notice was kept, not lost
        await wait_until(pilot, lambda: app.screen is app.main)
        await pilot.pause()
        await wait_until(pilot, lambda: "exported 120" in screen_text(app))


async def test_the_feed_tells_path_like_names_apart(make_app: Any) -> None:
    from tui.core.events import ReceiveEvent

    names = ("prod/eu-west/echo", "prod/eu-west/ticker", "a-much-longer-name")
    app = make_app(*(conn(name, "ws://127.0.0.1:9/") for name in names))
    app.ring.extend(
        [ReceiveEvent(name, 1_700_000_000.0, seq, "hi", 2) for seq, name in enumerate(names)]
    )
    async with app.run_test(size=(80, 24)) as pilot:
        feed = app.main.query_one(EventFeed)
        await wait_until(pilot, lambda: "hi" in feed.render_line(2).text)
        cells = [feed.render_line(y).text[13:25] for y in range(3)]
        # Their starts are the same: their ends show, where they differ.
        assert cells == ["…u-west/echo", "…west/ticker", "a-much-long…"]


async def _notice_placed(pilot: Any, text: str) -> list[Any]:
    """Raise a notice; return the toasts once every one is laid out on the current screen."""
    app = pilot.app
    app.notify(text, timeout=30)
    await wait_until(
        pilot, lambda: any(text in str(t.render()) and t.region.height for t in toasts(app))
    )
    await pilot.pause()
    return toasts(app)


def toasts(app: Any) -> list[Any]:
    return [toast for toast in app.screen.query(Toast) if toast.region.height]


@pytest.mark.parametrize(
    ("keys", "screen_name"), [(["2", "d"], "DetailScreen"), (["comma"], "SettingsScreen")]
)
async def test_notices_never_cover_a_full_screen_s_focused_widget(
    make_app: Any, keys: list[str], screen_name: str
) -> None:
    app = make_app(*sample())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press(*keys)
        await wait_until(pilot, lambda: type(app.screen).__name__ == screen_name)
        await pilot.pause()
        focused = app.focused
        assert focused is not None
        full = focused.region
        for number in range(2):
            for toast in await _notice_placed(pilot, f"notice {number}: copied to the clipboard"):
                assert not toast.region.overlaps(focused.region), (toast.region, focused.region)
        last = screen_text(app).splitlines()[-1]
        assert "Quit" in last  # the key bar stays readable
        assert focused.region.height >= full.height // 2  # it gave up half at most
        app.clear_notifications()
        await wait_until(pilot, lambda: focused.region == full)  # the rows come back


async def test_a_resize_with_a_dialog_open_re_places_its_notices(make_app: Any) -> None:
    from tui.screens.filter import FilterScreen

    app = make_app(*sample())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen))
        await _notice_placed(pilot, "exported 120 events to /tmp/export.jsonl")
        # 80x16 leaves no band beside the dialog big enough: the notice waits (kept, not
        # shown over it); 120x40 has one again: the notice is back, beside the dialog.
        for size, shown in (((80, 16), False), ((120, 40), True)):
            await pilot.resize_terminal(*size)
            dialog = app.screen.query_one("#filter-dialog")

            def placed() -> bool:
                regions = [t.region for t in toasts(app)]
                clear = not any(region.overlaps(dialog.region) for region in regions)  # noqa: B023
                return clear and bool(regions) == shown  # noqa: B023

            await wait_until(pilot, placed)
            await pilot.pause()
            assert placed(), (size, [t.region for t in toasts(app)], dialog.region)
