"""WireConnection's own frame reading against plain websockets: seeded random streams of
frames (valid ones, then now and then a fault), cut into reads at random places, must give
the same messages in the same order, the same answers (pongs, the close frame) and the same
failure through both."""

from __future__ import annotations

import asyncio
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
)
from websockets.frames import Frame, Opcode
from websockets.protocol import State as ProtocolState
from websockets.streams import StreamReader
from websockets.uri import parse_uri
from websockets.utils import accept_key

import tui.core.wire
from tests.core.conftest import connection
from tests.hardening.conftest import frame
from tui.core.client import WsClient
from tui.core.events import Event, ReceiveEvent
from tui.core.wire import WireConnection

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
STREAMS = 150  # per seed: ~1 s in all
# The payload sizes at the edges of the frame header's length encodings.
EDGES = [0, 1, 125, 126, 127, 65_535, 65_536]


def _wide(opcode: int, payload: bytes) -> bytes:
    """A whole frame that spends 16 bits on a length that 7 hold (RFC 6455 asks for the
    shortest encoding; websockets accepts any)."""
    return struct.pack("!BBH", 0x80 | opcode, 126, len(payload)) + payload


def _header_size(frame: bytes) -> int:
    length = frame[1] & 0x7F
    return 2 + {126: 2, 127: 8}.get(length, 0) + (4 if frame[1] & 0x80 else 0)


def _payload(rng: random.Random, text: bool) -> bytes:
    size = (
        rng.choice(EDGES)
        if rng.random() < 0.15
        else rng.choice([rng.randrange(200), rng.randrange(3000)])
    )
    if not text:
        if rng.random() < 0.2:
            # Bytes that read as whole frames if taken for the start of one.
            return frame(TEXT, b"inner") * rng.randint(1, 3)
        return rng.randbytes(size)
    # Multi-byte characters, cut nowhere inside the message (fragments may cut them).
    chars = "aé€😀"
    out = "".join(rng.choices(chars, k=size))
    return out.encode()[:size].decode(errors="ignore").encode()


def _control(rng: random.Random) -> bytes:
    return frame(rng.choice([PING, PONG]), rng.randbytes(rng.randrange(126)))


def _message(rng: random.Random) -> list[bytes]:
    """The frames of one data message, perhaps fragmented with control frames between."""
    text = rng.random() < 0.5
    payload = _payload(rng, text)
    opcode = TEXT if text else BINARY
    if rng.random() < 0.7 or not payload:
        return [
            _wide(opcode, payload)
            if len(payload) < 126 and rng.random() < 0.1
            else frame(opcode, payload)
        ]
    cuts = sorted(rng.sample(range(len(payload) + 1), min(len(payload) + 1, rng.randint(1, 4))))
    parts = [payload[a:b] for a, b in zip([0, *cuts], [*cuts, len(payload)], strict=True)]
    frames = []
    for i, part in enumerate(parts):
        frames.append(frame(opcode if i == 0 else CONT, part, fin=i == len(parts) - 1))
        if i < len(parts) - 1 and rng.random() < 0.4:
            frames.append(_control(rng))
    return frames


# Faults: each ends a stream through websockets' own checks.
FAULTS: list[Callable[[random.Random], list[bytes]]] = [
    lambda rng: [frame(TEXT, b"masked", mask=True)],
    lambda rng: [frame(rng.choice([TEXT, BINARY]), b"rsv", rsv=rng.choice([1, 2, 4]))],
    lambda rng: [frame(rng.choice([0x3, 0x7, 0xB, 0xF]), b"opcode")],
    lambda rng: [frame(TEXT, b"ok \xff\xfe bad")],  # invalid UTF-8 in one frame
    lambda rng: [frame(TEXT, "é".encode()[:1], fin=False), frame(CONT, b"x")],  # split bad
    lambda rng: [frame(CONT, b"no start")],
    lambda rng: [frame(TEXT, b"a", fin=False), frame(BINARY, b"new")],
    lambda rng: [frame(PING, b"x" * 126)],  # a control frame too long
    lambda rng: [frame(PING, b"frag", fin=False)],
    lambda rng: [frame(CLOSE, b"\x03\xe8\xff")],  # invalid UTF-8 in the close reason
    lambda rng: [frame(CLOSE, b"\x03")],  # a one-byte close payload
    lambda rng: [frame(TEXT, b"x" * 70_000)],  # a 64-bit length over max_size
]


@dataclass
class Stream:
    """The bytes a server writes, where they are cut into reads, and the size limit."""

    wire: bytes
    cuts: list[int]
    max_size: int | None
    deflate: bool = False


def _stream(rng: random.Random) -> Stream:
    frames: list[bytes] = []
    max_size: int | None = rng.choice([None, 2**20, 1000, 126])
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.15:
            frames.append(_control(rng))
        frames.extend(_message(rng))
    if max_size is not None and rng.random() < 0.3:
        # A message exactly at the limit, or one over it.
        frames.append(frame(BINARY, b"L" * (max_size + rng.choice([0, 1]))))
    if rng.random() < 0.3:
        frames.extend(rng.choice(FAULTS)(rng))
    if rng.random() < 0.9:
        close = rng.choice([b"", b"\x03\xe8", b"\x03\xe9going", b"\x0f\xa0"])
        frames.append(frame(CLOSE, close))
        if rng.random() < 0.3:  # data after the close frame: discarded
            frames.append(frame(TEXT, b"after close"))
    wire, cuts = b"".join(frames), _cuts(rng, frames)
    if rng.random() < 0.15:
        # The stream ends anywhere (the server gone): inside a frame kept for the next
        # read too, which must then end as websockets ends it.
        end = rng.randrange(1, len(wire))
        wire, cuts = wire[:end], [cut for cut in cuts if cut < end]
    return Stream(wire, cuts, max_size)


def _cuts(rng: random.Random, frames: list[bytes]) -> list[int]:
    """Where the reads end: after each frame, after some frames' headers too, or anywhere."""
    ends, headers, at = [], [], 0
    for f in frames:
        headers.append(at + _header_size(f))
        at += len(f)
        ends.append(at)
    choice = rng.random()
    if choice < 0.3:
        return ends  # a frame per read, as under fan-in
    if choice < 0.6:
        # Some reads end right after a frame's header: the parser then waits inside the
        # frame with nothing buffered, as it does between frames.
        return sorted({*ends, *(h for h in headers if rng.random() < 0.5)})
    return sorted(rng.sample(range(1, at + 1), min(at, rng.randint(1, 20))))


def _deflated_stream(rng: random.Random) -> Stream:
    """permessage-deflate negotiated: compressed messages (whole or fragmented) and
    uncompressed whole ones, which websockets' decoding must read all of."""
    server = PerMessageDeflate(False, False, 15, 15)
    frames: list[bytes] = []
    for _ in range(rng.randint(1, 8)):
        text = rng.random() < 0.5
        opcode = Opcode.TEXT if text else Opcode.BINARY
        payload = _payload(rng, text)
        if rng.random() < 0.3:
            frames.append(Frame(opcode, payload).serialize(mask=False))  # not compressed
        elif rng.random() < 0.5 and len(payload) > 1:
            cut = rng.randrange(1, len(payload))
            for i, part in enumerate([payload[:cut], payload[cut:]]):
                kind = opcode if i == 0 else Opcode.CONT
                data = Frame(kind, part, fin=i == 1)
                frames.append(data.serialize(mask=False, extensions=[server]))
        else:
            frames.append(Frame(opcode, payload).serialize(mask=False, extensions=[server]))
    frames.append(frame(CLOSE, b"\x03\xe8"))
    return Stream(b"".join(frames), _cuts(rng, frames), None, deflate=True)


class Transport(asyncio.Transport):
    """What the connection writes, kept; closing it ends the connection as a peer would."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.protocol: ClientConnection | None = None
        self.closing = False

    def write(self, data: Any) -> None:
        self.written += data

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.abort()

    def abort(self) -> None:
        if not self.closing and self.protocol is not None:
            self.closing = True
            asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)


@dataclass
class Outcome:
    """What one connection made of a stream."""

    messages: list[str | bytes] = field(default_factory=list)
    sent: list[tuple[int, bytes]] = field(default_factory=list)
    close_rcvd: str = ""
    close_sent: str = ""
    failure: str = ""


class Sink:
    """The reader's sink, full now and then for a few messages (the fast path must then
    leave them to ``recv()``, and the messages after them too)."""

    def __init__(self, rng: random.Random, out: list[str | bytes]) -> None:
        self.rng = rng
        self.out = out
        self.full_for = 0

    @property
    def full(self) -> bool:
        if self.full_for:
            self.full_for -= 1
        elif self.rng.random() < 0.05:
            self.full_for = self.rng.randint(1, 6)
        return self.full_for > 0

    def offer(self, event: Event) -> bool:
        assert isinstance(event, ReceiveEvent)
        self.out.append(event.data)
        return True

    async def put(self, event: Event) -> None:
        self.offer(event)


async def _plain_reader(ws: ClientConnection, out: list[str | bytes]) -> None:
    try:
        while True:
            out.append(await ws.recv())
    except ConnectionClosed:
        pass


class Stepper:
    """websockets' parser behind an object that is not a generator (a shape it may take)."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser

    def __next__(self) -> Any:
        return next(self.parser)


async def _feed(stream: Stream, wire_side: bool, seed: int, *, stepper: bool = False) -> Outcome:
    """Feed the stream's reads to a WireConnection read by wsdeck's reader, or to plain
    websockets read by ``recv()``; then the server closes the TCP connection."""
    protocol = ClientProtocol(
        parse_uri("ws://127.0.0.1/"),
        extensions=[ClientPerMessageDeflateFactory()] if stream.deflate else None,
        max_size=stream.max_size,
    )
    kind = WireConnection if wire_side else ClientConnection
    ws = kind(protocol, ping_interval=None, ping_timeout=None, close_timeout=None)
    transport = Transport()
    transport.protocol = ws
    ws.connection_made(transport)
    request = protocol.connect()
    protocol.send_request(request)
    accept = accept_key(request.headers["Sec-WebSocket-Key"])
    ws.data_received(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: "
        + accept.encode()
        + b"\r\n"
        + (b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if stream.deflate else b"")
        + b"\r\n"
    )
    assert protocol.state is ProtocolState.OPEN
    del transport.written[:]  # the handshake's request
    if stepper:
        protocol.parser = Stepper(protocol.parser)  # type: ignore[assignment]
    outcome = Outcome()
    if wire_side:
        sink = Sink(random.Random(seed), outcome.messages)
        client = WsClient(connection("c", "ws://127.0.0.1:1/"), sink)
        assert isinstance(ws, WireConnection)
        reader = asyncio.ensure_future(client._read(ws, sink))
    else:
        reader = asyncio.ensure_future(_plain_reader(ws, outcome.messages))
    await asyncio.sleep(0)  # the reader is waiting in recv()
    lag = random.Random(seed)
    start = 0
    for cut in [*stream.cuts, len(stream.wire)]:
        if transport.closing:
            break
        if cut > start:
            ws.data_received(stream.wire[start:cut])
            start = cut
        if lag.random() < 0.7:
            # The reader takes what recv() has for it before the next read (or, the other
            # times, it is still behind when the next read comes).
            for _ in range(4):
                await asyncio.sleep(0)
    if not transport.closing:
        ws.eof_received()
        transport.abort()
    await asyncio.wait_for(reader, 5)
    reading = StreamReader()
    reading.feed_data(bytes(transport.written))
    reading.feed_eof()
    while reading.buffer:
        parse = Frame.parse(reading.read_exact, mask=True)
        try:
            next(parse)
        except StopIteration as done:
            sent: Frame = done.value
            outcome.sent.append((sent.opcode.value, bytes(sent.data)))
    outcome.close_rcvd = str(protocol.close_rcvd)
    outcome.close_sent = str(protocol.close_sent)
    exc = ws.connection_exc or protocol.parser_exc
    outcome.failure = f"{type(exc).__name__}: {exc}" if exc is not None else ""
    return outcome


@dataclass
class Count:
    """Bytes WireConnection read itself, to show the fast path ran at all."""

    taken: int = 0


@pytest.fixture
def fast_bytes(monkeypatch: pytest.MonkeyPatch) -> Count:
    count = Count()
    original = WireConnection._take_frames

    def counting(self: WireConnection, data: bytes, take: Any) -> tuple[int, bool]:
        done, whole = original(self, data, take)
        count.taken += done
        return done, whole

    monkeypatch.setattr(WireConnection, "_take_frames", counting)
    return count


async def _same_through_both(
    streams: Callable[[random.Random], Stream], seed: int, count: int, *, stepper: bool = False
) -> list[Outcome]:
    """``count`` streams from ``streams``: what websockets made of each, the same as what
    WireConnection (with its parser in a :class:`Stepper` if asked) made of it."""
    rng = random.Random(seed)
    outcomes = []
    for n in range(count):
        stream = streams(rng)
        plain = await _feed(stream, False, seed * 10_000 + n)
        wire = await _feed(stream, True, seed * 10_000 + n, stepper=stepper)
        assert wire == plain, (
            f"stream {n} of seed {seed}: {stream.wire[:200]!r} cut at {stream.cuts}"
        )
        outcomes.append(plain)
    return outcomes


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_fast_path_reads_what_websockets_reads(seed: int, fast_bytes: Count) -> None:
    outcomes = await _same_through_both(_stream, seed, STREAMS)
    assert fast_bytes.taken > 100_000  # the fast path read a good part of it
    assert any(o.failure for o in outcomes)
    assert any(not o.failure for o in outcomes)


async def test_compressed_connections_are_read_by_websockets(fast_bytes: Count) -> None:
    """With permessage-deflate negotiated every frame goes through websockets' decoding,
    even an uncompressed whole message (the fast path stays off)."""
    outcomes = await _same_through_both(_deflated_stream, 5, STREAMS // 3)
    assert all(o.close_rcvd.startswith("1000") for o in outcomes)
    assert fast_bytes.taken == 0


async def test_when_websockets_parser_waits_elsewhere_everything_goes_through_it(
    monkeypatch: pytest.MonkeyPatch, fast_bytes: Count
) -> None:
    """If websockets' parser no longer waits in StreamReader.at_eof between frames (its
    shape changed), the guard says no and websockets reads every frame."""
    monkeypatch.setattr(tui.core.wire, "_AT_EOF", _feed.__code__)  # never where it waits
    await _same_through_both(_stream, 4, STREAMS // 3)
    assert fast_bytes.taken == 0


async def test_a_parser_of_another_shape_reads_everything(fast_bytes: Count) -> None:
    """If websockets' parser is no longer a chain of generators, the guard says no (it
    does not fail the read) and websockets reads every frame."""
    await _same_through_both(_stream, 6, STREAMS // 3, stepper=True)
    assert fast_bytes.taken == 0


async def test_a_frame_dripped_over_many_reads_is_kept_once_then_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 60 000-byte message a hundred bytes a read: the start kept for the next read is
    not kept again (copied at every read: quadratic in the frame's size), websockets'
    parser buffers the rest; the message arrives whole, as through plain websockets."""
    kept: list[int] = []
    original = WireConnection.data_received

    def data_received(self: WireConnection, data: bytes) -> None:
        original(self, data)
        kept.append(len(self._carried))

    monkeypatch.setattr(WireConnection, "data_received", data_received)
    frames = [frame(TEXT, b"first"), frame(BINARY, b"d" * 60_000), frame(CLOSE, b"\x03\xe8")]
    wire = b"".join(frames)
    stream = Stream(wire, list(range(len(frames[0]) + 100, len(wire), 100)), None)
    plain = await _feed(stream, False, 0)
    dripped = await _feed(stream, True, 0)
    assert dripped == plain
    assert plain.messages == ["first", b"d" * 60_000]
    assert max(kept) <= 200 + 4  # two reads and the header, at most
