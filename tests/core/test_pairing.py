"""Request/response pairing: JSON-RPC by default, a custom key, order, duplicates, timeouts."""

from __future__ import annotations

import json

from tui.core.events import Event, ReceiveEvent, RuleSendEvent, SendEvent
from tui.core.pairing import PENDING_LIMIT, Mark, Marks, Pairings, percentile


class Wire:
    """Events of one connection with increasing seqs, at chosen times."""

    def __init__(self, name: str = "rpc") -> None:
        self.name = name
        self.seq = 0

    def send(self, message: object, ts: float) -> SendEvent:
        self.seq += 1
        data = message if isinstance(message, str) else json.dumps(message)
        return SendEvent(self.name, ts, seq=self.seq, data=data, size=len(data))

    def receive(self, message: object, ts: float) -> ReceiveEvent:
        self.seq += 1
        data = message if isinstance(message, str) else json.dumps(message)
        return ReceiveEvent(self.name, ts, seq=self.seq, data=data, size=len(data))


def _request(id_: object, method: str = "sum") -> dict[str, object]:
    return {"jsonrpc": "2.0", "method": method, "params": [1, 2], "id": id_}


def _result(id_: object) -> dict[str, object]:
    return {"jsonrpc": "2.0", "result": 3, "id": id_}


def _pairings(name: str = "rpc", correlate: str | None = None, timeout: float = 5.0) -> Pairings:
    pairings = Pairings()
    pairings.configure(name, correlate, timeout)
    return pairings


def test_jsonrpc_pairs_out_of_order_responses_with_no_setting() -> None:
    wire, pairings = Wire(), _pairings()
    events: list[Event] = [
        wire.send(_request(1), 100.0),  # seq 1
        wire.send(_request("1"), 100.1),  # seq 2: a string id is another id
        wire.receive(_result("1"), 100.15),  # seq 3
        wire.receive({"jsonrpc": "2.0", "error": {"code": -1}, "id": 1}, 100.3),  # seq 4
    ]
    pairings.take(events)
    marks = pairings.marks
    assert _close(marks.get(1), 4, 0.3)
    assert _close(marks.get(2), 3, 0.05)
    assert marks.get(3) == Mark("response", 2, marks.get(2).rtt)  # type: ignore[union-attr]
    assert _close(marks.get(4), 1, 0.3)
    pairing = pairings.get("rpc")
    assert pairing is not None
    assert pairing.pending == 0
    assert len(pairing.rtts) == 2


def _close(mark: Mark | None, other: int, rtt: float) -> bool:
    return mark is not None and mark.other == other and abs(mark.rtt - rtt) < 1e-6


def test_notifications_and_non_jsonrpc_messages_are_not_requests() -> None:
    wire, pairings = Wire(), _pairings()
    pairings.take(
        [
            wire.send({"jsonrpc": "2.0", "method": "notify"}, 1.0),  # no id: a notification
            wire.send({"id": 7, "method": "x"}, 1.0),  # not JSON-RPC 2.0
            wire.send("plain", 1.0),
            wire.receive({"id": 7, "result": 1}, 1.1),
        ]
    )
    assert len(pairings.marks) == 0
    pairing = pairings.get("rpc")
    assert pairing is not None
    assert not pairing.active


def test_a_custom_key_pairs_the_first_later_message_with_the_same_key() -> None:
    wire, pairings = Wire("orders"), _pairings("orders", correlate=".ref")
    pairings.take(
        [
            wire.send({"op": "buy", "ref": "a"}, 10.0),  # 1
            wire.send({"op": "ping"}, 10.0),  # 2: no key (null): not a request
            wire.receive({"tick": 1}, 10.01),  # 3
            wire.receive({"ref": "a", "filled": True}, 10.02),  # 4
            wire.receive({"ref": "a", "filled": True}, 10.03),  # 5: a duplicate answer
        ]
    )
    assert _close(pairings.marks.get(1), 4, 0.02)
    assert pairings.marks.get(2) is None
    assert pairings.marks.get(5) is None


def test_duplicate_requests_are_answered_in_the_order_they_were_sent() -> None:
    wire, pairings = Wire(), _pairings()
    pairings.take(
        [
            wire.send(_request(9), 1.0),  # 1
            wire.send(_request(9), 2.0),  # 2
            wire.receive(_result(9), 2.5),  # 3
            wire.receive(_result(9), 2.7),  # 4
            wire.receive(_result(9), 2.8),  # 5: nobody waits
        ]
    )
    assert _close(pairings.marks.get(1), 3, 1.5)
    assert _close(pairings.marks.get(2), 4, 0.7)
    assert pairings.marks.get(5) is None


def test_a_response_on_the_bus_before_its_request_is_still_paired() -> None:
    wire, pairings = Wire(), _pairings()
    pairings.take([wire.send(_request(0), 1.0), wire.receive(_result(0), 1.01)])  # active now
    response = wire.receive(_result(5), 3.002)  # seq 3
    request = wire.send(_request(5), 3.004)  # seq 4: put on the bus after the socket took it
    pairings.take([response, request])
    assert _close(pairings.marks.get(4), 3, 0.0)
    assert pairings.marks.get(3) == Mark("response", 4, 0.0)


def test_a_request_sent_by_automation_is_paired_and_times_out() -> None:
    # A schedule's JSON-RPC heartbeat is a RuleSendEvent (a subclass): with nothing else
    # sent on any connection, its requests are paired all the same, and time out.
    wire, pairings = Wire(), _pairings(timeout=5.0)
    data = json.dumps(_request(1, "ping"))
    beat = RuleSendEvent("rpc", 100.0, seq=1, data=data, size=len(data), rule="beat")
    pairings.take([beat])
    wire.seq = 1
    pairings.take([wire.receive(_result(1), 100.2)])
    assert _close(pairings.marks.get(1), 2, 0.2)
    data = json.dumps(_request(2, "ping"))
    pairings.take([RuleSendEvent("rpc", 101.0, seq=3, data=data, size=len(data), rule="beat")])
    (event,) = pairings.expire(106.5)
    assert (event.connection, event.request) == ("rpc", 3)


def test_due_is_when_the_oldest_pending_request_times_out() -> None:
    # What `wsdeck tail` waits for: a timeout event is given at its deadline, not at a poll.
    wire, pairings = Wire(), _pairings(timeout=5.0)
    assert pairings.due == float("inf")
    pairings.take([wire.send(_request(1), 100.0), wire.send(_request(2), 103.0)])
    assert pairings.due == 105.0
    (event,) = pairings.expire(pairings.due)  # woken at `due`: that request is expired
    assert (event.request, event.waited) == (1, 5.0)
    assert pairings.due == 108.0
    pairings.take([wire.receive(_result(2), 104.0)])
    assert pairings.expire(108.0) == []  # answered since: `due` was early, never late
    assert pairings.due == float("inf")


def test_unanswered_requests_time_out() -> None:
    wire, pairings = Wire(), _pairings(timeout=5.0)
    pairings.take([wire.send(_request(1), 100.0), wire.send(_request(2), 103.0)])
    assert pairings.expire(104.0) == []
    (event,) = pairings.expire(105.5)
    assert (event.connection, event.ts, event.request, event.waited) == ("rpc", 105.5, 1, 5.5)
    assert pairings.expire(105.6) == []  # each request times out once
    assert pairings.marks.get(1) == Mark("timeout", 0, 5.5)
    pairings.take([wire.receive(_result(1), 106.0)])  # too late: not a response
    assert pairings.marks.get(3) is None
    pairing = pairings.get("rpc")
    assert pairing is not None
    assert pairing.pending == 1
    assert pairing.timeouts == 1


def test_pending_requests_are_bounded_by_dropping_the_oldest() -> None:
    wire, pairings = Wire(), _pairings()
    pairings.take([wire.send(_request(n), 1.0 + n / 1000) for n in range(PENDING_LIMIT + 2)])
    pairing = pairings.get("rpc")
    assert pairing is not None
    assert pairing.pending == PENDING_LIMIT
    assert pairings.marks.get(1) is not None
    assert pairings.marks.get(2) is not None
    assert pairings.marks.get(3) is None
    assert pairing.timeouts == 2
    # Dropped requests are timeouts too: their events come with the next expire.
    dropped = pairings.expire(2.002)
    assert [e.request for e in dropped] == [1, 2]
    assert [round(e.ts, 3) for e in dropped] == [2.0, 2.001]  # when each was dropped


def test_marks_are_bounded_and_keep_the_newest() -> None:
    marks = Marks(limit=80)
    for seq in range(1, 1001):
        marks.put(seq, Mark("timeout", 0, 1.0))
    assert len(marks) <= 80 + 10
    assert marks.get(1000) is not None
    assert marks.get(1) is None


def test_percentiles_take_the_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile([], 0.5) is None


def test_changing_the_key_forgets_pending_requests() -> None:
    wire, pairings = Wire(), _pairings()
    pairings.take([wire.send(_request(1), 1.0)])
    pairings.configure("rpc", ".id", 5.0)
    pairings.take([wire.receive(_result(1), 1.5)])
    assert len(pairings.marks) == 0
    pairings.forget("rpc")
    assert pairings.get("rpc") is None


def test_a_peers_key_too_deep_to_encode_is_no_key_and_pairing_goes_on() -> None:
    # jq hands back a key thousands of levels deep; json.dumps raised RecursionError in the
    # analysis thread, which ended it: no fields or pairing for the rest of the run.
    wire, pairings = Wire("orders"), _pairings("orders", correlate=".ref")
    depth = 5000
    deep = '{"ref":' + "[" * depth + "]" * depth + "}"
    pairings.take(
        [
            wire.send({"op": "buy", "ref": "a"}, 10.0),  # 1
            wire.receive(deep, 10.01),  # 2
            wire.receive({"ref": "a"}, 10.02),  # 3
        ]
    )
    assert pairings.marks.get(2) is None
    assert _close(pairings.marks.get(1), 3, 0.02)
