"""Fields over a recording (``wsdeck open``): the live field store fed with picked messages."""

from __future__ import annotations

from pathlib import Path

from tui.core.events import Event, ReceiveEvent, SendEvent, encode_lines
from tui.core.fields_store import SPAN, FieldStore
from tui.core.jq import NO_VALUE
from tui.review_fields import ReviewFields
from tui.review_store import RecordingStore

T0 = 1_795_600_000.0


def ticker(seconds: int) -> list[Event]:
    """Two readings a second (at .0 and .25: the second is each interval's last), a send."""
    events: list[Event] = []
    for second in range(seconds):
        for part in (0.0, 0.25):
            temp = second + part
            data = f'{{"temp": {temp}, "status": "s{second}"}}'
            events.append(ReceiveEvent("ticker", T0 + second + part, data=data, size=len(data)))
        events.append(SendEvent("ticker", T0 + second + 0.6, data='{"temp": -1}', size=12))
    for seq, event in enumerate(events, 1):
        event.seq = seq
    return events


def reviewed(tmp_path: Path, events: list[Event]) -> tuple[RecordingStore, FieldStore]:
    path = tmp_path / "events.jsonl"
    path.write_text(encode_lines(events))
    store = RecordingStore([path])
    store.load_all()
    return store, FieldStore()


def test_latest_values_and_series_over_the_recorded_times(tmp_path: Path) -> None:
    store, fields = reviewed(tmp_path, ticker(10))
    fields.configure("ticker", {"temp": ".temp", "status": ".status"})
    ReviewFields(store, fields).catch_up()
    assert fields.latest("ticker") == {"temp": 9.25, "status": "s9"}
    series = fields.series("ticker", "temp")
    assert series is not None
    times, values = series.since(0)
    assert [round(t - T0, 2) for t in times] == [s + 0.25 for s in range(10)]
    assert values == [s + 0.25 for s in range(10)]
    assert fields.series("ticker", "status") is None  # not numeric
    store.close()


def test_indexed_a_step_at_a_time_the_values_follow(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(encode_lines(ticker(3)))
    store = RecordingStore([path])
    fields = FieldStore()
    fields.configure("ticker", {"temp": ".temp"})
    review = ReviewFields(store, fields)
    review.catch_up()
    assert fields.latest("ticker") == {"temp": NO_VALUE}
    store.load_all()
    review.catch_up()
    review.catch_up()  # nothing new: nothing taken twice
    series = fields.series("ticker", "temp")
    assert series is not None
    assert series.since(0)[1] == [0.25, 1.25, 2.25]
    store.close()


def test_a_field_added_later_gets_the_whole_span_in_time_order(tmp_path: Path) -> None:
    store, fields = reviewed(tmp_path, ticker(5))
    fields.configure("ticker", {"status": ".status"})
    review = ReviewFields(store, fields)
    review.catch_up()
    assert fields.series("ticker", "temp") is None
    fields.configure("ticker", {"status": ".status", "temp": ".temp"})  # the palette's add
    review.catch_up()
    series = fields.series("ticker", "temp")
    assert series is not None
    times, values = series.since(0)
    assert values == [0.25, 1.25, 2.25, 3.25, 4.25]
    assert times == sorted(times)
    fields.configure("ticker", {})  # every field removed, then one added again
    review.catch_up()
    fields.configure("ticker", {"temp": ".temp"})
    review.catch_up()
    again = fields.series("ticker", "temp")
    assert again is not None
    assert again.since(0)[1] == values
    store.close()


def test_only_the_span_a_plot_shows_is_extracted(tmp_path: Path) -> None:
    seconds = int(SPAN) + 100
    store, fields = reviewed(tmp_path, ticker(seconds))
    fields.configure("ticker", {"temp": ".temp"})
    ReviewFields(store, fields).catch_up()
    series = fields.series("ticker", "temp")
    assert series is not None
    times, _ = series.since(0)
    start = store.timeline.end - SPAN
    assert start <= times[0] < start + 1  # a point per second, from the span's start on
    assert len(times) in (int(SPAN), int(SPAN) + 1)
    store.close()
