"""``tail``'s per-batch work, in process: the bytes it writes and ``--count`` cut inside a
batch."""

from __future__ import annotations

import io

from tui.core.events import (
    ErrorEvent,
    Event,
    ReceiveEvent,
    StartEvent,
    StopEvent,
    encode_lines,
)
from tui.core.hub import Hub
from tui.tail import TailOptions, _Printer, _Run


def _batch() -> list[Event]:
    text = "é" * (1 << 16)  # its record goes out as a chunk of its own
    return [
        StartEvent("c", 1.0, 1, url="ws://h/"),
        ReceiveEvent("c", 1.5, 2, "a\u202eb\x1b", 5),
        ReceiveEvent("c", 1.5, 3, text, 2 * len(text)),
        ReceiveEvent("c", 1.5, 4, b"\x00\xff", 2),
        StopEvent("c", 2.0, 5, code=1000, by="client"),
    ]


def test_jsonl_goes_to_the_binary_layer_byte_for_byte() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")
    out.write("")  # the text layer is flushed before the binary writes begin
    printer = _Printer(out, "jsonl", {})
    assert printer.binary is raw
    printer.write(_batch())
    printer.write(_batch()[:2])
    assert raw.getvalue() == (encode_lines(_batch()) + encode_lines(_batch()[:2])).encode()


def test_a_stream_without_a_binary_layer_gets_the_same_text() -> None:
    out = io.StringIO()
    printer = _Printer(out, "jsonl", {})
    assert printer.binary is None
    printer.write(_batch())
    assert out.getvalue() == encode_lines(_batch())


class _Recorded(_Printer):
    def __init__(self) -> None:
        super().__init__(io.StringIO(), "jsonl", {})
        self.batches: list[list[Event]] = []

    def write(self, events: list[Event]) -> None:
        self.batches.append(list(events))


async def test_count_cuts_inside_a_batch_and_later_batches_print_no_receive() -> None:
    hub = Hub()
    printer = _Recorded()
    run = _Run(hub, TailOptions(["c"], count=3, sends=["hi"]), printer, None)
    sends: list[str] = []
    run._send_after_start = sends.append  # type: ignore[method-assign]

    def receive(seq: int) -> ReceiveEvent:
        return ReceiveEvent("c", 1.0, seq, str(seq), 1)

    run.take([StartEvent("a", 1.0, 1), receive(2), ErrorEvent("a", 1.0, 3), receive(4)])
    assert (run.received, run.errors, run.full, sends) == (2, 1, False, ["a"])
    run.take([receive(5), receive(6), StartEvent("b", 1.0, 7), ErrorEvent("b", 1.0, 8)])
    # The third receive ends it: the fourth is not shown, the later events are, and the
    # start after the cut sends nothing.
    assert [e.seq for e in printer.batches[1]] == [5, 7, 8]
    assert (run.received, run.errors, run.full, sends) == (3, 2, True, ["a"])
    assert run.opened == {"a", "b"}
    run.take([receive(9), StopEvent("c", 2.0, 10), ErrorEvent("c", 2.0, 11)])
    assert [e.seq for e in printer.batches[2]] == [10, 11]
    assert (run.received, run.errors) == (3, 3)
