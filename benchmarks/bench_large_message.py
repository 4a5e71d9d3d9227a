"""Peak RSS of ``wsdeck tail`` receiving one large binary message (issue 17 item 9).

Run alone, not part of ``run_all.py``::

    python benchmarks/bench_large_message.py [--mib 64]

A local server sends one message of ``--mib`` MiB of random bytes to each client; ``wsdeck
tail big --count 1`` receives it with ``max_message_size`` just above that and writes it to
/dev/null, once as JSON Lines, once with ``--format text`` (hex view) and once as JSON
Lines while recording to a file (``--record``, which writes the same record). The peak
RSS of each ``tail`` process comes from ``wait4`` (through a small launcher process); a
1-byte message gives the baseline. Prints one JSON object (MB = 10^6 bytes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from websockets.asyncio.server import ServerConnection, serve

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """A websockets server in a thread that sends ``payload`` to each client, then waits."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.port = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the server did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        async def handler(ws: ServerConnection) -> None:
            await ws.send(self.payload)
            await ws.wait_closed()

        self._stop = self._loop.create_future()
        async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop

    def close(self) -> None:
        self._loop.call_soon_threadsafe(lambda: self._stop and self._stop.set_result(None))
        self._thread.join(10)


# wait4's peak RSS counts the memory image a child was forked from: forked from this
# process (which holds the payload), that image could hide tail's own peak. A small
# launcher process forks tail instead and reports its status and peak (in KiB).
_LAUNCHER = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
)


def peak_rss_mb(config: Path, fmt: str, record: Path | None = None) -> float:
    """Run ``wsdeck tail big --count 1`` to /dev/null (recording to ``record``); its peak
    RSS in MB."""
    command = [sys.executable, "-m", "tui", "tail", "big", "--config", str(config)]
    command += ["--count", "1", "--timeout", "120", "--format", fmt]
    if record is not None:
        command += ["--record", str(record)]
    launched = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    code, peak_kib = (int(word) for word in launched.stdout.split())
    if code != 0:
        raise RuntimeError(f"tail exited {code}: {launched.stderr[-2000:]!r}")
    return round(peak_kib * 1024 / 1e6, 1)


def measure(size: int) -> dict[str, float]:
    server = Server(os.urandom(size))
    try:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "wsdeck.toml"
            config.write_text(
                "[[connections]]\n"
                'name = "big"\n'
                f'url = "ws://127.0.0.1:{server.port}/"\n'
                f"max_message_size = {size + 1024}\n"
                'compression = "none"\n'
                'proxy = "none"\n'
            )
            peaks = {fmt: peak_rss_mb(config, fmt) for fmt in ("jsonl", "text")}
            peaks["jsonl_recorded"] = peak_rss_mb(config, "jsonl", Path(folder) / "rec.jsonl")
            return peaks
    finally:
        server.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=64, help="message size in MiB (default 64)")
    args = parser.parse_args()
    size = args.mib * 1024 * 1024
    baseline = measure(1)
    large = measure(size)
    figures = {
        "message_mib": args.mib,
        "baseline_peak_rss_mb": baseline,
        "peak_rss_mb": large,
        "extra_rss_per_message_size": {
            fmt: round((large[fmt] - baseline[fmt]) * 1e6 / size, 2) for fmt in large
        },
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
