"""States told apart by shape, not colour: a glyph per state, checkboxes that show on/off."""

from __future__ import annotations

from typing import Any

from tests.app.conftest import conn, wait_until
from tests.conftest import DemoServer
from tui.core.ring import FeedFilter
from tui.screens.filter import FilterScreen
from tui.widgets.checklist import CheckList
from tui.widgets.connection_table import GLYPHS, ConnectionTable

SIZE = (120, 40)


def test_every_state_class_has_its_own_glyph() -> None:
    assert set(GLYPHS) == {"open", "connecting", "closing", "reconnecting", "failed", "stopped"}
    assert len(set(GLYPHS.values())) == len(GLYPHS)


async def test_the_table_and_the_selected_bar_show_a_glyph_before_the_state(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(
        conn("echo", demo.endpoint("/echo"), auto_start=True),
        conn("gone", "ws://127.0.0.1:9/", auto_start=True),  # refused, no retries: failed
        conn(
            "retry",
            "ws://127.0.0.1:9/",
            auto_start=True,
            reconnect={"enabled": True, "initial_delay": 60, "max_delay": 60, "jitter": 0},
        ),
        conn("idle", demo.endpoint("/echo")),
    )
    async with app.run_test(size=SIZE) as pilot:
        table = app.main.query_one(ConnectionTable)

        def state(name: str) -> str:
            return str(table.get_cell(name, "state"))

        await wait_until(pilot, lambda: state("echo") == "● open")
        await wait_until(pilot, lambda: state("gone") == "✖ failed")
        await wait_until(pilot, lambda: state("retry").startswith("↻ reconnecting in "))
        assert state("idle") == "○ stopped"
        app.main.select("gone")
        await pilot.pause()
        selected = str(app.main.query_one("#selected").render())
        assert selected.startswith("gone  ✖ failed")


async def test_filter_checkboxes_show_on_and_off_by_shape(make_app: Any) -> None:
    app = make_app(conn("alpha", "ws://127.0.0.1:9/"), conn("beta", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        current = FeedFilter(connections=frozenset({"beta"}), kinds=frozenset({"error"}))
        app.push_screen(FilterScreen(current, ["alpha", "beta"]))
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen))
        await pilot.pause()
        names = app.screen.query_one("#filter-connections", CheckList)
        boxes = [names.render_line(y).text[:4] for y in range(2)]
        assert [box[1] for box in boxes] == [" ", "✔"]  # alpha off, beta on
        kinds = app.screen.query_one("#filter-kinds", CheckList)
        rows = [kinds.render_line(y).text for y in range(kinds.option_count)]
        ticked = [row[4:].strip() for row in rows if row[1] == "✔"]
        assert ticked == ["error"]
        names.focus()
        await pilot.press("space")  # toggles the highlighted one (alpha): now ticked
        await pilot.pause()
        assert names.render_line(0).text[1] == "✔"
