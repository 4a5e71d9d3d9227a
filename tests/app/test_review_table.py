"""The review's table of recorded connections, on its own."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.review_store import ConnectionCounts
from tui.review_table import RecordedTable


async def test_a_sync_before_the_table_is_mounted_keeps_its_rows() -> None:
    # The indexing poll can reach the table before its on_mount (a small recording is
    # indexed at once): rows must not meet a table without columns, nor be cleared after.
    table = RecordedTable()
    counts = {"ticker": ConnectionCounts("ticker", events=3, msgs_in=2, first="x", last="y")}

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            table.sync(counts, {"ticker": {}})  # in the App, before the table's mount
            yield table

    async with Host().run_test() as pilot:
        await pilot.pause()
        assert table.row_count == 1
        assert [str(column.label) for column in table.columns.values()][:2] == ["name", "events"]
        assert table.get_row("ticker")[1].plain == "3"
