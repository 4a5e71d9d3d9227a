"""The connections table at scale: visible rows only, changed lines only, and its keys."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widgets._footer import FooterKey

from tests.app.conftest import conn, wait_until
from tests.conftest import DemoServer
from tui.core.client import State
from tui.core.hub import Hub
from tui.widgets.connection_table import ConnectionTable
from tui.widgets.footer import KeyFooter

ROWS = 5000
HEIGHT = 10  # the table shows its header and 9 rows


class TableApp(App[None]):
    def __init__(self, hub: Hub) -> None:
        super().__init__()
        self.hub = hub

    def compose(self) -> ComposeResult:
        yield ConnectionTable()

    def on_mount(self) -> None:
        self.table.sync(self.hub.clients)
        self.table.focus()

    @property
    def table(self) -> ConnectionTable:
        return self.query_one(ConnectionTable)


def many(count: int) -> Hub:
    return Hub([conn(f"c{index:04d}", "ws://127.0.0.1:9/") for index in range(count)])


def drawn_rows(table: ConnectionTable, calls: list[int]) -> None:
    """Record the line of every ``render_line`` call of ``table``."""
    original = ConnectionTable.render_line

    def render_line(widget: ConnectionTable, y: int) -> Strip:
        if widget is table:
            calls.append(y)
        return original(widget, y)

    table.render_line = render_line.__get__(table)  # type: ignore[method-assign]


def text(table: ConnectionTable, y: int) -> str:
    return table.render_line(y).text


async def test_a_refresh_formats_the_rows_on_screen_and_redraws_only_the_changed_one() -> None:
    hub = many(ROWS)
    app = TableApp(hub)
    async with app.run_test(size=(120, HEIGHT)) as pilot:
        table = app.table
        await pilot.pause()
        formatted: list[str] = []
        original = table._format

        def counting_format(client: Any, *args: Any) -> Any:
            formatted.append(client.name)
            return original(client, *args)

        table._format = counting_format  # type: ignore[method-assign]
        calls: list[int] = []
        drawn_rows(table, calls)
        for client in hub.clients.values():  # every connection has news
            client.stats.msgs_in += 1
        table.sync(hub.clients)
        await pilot.pause()
        # Rows off screen wait (they are formatted as they come into view) ...
        assert formatted == [f"c{index:04d}" for index in range(HEIGHT - 1)]
        # ... and every visible row changed, so each of their lines was drawn again.
        assert sorted(set(calls)) == list(range(1, HEIGHT))
        assert "1 / 0 B" in text(table, 3)

        calls.clear()
        hub.clients["c0004"].stats.msgs_in += 1  # one row on screen changes
        table.sync(hub.clients)
        await pilot.pause()
        assert calls == [5]  # under the header: the fifth row, and nothing else
        assert "2 / 0 B" in text(table, 5)
        assert "1 / 0 B" in text(table, 4)


async def test_keys_move_the_cursor_and_scroll_the_rows_into_view() -> None:
    app = TableApp(many(100))
    async with app.run_test(size=(120, HEIGHT)) as pilot:
        table = app.table
        await pilot.press("j", "j", "down")
        assert table.selected == "c0003"
        await pilot.press("k", "up")
        assert table.selected == "c0001"
        await pilot.press("end")
        assert table.selected == "c0099"
        await pilot.pause()
        assert text(table, HEIGHT - 1).startswith(" c0099 ")  # scrolled to the last row
        await pilot.press("home")
        assert (table.selected, table.scroll_y) == ("c0000", 0)
        await pilot.press("pagedown")
        assert table.selected == f"c{HEIGHT - 1:04d}"  # a page: the rows on screen
        await pilot.press("pageup", "k")  # never above the first row
        assert table.selected == "c0000"
        await pilot.click(ConnectionTable, offset=(3, 4))  # the header, then rows 0-2
        assert table.selected == "c0003"
        await pilot.pause()
        assert text(table, 0).startswith(" name ")


async def test_removed_rows_go_and_the_selection_stays_on_its_connection() -> None:
    hub = many(5)
    app = TableApp(hub)
    async with app.run_test(size=(120, HEIGHT)) as pilot:
        table = app.table
        table.select("c0003")
        hub.remove("c0001")
        table.sync(hub.clients)
        await pilot.pause()
        assert table.names == ["c0000", "c0002", "c0003", "c0004"]
        assert table.selected == "c0003"
        assert text(table, 2).startswith(" c0002 ")
        hub.remove("c0003")  # the selected row goes: the cursor stays where it was
        table.sync(hub.clients)
        await pilot.pause()
        assert table.selected == "c0004"


async def test_moving_between_open_connections_does_not_rebuild_the_footer(
    demo: DemoServer, make_app: Any
) -> None:
    # A footer rebuild lays the whole screen out again: a key that only moves the
    # selection between rows in the same state must not cost one.
    names = ("alpha", "beta", "gamma")
    app = make_app(*(conn(name, demo.endpoint("/echo"), auto_start=True) for name in names))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(ConnectionTable)
        await wait_until(
            pilot, lambda: all(c.state is State.OPEN for c in app.hub.clients.values())
        )
        app.main.refresh_state()  # the keys for open connections now, not at the next tick
        await pilot.pause()
        footer = app.main.query_one(KeyFooter)
        keys = list(footer.query(FooterKey))  # a rebuild replaces every key widget
        await pilot.press("j", "j", "k", "k")
        await pilot.pause()
        assert table.selected == "alpha"
        assert list(footer.query(FooterKey)) == keys
        app.hub.stop("beta")  # a selection whose state differs does change the keys
        await wait_until(pilot, lambda: app.hub.get("beta").state is State.STOPPED)
        await pilot.press("j")
        await wait_until(pilot, lambda: list(footer.query(FooterKey)) != keys)


async def test_rows_that_changed_off_screen_show_their_news_when_scrolled_back() -> None:
    hub = many(100)
    app = TableApp(hub)
    async with app.run_test(size=(120, HEIGHT)) as pilot:
        table = app.table
        await pilot.press("end")
        hub.clients["c0000"].stats.msgs_in = 7  # off screen now
        hub.clients["c0099"].stats.msgs_in = 5  # on screen, under the cursor
        table.sync(hub.clients)
        await pilot.pause()
        assert text(table, HEIGHT - 1).startswith(" c0099 ")
        assert "5 / 0 B" in text(table, HEIGHT - 1)
        await pilot.press("home")
        await pilot.pause()
        assert text(table, 1).startswith(" c0000 ")
        assert "7 / 0 B" in text(table, 1)
        assert table.get_cell("c0000", "in") == "7 / 0 B"


async def test_wide_names_keep_the_columns_aligned() -> None:
    names = ["ascii", "漢字漢字漢字", "e\u0301cho-😀", "x" * 30]
    hub = Hub([conn(name, "ws://127.0.0.1:9/") for name in names])
    app = TableApp(hub)
    async with app.run_test(size=(120, HEIGHT)) as pilot:
        table = app.table
        await pilot.pause()
        lines = [table.render_line(y) for y in range(len(names) + 1)]
        assert {line.cell_length for line in lines} == {table.scrollable_content_region.width}
        # Each row's state badge starts in the same cell as the header's "state".
        header = lines[0].text
        column = header.index(" state") + 1
        for line in lines[1:]:
            cells: list[str] = []
            for char in line.text:
                if not cell_len(char):
                    cells[-1] += char  # a combining mark: the cell before it
                    continue
                cells += [char, ""] if cell_len(char) == 2 else [char]
            assert cells[column] == "○", line.text
