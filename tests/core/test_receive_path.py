"""The receive path: whole messages go from the protocol straight to the bus, the rest
through ``recv()``, and the events come out in the order the server sent the messages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.protocol import State as ProtocolState

from tests.core.conftest import connection
from tests.hardening.conftest import BINARY, CLOSE, PING, TEXT, RawServer, close_after_peer, frame
from tui.core.events import ReceiveEvent
from tui.core.wire import WireConnection
from tui.demo_server import DemoServer

CONT = 0x0


def _messages() -> list[tuple[list[bytes], str | bytes]]:
    """(the frames of each message as written, the data the event must carry)."""
    return [
        ([frame(TEXT, b"one")], "one"),
        ([frame(TEXT, b"tw", fin=False), frame(PING, b"p"), frame(CONT, b"o")], "two"),
        ([frame(BINARY, b"\x00\x03")], b"\x00\x03"),
        ([frame(TEXT, "fünf €".encode())], "fünf €"),
        (
            [frame(BINARY, b"si", fin=False), frame(CONT, b"x", fin=False), frame(CONT, b"!")],
            b"six!",
        ),
        ([frame(TEXT, b"seven")], "seven"),
    ]


@pytest.mark.parametrize("bus_limit", [10_000, 1])
async def test_whole_and_fragmented_messages_keep_the_servers_order(
    hub_runner: Any, bus_limit: int
) -> None:
    """Each write ends at an awkward place (inside a fragmented message, between a whole
    message and the next), and with a bus of one event the reader keeps meeting a full
    bus: the fast path must hand over to ``recv()`` and back without reordering."""
    rounds = 40
    messages = _messages()
    wire = b"".join(b"".join(frames) for frames, _ in messages)
    cut = len(b"".join(messages[0][0])) + 3  # inside the second message's first frame

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(rounds):
            writer.write(wire[:cut])
            await writer.drain()
            await asyncio.sleep(0.001)
            writer.write(wire[cut:])
            await writer.drain()
        writer.write(frame(CLOSE, b"\x03\xe8"))
        await close_after_peer(reader, writer)

    async with RawServer(behaviour) as server:
        hub, events = hub_runner(connection("c", server.url), bus_limit=bus_limit)
        hub.start("c")
        await events.count("stop", 1, timeout=20)
    received = [e for e in events.events if isinstance(e, ReceiveEvent)]
    expected = [data for _, data in messages] * rounds
    assert [e.data for e in received] == expected
    sizes = [len(d.encode()) if isinstance(d, str) else len(d) for d in expected]
    assert [e.size for e in received] == sizes
    seqs = [e.seq for e in events.events]
    assert seqs == sorted(set(seqs))
    assert hub.get("c").stats.msgs_in == len(expected)
    assert not events.of("error")


async def test_messages_in_one_frame_do_not_go_through_recv(
    demo: DemoServer, hub_runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of small messages reaches the bus from the protocol's callback: no
    ``recv()``, no wake-up of the reading task, per message."""
    returned = 0
    original = WireConnection.recv

    async def counting_recv(self: WireConnection, *args: Any) -> Any:
        nonlocal returned
        message = await original(self, *args)
        returned += 1
        return message

    monkeypatch.setattr(WireConnection, "recv", counting_recv)
    count = 100_000
    url = demo.endpoint(f"/flood?count={count}&size=64")
    # A bus that never fills: a full one sends messages through recv() (backpressure).
    hub, events = hub_runner(connection("f", url), bus_limit=count + 10)
    hub.start("f")
    await events.count("stop", 1, timeout=30)
    received = events.of("receive")
    assert len(received) == count == hub.get("f").stats.msgs_in
    assert [int(e.data[:8]) for e in received] == list(range(1, count + 1))
    # Only what arrived before the reader started (one read of at most 256 KiB, ~4 000
    # of these frames, queued during the handshake) goes through recv().
    assert returned < count // 10


async def test_a_flood_is_read_without_websockets_parser(
    demo: DemoServer, hub_runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood's reads end inside frames: the connection keeps the start of the last one
    for the next read, and the parser, left inside a frame by the reads before the
    reader took over, is given only the rest of that frame: it parses few frames."""
    parsed = _counting_frame_parse(monkeypatch)
    count = 100_000
    url = demo.endpoint(f"/flood?count={count}&size=64")
    # Without compression: a compressed frame needs websockets' decoding.
    hub, events = hub_runner(connection("f", url, compression="none"), bus_limit=count + 10)
    hub.start("f")
    await events.count("stop", 1, timeout=30)
    received = events.of("receive")
    assert [int(e.data[:8]) for e in received] == list(range(1, count + 1))
    assert not events.of("error")
    # What arrived with the handshake's response (one read of at most 256 KiB: ~4 000
    # of these frames), the frame the reader came in on, the close frame.
    assert len(parsed) < count // 20


async def test_redaction_and_sizes_on_the_fast_path(hub_runner: Any) -> None:
    """Secrets echoed by the server are hidden; the size is still what the wire carried."""
    secret = "s3cr3t-t0ken"
    payload = f"echo {secret} ü".encode()

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(TEXT, payload) + frame(BINARY, payload))
        writer.write(frame(CLOSE, b"\x03\xe8"))
        await close_after_peer(reader, writer)

    async with RawServer(behaviour) as server:
        conn = connection("c", server.url, headers={"Authorization": "Bearer ${TOKEN}"})
        hub, events = hub_runner(conn, env={"TOKEN": secret})
        hub.start("c")
        await events.count("stop", 1)
    text, binary = events.of("receive")
    assert text.data == "echo *** ü"
    assert secret.encode() not in binary.data
    assert text.size == binary.size == len(payload)
    assert hub.get("c").stats.bytes_in == 2 * len(payload)


async def test_the_websockets_internals_of_the_fast_path_have_their_shape() -> None:
    # WireConnection.process_event overrides websockets' own and reads the length of its
    # receive queue; its data_received reads frames itself between websockets' frames
    # (pyproject.toml pins the versions this was tested with).
    from websockets.asyncio.client import ClientConnection
    from websockets.asyncio.messages import Assembler
    from websockets.frames import Frame, Opcode

    assert any("process_event" in vars(base) for base in ClientConnection.__mro__)
    queue = Assembler()
    assert len(queue.frames) == 0
    queue.put(Frame(Opcode.TEXT, b"x"))
    assert len(queue.frames) == 1
    # WireConnection._between_frames reads the protocol's state and where its chain of
    # parsing generators waits: in StreamReader.at_eof between two frames, elsewhere
    # inside one.
    from websockets.client import ClientProtocol
    from websockets.protocol import State as ProtocolState
    from websockets.streams import StreamReader
    from websockets.uri import parse_uri

    def waits_in(protocol: ClientProtocol) -> Any:
        waiting: Any = protocol.parser
        while waiting.gi_yieldfrom is not None:
            waiting = waiting.gi_yieldfrom
        return waiting.gi_code

    protocol = ClientProtocol(parse_uri("ws://127.0.0.1/"), state=ProtocolState.OPEN)
    assert protocol.current_size is None
    assert protocol.max_fragment_size is None
    assert protocol.debug is False
    protocol.receive_data(frame(TEXT, b"one"))
    assert waits_in(protocol) is StreamReader.at_eof.__code__
    assert not protocol.reader.buffer
    protocol.receive_data(frame(TEXT, b"two")[:2])
    assert waits_in(protocol) is not StreamReader.at_eof.__code__
    assert not protocol.reader.buffer
    # Inside a frame it waits in read_exact, whose local ``n`` WireConnection._finish_frame
    # reads (how many bytes the parser waits for).
    assert waits_in(protocol) is StreamReader.read_exact.__code__
    waiting: Any = protocol.parser
    while waiting.gi_yieldfrom is not None:
        waiting = waiting.gi_yieldfrom
    assert waiting.gi_frame.f_locals["n"] == 3


def test_the_protocol_says_when_a_read_leaves_something_to_write() -> None:
    # WireConnection.send_data skips its outgoing checks while the protocol's writes are
    # empty (after nearly every message read): a data frame leaves nothing to write, a
    # ping leaves its pong, and data_to_send() empties the list.
    from websockets.client import ClientProtocol
    from websockets.protocol import State as ProtocolState
    from websockets.uri import parse_uri

    protocol = ClientProtocol(parse_uri("ws://127.0.0.1/"), state=ProtocolState.OPEN)
    protocol.receive_data(frame(TEXT, b"one"))
    assert protocol.writes == []
    protocol.receive_data(frame(PING, b"p"))
    assert protocol.writes
    assert protocol.data_to_send()
    assert protocol.writes == []


@pytest.mark.parametrize("bus_limit", [10_000, 1])
async def test_nothing_after_invalid_utf8_is_delivered(hub_runner: Any, bus_limit: int) -> None:
    """Text that is not UTF-8 fails the connection where it stands (recv() does that): the
    messages before it arrive, the ones behind it in the same read do not."""

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(TEXT, b"before") + frame(TEXT, b"bad \xff") + frame(TEXT, b"after"))
        await writer.drain()
        await close_after_peer(reader, writer)

    async with RawServer(behaviour) as server:
        hub, events = hub_runner(connection("c", server.url), bus_limit=bus_limit)
        hub.start("c")
        await events.count("stop", 1, timeout=20)
    assert [e.data for e in events.of("receive")] == ["before"]
    assert hub.get("c").stats.msgs_in == 1
    assert any("UTF-8" in e.message for e in events.of("error"))


def _counting_frame_parse(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The payload size of each frame websockets' own parser reads."""
    from websockets.frames import Frame

    parsed: list[int] = []
    original = Frame.parse.__func__  # type: ignore[attr-defined]

    def parse(cls: type[Frame], *args: Any, **kwargs: Any) -> Any:
        result = yield from original(cls, *args, **kwargs)
        parsed.append(len(result.data))
        return result

    monkeypatch.setattr(Frame, "parse", classmethod(parse))
    return parsed


class _Reads:
    """The bytes the client's connection has read since its handshake, counted in its
    data_received, so a server can wait until a piece it wrote has been read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.total = 0
        self.since: int | None = None  # the total when the connection opened
        self._changed = asyncio.Event()
        original = WireConnection.data_received

        def counting(ws: WireConnection, data: bytes) -> None:
            original(ws, data)
            self.total += len(data)
            if self.since is None and ws.protocol.state is ProtocolState.OPEN:
                self.since = self.total
            self._changed.set()

        monkeypatch.setattr(WireConnection, "data_received", counting)

    async def at_least(self, size: int) -> None:
        async with asyncio.timeout(10):
            while self.since is None or self.total - self.since < size:
                self._changed.clear()
                await self._changed.wait()


async def _read_one_by_one(
    hub_runner: Any, monkeypatch: pytest.MonkeyPatch, pieces: list[bytes]
) -> Any:
    """A server writes each piece once the client has read the one before (one read
    each, whatever the machine's load), then a close frame; the events of a connection
    to it, once it stopped."""
    reads = _Reads(monkeypatch)

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reads.at_least(0)  # the handshake's response read on its own
        written = 0
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            written += len(piece)
            await reads.at_least(written)
        writer.write(frame(CLOSE, b"\x03\xe8"))
        await close_after_peer(reader, writer)

    async with RawServer(behaviour) as server:
        hub, events = hub_runner(connection("c", server.url))
        hub.start("c")
        await events.count("stop", 1, timeout=20)
    return events


async def test_a_message_per_read_skips_websockets_parser(
    hub_runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fan-in: every read holds one small message (text, or binary; 7-bit and 16-bit
    lengths): the connection reads them itself, websockets' parser reads none of them
    (only the close frame here, and perhaps the first message)."""
    parsed = _counting_frame_parse(monkeypatch)
    messages: list[str | bytes] = [
        f"m{i} " + "x" * size for i, size in enumerate([0, 60, 121, 122, 500, 65_000])
    ]
    messages += [b"\x00\x01", b"\xff" * 300]
    pieces = [frame(TEXT, m.encode()) if isinstance(m, str) else frame(BINARY, m) for m in messages]
    events = await _read_one_by_one(hub_runner, monkeypatch, pieces)
    assert [e.data for e in events.of("receive")] == messages
    assert not events.of("error")
    # The close frame; the first message too if it came in the read of the handshake's
    # response, before the reader was there to take it.
    assert parsed in ([2], [len(messages[0]), 2])


@pytest.mark.parametrize(
    ("wire", "problem"),
    [
        (frame(TEXT, b"masked", mask=True), "mask"),
        (frame(TEXT, b"reserved", rsv=4), "reserved bits"),
        (frame(0x3, b"opcode 3"), "opcode"),
        (frame(TEXT, b"x" * 2000), "over max_message_size"),
        (frame(TEXT, b"x" * 70_000), "over max_message_size"),  # a 64-bit length
    ],
)
async def test_frames_the_fast_path_leaves_fail_as_websockets_fails_them(
    hub_runner: Any, wire: bytes, problem: str
) -> None:
    """After a good message, in the same read: a masked frame, reserved bits, an unknown
    opcode, a message over ``max_message_size`` (1 000 bytes here) are websockets'
    protocol errors, reported as such; nothing after them is delivered."""

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(TEXT, b"good") + wire + frame(TEXT, b"after"))
        await writer.drain()
        await close_after_peer(reader, writer)

    async with RawServer(behaviour) as server:
        hub, events = hub_runner(connection("c", server.url, max_message_size=1000))
        hub.start("c")
        await events.count("stop", 1, timeout=20)
    assert [e.data for e in events.of("receive")] == ["good"]
    errors = " ".join(e.message for e in events.of("error"))
    assert problem in errors.lower()


async def test_a_frame_cut_after_its_header_is_read_by_websockets(
    hub_runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read that ends right after a frame's header leaves websockets' parser inside that
    frame with nothing buffered: the next read (its payload, then whole messages) must
    go to the parser, not be taken for the start of a frame."""
    payload = b"\x81\x05hello"  # its payload would read as a frame if taken for one
    cases = [
        frame(BINARY, payload)[:2],
        frame(BINARY, payload)[2:] + frame(TEXT, b"next"),
        frame(TEXT, b"x" * 200)[:4],  # a 16-bit length, cut after it
        frame(TEXT, b"x" * 200)[4:],
    ]
    events = await _read_one_by_one(hub_runner, monkeypatch, cases)
    assert [e.data for e in events.of("receive")] == [payload, "next", "x" * 200]
    assert not events.of("error")


async def test_a_whole_message_inside_a_fragmented_one_fails_the_connection(
    hub_runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the fragments of a message the parser waits for a frame with nothing
    buffered, but only a continuation may come: a whole message read then is websockets'
    protocol error, not a message."""
    pieces = [frame(TEXT, b"good"), frame(TEXT, b"frag", fin=False), frame(TEXT, b"in")]
    events = await _read_one_by_one(hub_runner, monkeypatch, pieces)
    assert [e.data for e in events.of("receive")] == ["good"]
    assert any("continuation" in e.message for e in events.of("error"))


async def test_a_stream_that_ends_inside_a_kept_frame_ends_as_websockets_ends_it(
    hub_runner: Any,
) -> None:
    """The start of a frame kept for the next read goes to the parser when the stream
    ends instead: the connection is lost (1006), with what websockets says about it."""

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(TEXT, b"good") + frame(TEXT, b"cut short")[:5])
        await writer.drain()
        writer.close()

    async with RawServer(behaviour) as server:
        hub, events = hub_runner(connection("c", server.url))
        hub.start("c")
        await events.count("stop", 1, timeout=20)
    assert [e.data for e in events.of("receive")] == ["good"]
    (stop,) = events.of("stop")
    assert stop.code == 1006
    assert [e.message for e in events.of("error")] == [
        "connection lost: no close frame (1006 abnormal closure)"
    ]
