"""The ``/flood`` fast path: pre-built WebSocket frames written straight to the transport.

``await ws.send()`` per message tops out near 50 000 small messages/s because of the
library's per-message work. A flood needs no framing decisions, so this module builds
unmasked server frames in batches of about 256 KiB and writes each batch with a single
``transport.write``, then waits on the connection's own ``drain()``, exactly as
websockets' ``send()`` does after writing. The frames have RSV1 clear, i.e. uncompressed,
which RFC 7692 allows even when permessage-deflate was negotiated.

Payloads put the sequence number (from 1) first so receivers can check order:
text is 8 zero-padded decimal digits then ``.`` filler; binary is an 8-byte big-endian
integer then zero bytes. Payloads shorter than 8 bytes keep the first ``size`` bytes.
"""

from __future__ import annotations

import asyncio
import struct

from websockets.asyncio.server import ServerConnection
from websockets.protocol import State

from tui.demo.routes import Flood

SEQ_WIDTH = 8
CHUNK_BYTES = 256 * 1024
_TEXT, _BINARY = 0x1, 0x2
_FIN = 0x80


def frame_header(length: int, binary: bool) -> bytes:
    """Header of an unmasked, final, uncompressed data frame carrying ``length`` bytes."""
    first = _FIN | (_BINARY if binary else _TEXT)
    if length < 126:
        return bytes((first, length))
    if length < 1 << 16:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


def payload(seq: int, size: int, binary: bool) -> bytes:
    """The payload of message ``seq``; the reference the fast builders must match."""
    head = seq.to_bytes(SEQ_WIDTH, "big") if binary else b"%08d" % seq
    filler = (b"\x00" if binary else b".") * (size - SEQ_WIDTH)
    return (head + filler)[:size]


class FloodFrames:
    """Frames of one flood, built in batches so the per-message cost is one C-level call."""

    def __init__(self, size: int, binary: bool) -> None:
        self.size = size
        self.binary = binary
        self.header = frame_header(size, binary)
        self.frame_bytes = len(self.header) + size
        self.filler = (b"\x00" if binary else b".") * max(0, size - SEQ_WIDTH)
        # The text template is a %-format: escape '%' bytes that a header may contain.
        self._text_format = self.header.replace(b"%", b"%%") + b"%08d" + self.filler
        self._binary_pack = struct.Struct(f"!{len(self.header)}sQ{len(self.filler)}s").pack

    def prefix(self, seq: int) -> bytes:
        """Header and sequence field of message ``seq``; ``filler`` completes the frame."""
        return self.header + payload(seq, min(self.size, SEQ_WIDTH), self.binary)

    def batch(self, first: int, stop: int) -> bytes:
        """The frames of messages ``first`` to ``stop - 1``, concatenated."""
        seqs = range(first, stop)
        if self.size < SEQ_WIDTH:
            return b"".join([self.prefix(seq) for seq in seqs])
        if self.binary:
            pack, header, filler = self._binary_pack, self.header, self.filler
            return b"".join([pack(header, seq, filler) for seq in seqs])
        template = self._text_format
        return b"".join([template % seq for seq in seqs])


async def send_flood(ws: ServerConnection, flood: Flood) -> None:
    """Send the flood, then close with 1000; stop early, quietly, if the connection closes."""
    frames = FloodFrames(flood.size, flood.binary)
    per_write = max(1, CHUNK_BYTES // frames.frame_bytes)
    transport = ws.transport
    seq = 1
    while seq <= flood.count:
        # Checked right before writing, with no await in between: once a close frame is out
        # (peer's close answered, server stopping), no data frame may follow it.
        if ws.state is not State.OPEN:
            return
        if per_write == 1 and frames.frame_bytes > CHUNK_BYTES:
            transport.write(frames.prefix(seq))  # large payloads: share one filler object
            transport.write(frames.filler)
            seq += 1
        else:
            stop = min(seq + per_write, flood.count + 1)
            transport.write(frames.batch(seq, stop))
            seq = stop
        # drain() waits while the transport is above the write limit (pause_writing /
        # resume_writing), without polling; sleep(0) yields even when it is not, so the
        # peer's close frame and pings are still read during a long flood.
        await ws.drain()
        await asyncio.sleep(0)
    await ws.close(1000, "flood done")
