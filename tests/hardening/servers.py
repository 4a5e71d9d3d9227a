"""Servers the hardening tests run in a process of their own (so they can be SIGKILLed).

``python servers.py MODE PORT`` waits for a line on stdin before binding (so a "warm"
process, with Python and websockets already imported, can be kept ready), binds
127.0.0.1:PORT (0: a free port), prints ``ready PORT`` and serves until killed. Modes:

- ``stream``: sends ``tick N`` every 2 ms and answers every message with ``echo:MESSAGE``.
- ``hostile``: once a second line arrives on stdin, sends :data:`HOSTILE` (text and
  binary, :data:`PACE` apart) to every connection, then echoes.
  ``/close`` closes with a hostile reason and ``/reject`` refuses the upgrade with a
  hostile body.

Only the standard library and websockets are imported: this file runs outside pytest.
"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

ONE_MIB = 1024 * 1024
PACE = 0.3  # seconds between hostile payloads, so each one is drawn (and detailed) on its own

HUGE_LINE = "L" * ONE_MIB  # one 1 MiB line
DEEP_JSON = "[" * 10_000 + "]" * 10_000  # valid JSON, 10 000 levels deep

# Each hostile payload carries a unique marker right after its escape sequence, so the
# test can tell "shown escaped" (marker present, raw sequence absent) from "written raw".
HOSTILE: list[str | bytes] = [
    "[bold red]MARKUP-MARK[/] [link=http://127.0.0.1/]x[/link]",
    "\x1b[2JCSI-MARK\x1b[31mred",
    "\x1b]52;c;SGVsbG8=\x07",
    "\x1b]0;PWNED\x07",
    "nul\x00NUL-MARK bell\x07 bs\x08 vt\x0b ff\x0c cr\r del\x7f",
    "c1 \x9bC1-MARK \x9d0;PWNED-C1\x9c \x85",
    "bidi \u202eBIDI-MARK\u202c isolate \u2066x\u2069 zw\u200b",
    HUGE_LINE,
    DEEP_JSON,
    '{"looks": ["like", "json",], "but": NaN, "is": \x1b]0;PWNED\x07 not}',
    b"almost text\x00\x1b]0;PWNED\x07\x1b[2Jtail\xff\xfe",
]


async def _stream(ws: ServerConnection) -> None:
    async def tick() -> None:
        for n in range(1, 10_000_000):
            await ws.send(f"tick {n}")
            await asyncio.sleep(0.002)

    ticker = asyncio.create_task(tick())
    try:
        async for message in ws:
            await ws.send(f"echo:{message!s}")
    finally:
        ticker.cancel()


HOSTILE_TEXT = "\x1b]0;PWNED\x07 \x1b]52;c;SGVsbG8=\x07 [red]x[/] \x00\u202e"
_go = asyncio.Event()


async def _hostile(ws: ServerConnection) -> None:
    assert ws.request is not None
    if ws.request.path.startswith("/close"):
        await ws.close(4000, HOSTILE_TEXT)
        return
    await _go.wait()
    for payload in HOSTILE:
        await ws.send(payload)
        await asyncio.sleep(PACE)
    async for message in ws:
        await ws.send(message)


def _reject(ws: ServerConnection, request: Request) -> Response | None:
    if request.path.startswith("/reject"):
        return ws.respond(400, HOSTILE_TEXT)
    return None


async def _wait_for_go() -> None:
    """``hostile``: payloads are sent once a second line ("send") arrives on stdin."""
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    _go.set()


async def _main(mode: str, port: int) -> None:
    handler = {"stream": _stream, "hostile": _hostile}[mode]
    async with serve(
        handler,
        "127.0.0.1",
        port,
        max_size=4 * ONE_MIB,
        compression=None,
        process_request=_reject if mode == "hostile" else None,
    ) as server:
        print(f"ready {server.sockets[0].getsockname()[1]}", flush=True)
        if mode == "hostile":
            await _wait_for_go()
        await asyncio.get_running_loop().create_future()


def main() -> None:
    mode, port = sys.argv[1], int(sys.argv[2])
    sys.stdin.readline()  # wait until asked to bind (a "warm" spare process)
    asyncio.run(_main(mode, port))


if __name__ == "__main__":
    main()
