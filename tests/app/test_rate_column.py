"""Honest small graphics: the rate sparkline counts wall-clock seconds, figures keep units."""

from __future__ import annotations

import random

from textual.app import App, ComposeResult

from tests.app.conftest import conn
from tui.core.hub import Hub
from tui.widgets.connection_table import ConnectionTable, _Rate, per_second


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.3

    def __call__(self) -> float:
        return self.now


class TableApp(App[None]):
    def __init__(self, hub: Hub, clock: Clock) -> None:
        super().__init__()
        self.hub = hub
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield ConnectionTable(clock=self.clock)

    @property
    def table(self) -> ConnectionTable:
        return self.query_one(ConnectionTable)


async def test_a_steady_2_per_second_stream_draws_flat_whatever_the_refresh_times() -> None:
    hub = Hub([conn("ticker", "ws://127.0.0.1:9/"), conn("quiet", "ws://127.0.0.1:9/")])
    clock = Clock()
    app = TableApp(hub, clock)
    rng = random.Random(7)
    stats = hub.clients["ticker"].stats
    async with app.run_test(size=(120, 10)) as pilot:
        next_message = clock.now
        for _ in range(60):  # ~15 s of refreshes every 0.1-0.5 s, as under load
            clock.now += rng.uniform(0.1, 0.5)
            while next_message <= clock.now:  # a message every 0.5 s, counted as the client does
                stats.msgs_in += 1
                stats.last_activity = next_message
                next_message += 0.5
            app.table.sync(hub.clients)
        await pilot.pause()
        assert str(app.table.get_cell("ticker", "rate")) == "████████ 2/s"
        assert str(app.table.get_cell("quiet", "rate")) == "-"  # no traffic: no chart
        for _ in range(12):  # the stream stops: the bars fall and the rate says so
            clock.now += 0.5
            app.table.sync(hub.clients)
        await pilot.pause()
        assert str(app.table.get_cell("ticker", "rate")).endswith("▁▁▁▁▁ 0/s")


def test_the_sparkline_shows_a_burst_in_its_second() -> None:
    rate = _Rate()
    rate.sample(1, 0.0, 0.0)
    total = 1
    for step in range(1, 41):  # 10 s at 4 refreshes a second; 20 messages in second 5
        now = step * 0.25
        if 5.0 < now <= 6.0:
            total += 5
            rate.sample(total, now - 0.01, now)
        else:
            rate.sample(total, 0.0 if total == 1 else 5.99, now)
    assert rate.label() == "▁▁▁█▁▁▁▁ 0/s"  # seconds 2 to 9; the burst in second 5


def test_one_message_a_refresh_is_placed_at_its_own_time() -> None:
    rate = _Rate()
    rate.sample(1, 10.0, 10.4)
    rate.sample(2, 10.5, 10.9)  # one message, 10.0 to 10.5: second 10
    assert rate.label() == "-"  # second 10 was partly sampled: not drawn
    # Two more: one at 11.5, one some time in 10.9-11.5 (spread: 1/6 in second 10).
    rate.sample(4, 11.5, 12.2)
    assert rate.label() == "       █ 1.8/s"
    rate.sample(4, 11.5, 13.0)
    assert rate.label() == "      █▁ 0/s"


def test_a_long_stream_keeps_only_the_buckets_it_can_draw() -> None:
    """Old buckets are dropped once a second (not at every sample): memory stays bounded
    and the bars are those of the last finished seconds."""
    rate = _Rate()
    total = 0
    for step in range(1, 2001):  # 1 000 s at 2 refreshes a second, 10 messages each
        now = step * 0.5
        total += 10
        rate.sample(total, now - 0.05, now)
        assert len(rate.buckets) <= _Rate.BARS + 3
    assert rate.label() == "████████ 20/s"


def test_rates_keep_their_unit_and_slow_ones_their_tenths() -> None:
    assert per_second(0.5) == "0.5/s"
    assert per_second(2.0) == "2/s"
    assert per_second(9.96) == "10/s"
    assert per_second(1234.4) == "1234/s"


async def test_latency_and_rate_are_never_cut_at_120_columns() -> None:
    hub = Hub([conn("a-long-connection-name", "ws://127.0.0.1:9/" + "x" * 60)])
    client = hub.clients["a-long-connection-name"]
    client.stats.msgs_in = 123_456
    client.stats.bytes_in = 5 * 1024 * 1024
    clock = Clock()
    app = TableApp(hub, clock)
    async with app.run_test(size=(120, 10)) as pilot:
        for _ in range(20):
            clock.now += 0.5
            client.stats.msgs_in += 3
            client.stats.last_activity = clock.now - 0.1
            app.table.sync(hub.clients)
        await pilot.pause()
        header = app.table.render_line(0).text
        row = app.table.render_line(1).text
        assert " rate " in header
        assert " latency " in header
        assert " 6/s " in row  # the rate with its unit, whole
        assert row.index(" 6/s ") < header.index(" latency ")
