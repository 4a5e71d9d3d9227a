"""The baseline: a plain ``websockets`` client that only counts messages, in its own process.

``python benchmarks/plain_client.py flood URL COUNT`` reads one connection until it closes.
``python benchmarks/plain_client.py fanin URL CONNS`` opens ``CONNS`` connections to the same
``/fanin`` URL and reads them all; each payload's send time gives the delay per message.
``python benchmarks/plain_client.py paced URL`` reads a ``/paced`` stream, measuring delays.

Prints one JSON object on stdout. Connections use ``proxy=None, compression=None,
max_size=None``: the same traffic the benchmarked wsdeck connections see.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

import psutil
from websockets.asyncio.client import ClientConnection, connect

OPTIONS: dict[str, Any] = {"proxy": None, "compression": None, "max_size": None}


def rss() -> int:
    return int(psutil.Process().memory_info().rss)


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


async def flood(url: str, expected: int) -> dict[str, Any]:
    count = 0
    t_first = t_last = 0.0
    async with connect(url, **OPTIONS) as ws:
        cpu0 = time.process_time()
        async for _ in ws:
            count += 1
            if count == 1:
                t_first = time.monotonic()
        t_last = time.monotonic()
    return {
        "count": count,
        "expected": expected,
        "t_first": t_first,
        "t_last": t_last,
        "cpu": time.process_time() - cpu0,
        "rss": rss(),
        "peak_rss": peak_rss(),
    }


async def paced(url: str) -> dict[str, Any]:
    delays: list[int] = []
    async with connect(url, **OPTIONS) as ws:
        async for message in ws:
            now = time.monotonic_ns()
            delays.append(now - int(message[9:28]))
    return {"count": len(delays), "delays_ns": delays}


async def fanin(url: str, conns: int) -> dict[str, Any]:
    rss_before = rss()
    sockets: list[ClientConnection] = await asyncio.gather(
        *(connect(url, open_timeout=60, **OPTIONS) for _ in range(conns))
    )
    rss_open = rss()
    delays: list[int] = []
    counts = [0] * conns
    marks: dict[str, float] = {}

    async def read(index: int, ws: ClientConnection) -> None:
        record = delays.append
        n = 0
        async for message in ws:
            now = time.monotonic_ns()
            if "cpu_first" not in marks:
                marks["cpu_first"] = time.process_time()
                marks["t_first"] = time.monotonic()
            record(now - int(message[9:28]))
            n += 1
            marks["cpu_last"] = time.process_time()
            marks["t_last"] = time.monotonic()
        counts[index] = n

    await asyncio.gather(*(read(i, ws) for i, ws in enumerate(sockets)))
    return {
        "conns": conns,
        "count": sum(counts),
        "min_per_conn": min(counts),
        "rss_before": rss_before,
        "rss_open": rss_open,
        "rss_end": rss(),
        "peak_rss": peak_rss(),
        "cpu": marks.get("cpu_last", 0.0) - marks.get("cpu_first", 0.0),
        "window": marks.get("t_last", 0.0) - marks.get("t_first", 0.0),
        "delays_ns": delays,
    }


def main(argv: list[str]) -> int:
    mode, url = argv[0], argv[1]
    if mode == "flood":
        result = asyncio.run(flood(url, int(argv[2])))
    elif mode == "fanin":
        result = asyncio.run(fanin(url, int(argv[2])))
    elif mode == "paced":
        result = asyncio.run(paced(url))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
