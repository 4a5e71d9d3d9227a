"""Fields: jq programs combined into one per connection, their values, series and settings."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import ValidationError

from settings import Connection
from tui.core.analysis import Analysis
from tui.core.events import ReceiveEvent, SendEvent
from tui.core.fields import PLOT_LIMIT, FieldSet, format_value, leaf_paths, numeric, sparkline
from tui.core.fields_store import RESOLUTION, SPAN, FieldStore, Series
from tui.core.jq import NO_VALUE
from tui.core.rates import RateHistory

LATER = 1e12  # a time after every interval of these tests: everything noted is extracted
TICK = '{"temperature": 21.5, "sensor": {"id": "t1", "ok": true}, "bids": [["1.5", "2"]]}'


def test_nested_arrays_and_tonumber() -> None:
    fields = FieldSet(
        {"temp": ".temperature", "sensor": ".sensor.id", "bid": ".bids[0][0] | tonumber"}
    )
    assert fields.extract(TICK) == (21.5, "t1", 1.5)


def test_missing_fields_and_errors_stay_in_their_field() -> None:
    fields = FieldSet(
        {"temp": ".temperature", "gone": ".nope.deeper", "bad": ".sensor[0]", "none": "empty"}
    )
    # A missing key is jq's null; an error (indexing an object by number) or no output
    # is the field's NO_VALUE. The other fields keep their values.
    assert fields.extract(TICK) == (21.5, None, NO_VALUE, NO_VALUE)


@pytest.mark.parametrize("payload", ["not json", "", '{"temperature": ', b"\xff\xfe"])
def test_payloads_that_are_not_json_give_no_value_for_every_field(payload: str | bytes) -> None:
    fields = FieldSet({"temp": ".temperature", "id": ".id"})
    assert fields.extract(payload) == (NO_VALUE, NO_VALUE)


def test_a_program_with_a_comment_or_definitions_keeps_its_meaning() -> None:
    fields = FieldSet({"a": "def twice: . * 2; .temperature | twice # doubled", "b": ".bids[0]"})
    assert fields.extract(TICK) == (43.0, ["1.5", "2"])


def test_only_the_first_output_counts() -> None:
    assert FieldSet({"bids": ".bids[][]"}).extract(TICK) == ("1.5",)


def test_values_as_cells_show() -> None:
    assert format_value(NO_VALUE) == "-"
    assert format_value(None) == "null"
    assert format_value(True) == "true"
    assert format_value(21.456789) == "21.4568"
    assert format_value(42) == "42"
    assert format_value({"a": [1, 2]}) == '{"a":[1,2]}'
    assert format_value("red\x1b[31m") == "red\\x1b[31m"
    assert format_value("x" * 100, limit=10) == "x" * 9 + "…"


def test_only_finite_numbers_are_numeric() -> None:
    assert numeric(3) == 3.0
    assert numeric(2.5) == 2.5
    assert numeric(True) is None
    assert numeric("3") is None
    assert numeric(float("nan")) is None


@pytest.mark.parametrize("payload", ['{"t": 1e999}', '{"t": Infinity}', '{"t": -Infinity}'])
def test_numbers_too_large_to_plot_are_not_numeric(payload: str) -> None:
    # jq reads 1e999 and Infinity as 1.8e308, a finite float: plotted beside 1.0 plotext
    # raised OverflowError (beside -1.8e308, ValueError) in the plot screen's render.
    (value,) = FieldSet({"t": ".t"}).extract(payload)
    assert isinstance(value, float)
    assert numeric(value) is None


def test_the_largest_plotted_numbers_plot() -> None:
    plotext = pytest.importorskip("plotext")
    assert numeric(PLOT_LIMIT) == PLOT_LIMIT
    plotext.clear_figure()
    plotext.plotsize(60, 15)
    plotext.plot([0, 1, 2], [PLOT_LIMIT, -PLOT_LIMIT, 1.0])
    assert plotext.build()


def _receive(seq: int, data: str, ts: float = 1000.0, name: str = "ticker") -> ReceiveEvent:
    return ReceiveEvent(name, ts, seq=seq, data=data, size=len(data))


def test_store_keeps_the_latest_values_of_connections_with_fields_only() -> None:
    store = FieldStore()
    store.configure("ticker", {"temp": ".temperature", "sensor": ".sensor.id"})
    assert store.latest("ticker") == {"temp": NO_VALUE, "sensor": NO_VALUE}
    store.take(
        [
            _receive(1, TICK),
            _receive(2, '{"temperature": 22}'),
            _receive(3, TICK, name="other"),
            SendEvent("ticker", 1000.0, seq=4, data='{"temperature": 99}', size=19),
        ]
    )
    store.flush(LATER)
    assert store.latest("ticker") == {"temp": 22, "sensor": None}
    assert store.latest("other") == {}
    store.take([_receive(5, "plain text")])
    store.flush(LATER)
    assert store.latest("ticker") == {"temp": NO_VALUE, "sensor": NO_VALUE}
    assert store.plottable() == [("ticker", "temp")]


def test_only_the_last_message_of_each_interval_is_extracted() -> None:
    store = FieldStore()
    store.configure("ticker", {"temp": ".temperature"})
    start = 1000.0  # a multiple of RESOLUTION: the interval starts here
    store.take(
        [
            _receive(1, '{"temperature": 1}', ts=start),
            _receive(2, '{"temperature": 2}', ts=start + RESOLUTION / 2),
            _receive(3, '{"temperature": 3}', ts=start + RESOLUTION),
            _receive(4, "{not json", ts=start + RESOLUTION * 1.5),  # the interval's last
            _receive(5, '{"temperature": 5}', ts=start + RESOLUTION * 2),
        ]
    )
    # The last interval's message waits: a later one of the same interval may come.
    assert store.waiting == 1
    store.take([_receive(6, '{"temperature": 6}', ts=start + RESOLUTION * 2.5)])  # next batch
    store.flush(start + RESOLUTION * 2.9)  # the interval is not over yet
    assert store.latest("ticker") == {"temp": NO_VALUE}  # the non-JSON message's
    store.flush(start + RESOLUTION * 3)
    assert store.waiting == 0
    series = store.series("ticker", "temp")
    assert series is not None
    assert series.since(0) == ([start + RESOLUTION / 2, start + RESOLUTION * 2.5], [2.0, 6.0])
    assert store.latest("ticker") == {"temp": 6}


def test_changing_the_fields_drops_old_values_and_series() -> None:
    store = FieldStore()
    store.configure("ticker", {"temp": ".temperature", "counter": ".counter"})
    store.take([_receive(1, '{"temperature": 20, "counter": 1}')])
    store.flush(LATER)
    store.configure("ticker", {"temp": ".temperature"})
    assert store.latest("ticker") == {"temp": NO_VALUE}
    assert store.plottable() == [("ticker", "temp")]
    store.rename("ticker", "renamed")
    assert store.fields_of("ticker") is None
    assert store.latest("renamed") == {"temp": NO_VALUE}
    store.forget("renamed")
    assert store.connections == frozenset()


def test_series_keep_one_point_per_resolution_and_answer_since() -> None:
    series = Series()
    start = 1000.0
    for index in range(40):  # 10 values per RESOLUTION interval
        series.add(start + index * RESOLUTION / 10, float(index))
    assert len(series) == 4
    times, values = series.since(start)
    assert values == [9.0, 19.0, 29.0, 39.0]  # the last of each interval
    assert series.since(times[2]) == (times[2:], [29.0, 39.0])


def test_series_hold_their_span_and_stop_growing() -> None:
    """A point every RESOLUTION (a field) and every second (a rate): after the span has
    filled, as many points again leave the length where it was (it grew to twice the span)."""
    for step in (RESOLUTION, 1.0):
        series = Series()
        lengths = []
        for index in range(int(3 * SPAN / step)):
            series.add(1000.0 + index * step, float(index))
            lengths.append(len(series))
        span_points = int(SPAN / step)
        filled = int(1.2 * SPAN / step)
        assert max(lengths[filled:]) == max(lengths[:filled]) <= span_points + 64
        assert min(lengths[filled:]) >= span_points  # what a plot shows is all there
        times, values = series.since(0)
        assert times[-1] - times[0] <= SPAN + 64 * step
        assert values[-1] == float(len(lengths) - 1)


def test_rate_series_stop_growing_after_their_span() -> None:
    rates = RateHistory()
    longest: dict[int, int] = {}
    for second in range(int(3 * SPAN)):  # sampled once a second, as the App does
        rates.sample(float(second), {"a": second * 10})
        series = rates.series("a")
        if series is not None:
            third = int(second // SPAN)
            longest[third] = max(longest.get(third, 0), len(series))
    assert longest[1] == longest[2] <= SPAN + 64


def test_settings_fields_are_checked_with_their_path() -> None:
    connection = Connection(name="t", url="ws://h", fields={"temp": ".temperature"})
    assert connection.fields == {"temp": ".temperature"}
    with pytest.raises(ValidationError) as caught:
        Connection(name="t", url="ws://h", fields={"temp": ".a |||"})
    (error,) = caught.value.errors()
    assert error["loc"] == ("fields", "temp")
    with pytest.raises(ValidationError, match="column of the connection table"):
        Connection(name="t", url="ws://h", fields={"rate": ".rate"})
    with pytest.raises(ValidationError, match="at most 8 fields"):
        Connection(name="t", url="ws://h", fields={f"f{i}": ".a" for i in range(9)})
    with pytest.raises(ValidationError, match="invalid jq program"):
        Connection(name="t", url="ws://h", correlate=".id |")


def test_leaf_paths_name_every_scalar_as_a_jq_path_that_reads_it_back() -> None:
    payload = '{"temperature": 1, "a b": {"c": [1, [2]]}, "empty": {}, "bids": [["1.5", "2"]]}'
    paths = leaf_paths(payload)
    assert paths == [
        ("temperature", ".temperature"),
        ("a_b_c_0", '.["a b"].c[0]'),
        ("a_b_c_1_0", '.["a b"].c[1][0]'),
        ("bids_0_0", ".bids[0][0]"),
        ("bids_0_1", ".bids[0][1]"),
    ]
    assert FieldSet(dict(paths)).extract(payload) == (1, 1, 2, "1.5", "2")
    assert leaf_paths("not json") == []
    assert leaf_paths("7") == []
    assert len(leaf_paths(json.dumps(list(range(100))))) == 20


def test_fields_added_for_the_run_join_the_settings_ones_within_the_limits() -> None:
    analysis = Analysis()
    analysis.configure(Connection(name="t", url="ws://h", fields={"temp": ".temperature"}))
    assert analysis.add_field("t", "sensor", ".sensor.id") is None
    assert analysis.fields.latest("t") == {"temp": NO_VALUE, "sensor": NO_VALUE}
    # Checked as the settings' fields are (the same JqProgram), the error at its path.
    assert (
        analysis.add_field("t", "bad", ".a |||")
        == "jq: invalid jq program: syntax error, unexpected '|', line 1, column 5"
    )
    assert (
        analysis.add_field("t", "rate", ".rate")
        == "name: 'rate' is a column of the connection table already"
    )
    for index in range(6):
        assert analysis.add_field("t", f"f{index}", ".a") is None
    assert analysis.add_field("t", "ninth", ".a") == "at most 8 fields per connection"
    # A settings change keeps the fields added for the run.
    analysis.configure(Connection(name="t", url="ws://h", fields={"other": ".o"}))
    assert "sensor" in analysis.fields.latest("t")
    analysis.remove_field("t", "sensor")
    assert "sensor" not in analysis.fields.latest("t")


def test_rate_history_turns_counters_into_rates_per_connection() -> None:
    rates = RateHistory()
    rates.sample(100.0, {"a": 0, "b": 5})
    assert rates.series("a") is None  # one sample: no rate yet
    rates.sample(101.0, {"a": 10, "b": 5})
    rates.sample(103.0, {"a": 30, "b": 0})  # b's counters were reset: no negative rate
    series = rates.series("a")
    assert series is not None
    assert series.since(0) == ([101.0, 103.0], [10.0, 10.0])
    b = rates.series("b")
    assert b is not None
    assert b.since(0)[1] == [0.0, 0.0]
    rates.sample(104.0, {"b": 1})
    assert rates.series("a") is None


@pytest.mark.serial
def test_deep_or_huge_values_from_a_peer_show_as_a_cut_cell_without_raising() -> None:
    # A hostile server's `{"a": [[[…]]]}` with a field `.a`: jq hands back a 5000-deep list,
    # which json.dumps cannot encode (RecursionError in the UI thread that draws the cell).
    depth = 5000
    fields = FieldSet({"a": ".a"})
    (deep,) = fields.extract('{"a":' + "[" * depth + "]" * depth + "}")
    assert isinstance(deep, list)
    shown = format_value(deep, limit=10)
    assert shown.startswith("[[[")
    assert shown.endswith("…")
    assert len(shown) == 10
    # A huge value is cut without encoding all of it first.
    huge = list(range(2_000_000))
    started = time.perf_counter()
    assert format_value(huge, limit=10) == "[0,1,2,3,…"
    assert time.perf_counter() - started < 0.05


def test_a_sparkline_scales_the_last_values_between_their_extremes() -> None:
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8) == "▁▂▃▄▅▆▇█"
    assert sparkline([0, 100, 0, 50, 0, 100], 4) == "▁▅▁█"  # the last 4, on their own scale
    assert sparkline([5, 5], 8) == "      ▄▄"  # flat: mid-way, padded while it fills
    assert sparkline([-PLOT_LIMIT, PLOT_LIMIT], 2) == "▁█"
    assert sparkline([], 8) == ""


def test_series_give_their_last_points_and_analysis_the_fields_with_sparklines() -> None:
    series = Series()
    for index in range(20):
        series.add(index * RESOLUTION, float(index))
    assert series.last(3) == [17.0, 18.0, 19.0]
    assert Series().last(8) == []
    analysis = Analysis()
    fields = {"temp": ".temperature", "status": ".status"}
    analysis.configure(Connection(name="a", url="ws://h", fields=fields, sparkline=["temp"]))
    analysis.configure(Connection(name="b", url="ws://h", fields=fields, sparkline=True))
    analysis.configure(Connection(name="c", url="ws://h", fields=fields))
    assert analysis.add_field("b", "sensor", ".sensor.id") is None
    assert analysis.sparklines("a") == ["temp"]
    assert analysis.sparklines("b") == ["temp", "status", "sensor"]  # true: every field
    assert analysis.sparklines("c") == []
    with pytest.raises(ValidationError, match="not a field of this connection: 'nope'"):
        Connection(name="d", url="ws://h", fields=fields, sparkline=["nope"])
