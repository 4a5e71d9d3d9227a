"""The benchmarks' sender, run in a process of its own so that it is never the bottleneck.

``python benchmarks/server.py [--port 0]`` prints ``bench server listening on ws://HOST:PORT``
first, then one JSON line per finished stream (``{"tag": ..., "t0": ..., "t1": ...}``, times
from ``time.monotonic()``, which on Linux is one clock for every process). Endpoints:

- ``/flood?count=N&size=B&binary=0|1&tag=T``: the demo server's pre-framed fast path
  (:func:`tui.demo.flood.send_flood`, the same code), timed from the first write (``t0``) to
  the end of the closing handshake (``t1``).
- ``/paced?count=N&size=B&rate=R&start=S&tag=T``: ``N`` text messages at ``R``/s from ``S``
  seconds after the handshake (default 0), each written on its own. The payload is
  ``SSSSSSSS NNNNNNNNNNNNNNNNNNN `` (sequence number from 1, then the ``time.monotonic_ns()``
  just before the write) and ``.`` filler, so receivers can measure delays. Closes with
  1000 when done.
- ``/echo``: sends every message back (for connections that only need to open).
- ``/fanin?conns=C&rate=R&duration=D&size=B&settle=S&tag=T``: waits until ``C`` connections
  with the same tag are open, waits ``S`` seconds more (so clients can measure their memory
  with every connection open but idle), then sends ``R`` messages/s on each connection for
  ``D`` seconds, each message in its own write, evenly spread over the connections so that
  every message wakes the reader; then closes all with 1000. With ``json=1`` each payload is
  JSON telemetry carrying the same stamp at the same place (:func:`stamped_json`).

Only 127.0.0.1; every loop is bounded by its count or its duration.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import signal
import sys
import time
from collections.abc import Coroutine
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from tui.demo.flood import frame_header, send_flood
from tui.demo.routes import Flood

MAX_COUNT = 10_000_000
MAX_CONNS = 5_000
MAX_DURATION = 600.0
STAMP_BYTES = len(b"%08d %019d " % (0, 0))


def stamped(seq: int, size: int) -> bytes:
    """A text frame of ``size`` payload bytes carrying ``seq`` and the send time."""
    body = b"%08d %019d " % (seq, time.monotonic_ns())
    return frame_header(size, False) + body + b"." * (size - len(body))


def stamped_json(seq: int, size: int) -> bytes:
    """Like :func:`stamped`, as JSON: ``[seq, send time, {telemetry}, "pad"]`` with seq and
    time right-aligned in the same columns, so ``data[9:28]`` is still the send time."""
    body = b'[%7d,%19d,{"temperature":%.2f,"sine":%.4f,"status":"%b"},"' % (
        seq,
        time.monotonic_ns(),
        20 + seq % 100 / 10,
        math.sin(seq / 50),
        b"warn" if seq % 10 == 0 else b"ok",
    )
    body += b"." * max(0, size - len(body) - 2) + b'"]'
    return frame_header(len(body), False) + body


def report(record: dict[str, Any]) -> None:
    """One JSON line on stdout for the benchmark driver."""
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _number(query: dict[str, str], name: str, default: float, low: float, high: float) -> float:
    value = float(query.get(name, default))
    if not low <= value <= high:
        raise ValueError(f"{name}={value} is outside {low}..{high}")
    return value


class FanIn:
    """The connections of one ``/fanin`` tag and the single scheduler that feeds them."""

    def __init__(
        self, tag: str, conns: int, rate: float, duration: float, size: int, json_body: bool
    ) -> None:
        self.tag = tag
        self.stamp = stamped_json if json_body else stamped
        self.conns = conns
        self.rate = rate
        self.duration = duration
        self.size = size
        self.members: list[ServerConnection] = []
        self.done = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def join(self, ws: ServerConnection, settle: float) -> None:
        self.members.append(ws)
        if len(self.members) == self.conns and self.task is None:
            self.task = asyncio.create_task(self.run(settle))

    async def run(self, settle: float) -> None:
        try:
            await asyncio.sleep(settle)
            await self._send()
        finally:
            self.done.set()

    async def _send(self) -> None:
        members = self.members
        conns = len(members)
        per_conn = int(self.rate * self.duration)
        total = per_conn * conns
        step = 1.0 / (self.rate * conns)  # message g is due at start + g * step
        transports = [ws.transport for ws in members]
        sent = max_lag = 0.0
        sent_count = 0
        start = time.monotonic()
        g = 0
        while g < total:
            now = time.monotonic()
            while g < total and start + g * step <= now:
                max_lag = max(max_lag, now - (start + g * step))
                index = g % conns
                if members[index].state is State.OPEN:
                    transports[index].write(self.stamp(g // conns + 1, self.size))
                    sent_count += 1
                g += 1
            if g < total:
                await asyncio.sleep(max(0.0, start + g * step - time.monotonic()))
        sent = time.monotonic()
        await asyncio.gather(*(ws.close(1000) for ws in members), return_exceptions=True)
        report(
            {
                "tag": self.tag,
                "kind": "fanin",
                "sent": sent_count,
                "expected": total,
                "t0": start,
                "t_sent": sent,
                "t1": time.monotonic(),
                "max_lag": max_lag,
            }
        )


_fanins: dict[str, FanIn] = {}


async def _paced(
    ws: ServerConnection, count: int, size: int, rate: float, delay: float, tag: str
) -> None:
    transport = ws.transport
    await asyncio.sleep(delay)
    start = time.monotonic()
    max_lag = 0.0
    seq = 0
    while seq < count:
        now = time.monotonic()
        while seq < count and start + seq / rate <= now:
            max_lag = max(max_lag, now - (start + seq / rate))
            if ws.state is not State.OPEN:
                return
            seq += 1
            transport.write(stamped(seq, size))
        await ws.drain()
        if seq < count:
            await asyncio.sleep(max(0.0, start + seq / rate - time.monotonic()))
    t_sent = time.monotonic()
    await ws.close(1000)
    report(
        {
            "tag": tag,
            "kind": "paced",
            "sent": seq,
            "t0": start,
            "t_sent": t_sent,
            "t1": time.monotonic(),
            "max_lag": max_lag,
        }
    )


async def _flood(ws: ServerConnection, flood: Flood, tag: str) -> None:
    t0 = time.monotonic()
    await send_flood(ws, flood)
    report({"tag": tag, "kind": "flood", "sent": flood.count, "t0": t0, "t1": time.monotonic()})


async def _while_reading(ws: ServerConnection, producer: Coroutine[Any, Any, object]) -> None:
    """Run ``producer`` while discarding what the peer sends (pings and close are handled)."""
    producing = asyncio.ensure_future(producer)

    async def discard() -> None:
        async for _ in ws:
            pass

    reading = asyncio.ensure_future(discard())
    try:
        await asyncio.wait((producing, reading), return_when=asyncio.FIRST_COMPLETED)
        if producing.done():
            # Let the closing handshake (started by the producer) finish.
            with contextlib.suppress(asyncio.TimeoutError, ConnectionClosed):
                await asyncio.wait_for(asyncio.shield(reading), 5.0)
    finally:
        for task in (producing, reading):
            task.cancel()
        await asyncio.gather(producing, reading, return_exceptions=True)


async def handle(ws: ServerConnection) -> None:
    assert ws.request is not None
    split = urlsplit(ws.request.path)
    query = dict(parse_qsl(split.query))
    tag = query.get("tag", "")
    count = int(_number(query, "count", 1000, 0, MAX_COUNT))
    size = int(_number(query, "size", 64, 0, 16 * 1024 * 1024))
    try:
        if split.path == "/echo":
            async for message in ws:
                await ws.send(message)
        elif split.path == "/flood":
            flood = Flood(count=count, size=size, binary=query.get("binary") == "1")
            await _while_reading(ws, _flood(ws, flood, tag))
        elif split.path == "/paced":
            rate = _number(query, "rate", 10, 0.1, 1_000_000)
            delay = _number(query, "start", 0, 0, 60)
            await _while_reading(ws, _paced(ws, count, max(size, STAMP_BYTES), rate, delay, tag))
        elif split.path == "/fanin":
            group = _fanins.get(tag)
            if group is None:
                group = _fanins[tag] = FanIn(
                    tag,
                    int(_number(query, "conns", 1, 1, MAX_CONNS)),
                    _number(query, "rate", 10, 0.1, 20_000),
                    _number(query, "duration", 10, 0.1, MAX_DURATION),
                    max(size, STAMP_BYTES),
                    query.get("json") == "1",
                )
            group.join(ws, _number(query, "settle", 1.0, 0.0, 60.0))
            await _while_reading(ws, group.done.wait())
        else:
            await ws.close(1008, f"no endpoint {split.path}")
    except (ConnectionClosed, OSError):
        pass


async def main_async(host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # 5 000 handshakes at once on a loaded machine outlast websockets' default 10 s: a
    # handshake cut short would fail the client's connection, not measure it.
    async with serve(
        handle, host, port, max_size=None, compression=None, open_timeout=60, backlog=8192
    ) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"bench server listening on ws://{host}:{bound}", flush=True)
        await stop.wait()
        server.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main_async("127.0.0.1", args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
