"""Fields as table columns and response times of paired requests, over the demo server."""

from __future__ import annotations

import json
from typing import Any

from tests.app.conftest import conn, screen_text, wait_until
from tui.core.fields import SPARK
from tui.demo_server import DemoServer
from tui.widgets.connection_table import ConnectionTable
from tui.widgets.table_columns import SPARK_BARS, spark_column


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


async def test_fields_are_columns_and_answered_requests_show_response_times(
    demo: DemoServer, make_app: Any
) -> None:
    ticker = conn(
        "ticker",
        demo.endpoint("/ticker?rate=50"),
        auto_start=True,
        fields={"temp": ".temperature", "gone": ".missing.deeper", "st": ".status"},
    )
    rpc = conn("rpc", demo.endpoint("/rpc"), auto_start=True)
    app = make_app(ticker, rpc)
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: _number(table.get_cell("ticker", "temp")))
        assert table.columns_shown[:5] == ("name", "state", "temp", "gone", "st")
        assert table.get_cell("ticker", "gone") == "null"
        assert table.get_cell("ticker", "st") in ("ok", "warn", "alarm")
        assert table.get_cell("rpc", "temp") == ""  # not one of its fields
        assert "response" not in table.columns_shown  # nothing answered yet
        await wait_until(pilot, lambda: table.get_cell("rpc", "state") == "● open")
        for id_ in range(3):
            request = {"jsonrpc": "2.0", "method": "sleep", "params": [20], "id": id_}
            app.send("rpc", json.dumps(request))
        await wait_until(pilot, lambda: "response" in table.columns_shown)
        await wait_until(pilot, lambda: table.get_cell("rpc", "response").endswith(" ms"))
        p50, p99 = table.get_cell("rpc", "response").removesuffix(" ms").split(" / ")
        assert 20 <= float(p50) <= float(p99)
        assert table.get_cell("ticker", "response") == ""


async def test_at_80_columns_the_rate_has_room_before_the_fields(
    demo: DemoServer, make_app: Any
) -> None:
    fields = {
        "temp": ".temperature",
        "ts": ".ts",  # an ISO timestamp: wider than what is left at 80 columns
        "sine": ".sine",
    }
    ticker = conn("ticker", demo.endpoint("/ticker?rate=20"), auto_start=True, fields=fields)
    app = make_app(ticker)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: _number(table.get_cell("ticker", "temp")))
        await wait_until(pilot, lambda: table.get_cell("ticker", "rate").endswith("/s"))
        shown = table.columns_shown
        # Shown after the state, but room goes to the counters and the rate first.
        assert shown[:3] == ("name", "state", "temp")
        assert {"in", "out", "rate"} <= set(shown)
        assert "ts" not in shown
        assert "sine" not in shown  # after a field that did not fit: not shown either
        assert "url" not in shown


def _ticker(demo: DemoServer, fields: dict[str, str], sparkline: bool | list[str]) -> Any:
    url = demo.endpoint("/ticker?rate=20")
    return conn("ticker", url, auto_start=True, fields=fields, sparkline=sparkline)


async def test_a_field_with_a_sparkline_has_a_column_of_its_last_values(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(_ticker(demo, {"sine": ".sine", "status": ".status"}, ["sine"]))
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.main.query_one(ConnectionTable)
        spark = spark_column("sine")
        await wait_until(pilot, lambda: spark in table.columns_shown)
        shown = table.columns_shown
        assert shown.index(spark) == shown.index("sine") + 1  # right after its field
        assert spark_column("status") not in shown
        # Two points a second: the bars fill in from the right, then span the whole cell.
        await wait_until(pilot, lambda: len(table.get_cell("ticker", spark).strip()) >= 3)
        cell = table.get_cell("ticker", spark)
        assert len(cell) == SPARK_BARS
        assert set(cell.strip()) <= set(SPARK)
        assert spark in screen_text(app)  # its header: "sine ▁▄█"


async def test_at_80_columns_sparklines_leave_the_rate_its_room(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(_ticker(demo, {"temp": ".temperature", "sine": ".sine"}, True))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: table.get_cell("ticker", "rate").endswith("/s"))
        await wait_until(pilot, lambda: _number(table.get_cell("ticker", "temp")))
        shown = table.columns_shown
        assert {"in", "out", "rate", "temp"} <= set(shown)
        # Sparklines claim room after every field's value.
        assert spark_column("temp") not in shown or "sine" in shown
