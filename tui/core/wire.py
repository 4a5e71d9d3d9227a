"""The websockets connection as wsdeck drives it: failures reported when they happen,
a bounded outgoing buffer, redirects under the connection's control, and whole messages
read straight from the socket's bytes when they come one frame each.

Imported with the first connection attempt (websockets' client module costs ~35 ms).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.datastructures import Headers
from websockets.exceptions import InvalidMessage, ProtocolError, TooManyFragments
from websockets.frames import BINARY, TEXT, Frame
from websockets.protocol import OPEN
from websockets.proxy import get_proxy
from websockets.streams import StreamReader
from websockets.uri import parse_uri

from settings.urls import mask_url
from tui.core.errors import KeepaliveTimeout, OutgoingBufferFull

# Data waiting to be sent, beyond the message being sent right now, at which the peer is
# taken to have stopped reading. Our own sends wait for the buffer to drain (websockets'
# write_limit, 32 KiB), so only automatic answers grow it: a peer that floods pings and
# never reads the pongs grew it by ~14 MB/s without bound before this cap.
OUTGOING_LIMIT = 4 * 1024 * 1024

TakeMessage = Callable[[bytes | bytearray | memoryview, bool], bool]
"""Takes the payload of a whole message (and whether it is text), or returns False."""

# The first byte of a whole text or binary message in one frame (FIN, no reserved bits).
_WHOLE_TEXT, _WHOLE_BINARY = 0x81, 0x82
# Where websockets' parser waits between two frames (see WireConnection._between_frames).
_AT_EOF = StreamReader.at_eof.__code__
# Where it waits inside a frame, for ``n`` bytes (see WireConnection._finish_frame).
_READ_EXACT = StreamReader.read_exact.__code__

# The reason websockets' keepalive closes with when no pong came back in time.
_KEEPALIVE_TIMEOUT = "keepalive ping timeout"


class WireConnection(ClientConnection):
    """A client connection that reports a failure once, as soon as it is detected, and
    drops a peer that stopped reading (:data:`OUTGOING_LIMIT`).

    websockets raises a protocol failure (message too big, invalid UTF-8, too many
    fragments, a keepalive timeout) only after the closing handshake, which a hostile
    server can stall; meanwhile the connection looked open. ``failure`` holds the first
    one and ``on_failure`` (set by the owner) hears about it at once; the connection is
    then dropped if the closing handshake has not ended within ``close_timeout``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failure: BaseException | None = None
        self.on_failure: Callable[[BaseException], None] | None = None
        self.allowance = 0  # size of the message being sent now (it may sit in the buffer)
        self.take_message: TakeMessage | None = None
        """Set by the reader: takes the payload of a whole message in one frame (and
        whether it is text), or returns False to leave it (and what follows) to
        ``recv()``. See :meth:`data_received` and :meth:`process_event`."""
        self._give_up: asyncio.TimerHandle | None = None
        self._carried = b""  # the start of a frame, read but not yet given to the parser

    def _report(self, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = exc
            if self.on_failure is not None:
                self.on_failure(exc)
            if self.close_timeout is not None:
                # websockets enforces close_timeout only for a task that sends; after a
                # failure found while reading, nothing would (a silent peer kept the
                # connection until the next keepalive ping, 10-20 s later).
                self._give_up = self.loop.call_later(self.close_timeout, self.transport.abort)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._give_up is not None:
            self._give_up.cancel()
        self._give_carried()
        super().connection_lost(exc)

    def eof_received(self) -> None:
        self._give_carried()
        super().eof_received()

    def _give_carried(self) -> None:
        """The stream ends: the frame begun goes to the parser, which reports it cut."""
        if self._carried:
            data, self._carried = self._carried, b""
            self._parse(data)

    def data_received(self, data: bytes) -> None:
        # The fastest path: whole small messages in one frame each, read here straight
        # from the bytes the socket gave, while websockets' parser waits between two
        # frames with nothing buffered; anything else (another kind of frame, a message
        # the reader refused, and all that follows it in the read) goes through
        # websockets' parser as before. Under fan-in each read is one 64-128 byte
        # message: websockets' generator-based parsing took ~4 of the ~17 µs a message
        # cost (py-spy, 500 x 10/s). A flood's reads end inside frames: the start of
        # the last one is kept for the next read (the parser never sees it).
        take = self.take_message
        carried = self._carried
        if carried:
            data, self._carried = carried + data, b""
        elif take is not None and self._inside_frame():
            # Let the parser finish the frame it is inside (a read ended in it, before
            # the connection took reads itself), and take what follows.
            data = self._finish_frame(data)
        if take is not None and self._between_frames():
            done, whole = self._take_frames(data, take)
            if done == len(data):
                return
            if not whole and (done or not carried):
                # The start of a frame the next read completes: kept here rather than
                # given to the parser, which would then read the next one (a flood's
                # reads all end inside a frame) and every one after it itself. Kept
                # once: a frame still cut short after another read goes to the parser,
                # which buffers it (a server dripping a 64 KiB frame a few bytes a read
                # had it copied again at every read, quadratic in its size).
                self._carried = data[done:]
                return
            data = data[done:]
        if data:
            self._parse(data)

    def _parse(self, data: bytes) -> None:
        """``data`` through websockets' parser; a failure it finds is reported at once."""
        super().data_received(data)
        exc = self.protocol.parser_exc
        if exc is not None and not isinstance(exc, EOFError):
            if isinstance(exc, UnicodeDecodeError):
                # The parser decodes only close frames (text is decoded by the reader).
                exc = ProtocolError(f"invalid UTF-8 in the server's close reason: {exc.reason}")
            self._report(exc)

    def _between_frames(self) -> bool:
        """Whether websockets' parser of an open connection waits for the first byte of a
        frame with nothing buffered and no fragmented message begun, no extension (a
        compressed frame needs websockets' decoding) and nothing queued for ``recv()``
        (the order of messages)."""
        protocol = self.protocol
        if (
            protocol.state is not OPEN
            or protocol.extensions
            or protocol.current_size is not None
            or protocol.debug
            or len(self.recv_messages.frames)
        ):
            return False
        # The parser is a chain of generators (the client's handshake, then the frames);
        # between two frames the innermost waits in StreamReader.at_eof, which it leaves
        # only once bytes arrive. A frame begun (its header read, its payload not yet
        # arrived) waits in read_exact instead, with an empty buffer too.
        return self._waits_in() is _AT_EOF and not protocol.reader.buffer

    def _waiting(self) -> Any:
        """The innermost of the parser's generators, where it waits for bytes."""
        waiting: Any = self.protocol.parser
        while (inner := getattr(waiting, "gi_yieldfrom", None)) is not None:
            waiting = inner
        return waiting

    def _waits_in(self) -> Any:
        """The code the parser waits in. getattr: a parser of another shape (not
        generators) reads as neither between frames nor inside one, so everything goes
        through it, rather than failing every read."""
        return getattr(self._waiting(), "gi_code", None)

    def _inside_frame(self) -> bool:
        """Whether websockets' parser of an open connection waits for the rest of a frame
        (its StreamReader.read_exact)."""
        return self.protocol.state is OPEN and self._waits_in() is _READ_EXACT

    def _finish_frame(self, data: bytes) -> bytes:
        """Give the parser the bytes it waits for (a header, a length, a payload: up to
        four steps per frame) until it is between frames; returns what it was not given."""
        reader = self.protocol.reader
        for _ in range(4):
            waiting = self._waiting()
            if not data or getattr(waiting, "gi_code", None) is not _READ_EXACT:
                break
            wanted = waiting.gi_frame.f_locals["n"] - len(reader.buffer)
            piece, data = data[:wanted], data[wanted:]
            self._parse(piece)
            if self.protocol.state is not OPEN:
                break
        if data and self.protocol.state is not OPEN:
            self._parse(data)  # whatever the parser makes of the rest
            return b""
        return data

    def _take_frames(self, data: bytes, take: TakeMessage) -> tuple[int, bool]:
        """Hand ``take`` the whole unmasked text and binary frames at the start of
        ``data`` (payloads under 64 KiB, within the size limits websockets applies).

        Returns how many bytes they took, and False when what follows is the start of
        such a frame cut short (to keep for the next read), True when it is something
        else (for websockets' parser): another kind of frame, or one ``take`` refused.
        """
        protocol = self.protocol
        limit = protocol.max_message_size
        fragment = protocol.max_fragment_size
        if fragment is not None:
            limit = fragment if limit is None else min(limit, fragment)
        end = len(data)
        done = 0
        while done < end:
            head = data[done]
            if head != _WHOLE_TEXT and head != _WHOLE_BINARY:
                return done, True
            if end - done < 2:
                return done, False
            length = data[done + 1]  # 128 and up: masked, which the parser refuses
            if length < 126:
                start = done + 2
            elif length == 126:
                if end - done < 4:
                    return done, False
                length = data[done + 2] << 8 | data[done + 3]
                start = done + 4
            else:
                return done, True  # a 64-bit length, or a masked frame
            if limit is not None and length > limit:
                return done, True  # websockets fails the connection for it at once
            stop = start + length
            if stop > end:
                return done, False
            if not take(data[start:stop], head == _WHOLE_TEXT):
                return done, True
            done = stop
        return done, True

    def process_event(self, event: Any) -> None:
        # The fast path: a message in a single frame goes straight to ``take_message``,
        # from the protocol's own callback, instead of through websockets' queue, a
        # wake-up of the reading task and ``recv()`` (about a third of the cost of each
        # small message). The queue keeps everything else, and the order: once a frame is
        # left in it (a fragment, or a message refused while the reader's sink is full),
        # later messages queue behind it until the reader has emptied it. An empty queue
        # with a fragmented message half read cannot meet a new message: the protocol
        # accepts only continuation frames until its last fragment.
        take = self.take_message
        if (
            take is not None
            and type(event) is Frame
            and event.fin
            and (event.opcode is TEXT or event.opcode is BINARY)
            and not len(self.recv_messages.frames)
            and take(event.data, event.opcode is TEXT)
        ):
            return
        super().process_event(event)

    def set_connection_exc(self, exc: BaseException | None) -> None:
        super().set_connection_exc(exc)
        if isinstance(exc, TooManyFragments | UnicodeDecodeError | OutgoingBufferFull):
            self._report(exc)

    def send_data(self) -> None:
        if not self.protocol.writes:
            # Nothing to write, as after nearly every message read (websockets calls this
            # for each read): the buffer cannot have grown, nor a close frame gone out,
            # since the last check. The checks below cost ~1 µs a message under fan-in.
            return
        super().send_data()
        if self.failure is None:
            sent = self.protocol.close_sent
            if sent is not None and sent.reason == _KEEPALIVE_TIMEOUT:
                # The close frame of websockets' keepalive is out; the connection ends
                # only after close_timeout, and until then it looked open.
                self._report(KeepaliveTimeout(self.ping_timeout or 0))
        size = self.transport.get_write_buffer_size()
        if size > OUTGOING_LIMIT + self.allowance and self.failure is None:
            # Nothing more can reach a peer that does not read, not even a close frame.
            self.set_connection_exc(OutgoingBufferFull(size, OUTGOING_LIMIT))
            self.transport.abort()


class Connector(connect):
    """``connect`` with wsdeck's redirect rule and a record of what the attempt saw.

    Redirects are followed only with ``follow_redirects``; a hop to another origin then
    drops every configured header (websockets drops only Authorization and Cookie).
    """

    def __init__(self, uri: str, *, follow_redirects: bool, **kwargs: Any) -> None:
        super().__init__(uri, create_connection=WireConnection, **kwargs)
        self.follow_redirects = follow_redirects
        self.last: ClientConnection | None = None

    async def open_tcp_connection(self) -> ClientConnection:
        self.last = await super().open_tcp_connection()
        return self.last

    def process_redirect(self, exc: Exception) -> Exception | str:
        if not self.follow_redirects:
            return exc
        old = self.ws_uri
        target = super().process_redirect(exc)
        if isinstance(target, str):
            new = parse_uri(target)
            if (old.secure, old.host, old.port) != (new.secure, new.host, new.port):
                self.additional_headers = None
        return target

    def cause(self, exc: BaseException) -> BaseException:
        """What ended a failed attempt: a reset reads as an EOF in the HTTP response to
        websockets, but the connection kept the reset."""
        lost = self.last.connection_exc if self.last is not None else None
        if isinstance(exc, InvalidMessage) and isinstance(lost, ConnectionResetError):
            return lost
        return exc

    @property
    def final_url(self) -> str:
        """The URL connected to, after any redirects, without credentials."""
        return mask_url(self.uri)

    @property
    def chosen_subprotocol(self) -> str | None:
        """The subprotocol the server's last response named (for negotiation errors)."""
        response = self.last.response if self.last is not None else None
        if response is None:
            return None
        headers: Headers = response.headers
        return headers.get("Sec-WebSocket-Protocol")

    @property
    def proxy_in_use(self) -> str | None:
        """The proxy this attempt went through (credentials masked), if any."""
        proxy = self.proxy
        if proxy is True:
            proxy = get_proxy(self.ws_uri)
        return mask_url(proxy) if isinstance(proxy, str) else None
