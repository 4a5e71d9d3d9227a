"""The ``/ticker`` endpoint: JSON telemetry at a steady rate, paced from a start time."""

from __future__ import annotations

import asyncio
import json
import math
import random
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.server import ServerConnection

SINE_PERIOD = 10.0  # seconds
MAX_LAG = 1.0  # seconds behind schedule before the schedule restarts instead of bursting
_TEMPERATURE_START, _TEMPERATURE_MIN, _TEMPERATURE_MAX = 21.0, 15.0, 30.0


def ticker_status(seq: int) -> str:
    """``alarm`` every 50th message, ``warn`` every other 10th, else ``ok``."""
    if seq % 50 == 0:
        return "alarm"
    return "warn" if seq % 10 == 0 else "ok"


def ticker_message(seq: int, elapsed: float, temperature: float, now: datetime) -> dict[str, Any]:
    """Message ``seq`` (from 1), ``elapsed`` seconds after the stream started."""
    return {
        "seq": seq,
        "ts": now.astimezone(UTC).isoformat(timespec="microseconds"),
        "sine": round(math.sin(2 * math.pi * elapsed / SINE_PERIOD), 4),
        "counter": seq,
        "temperature": round(temperature, 2),
        "status": ticker_status(seq),
    }


class RandomWalk:
    """A slow temperature-like random walk kept inside a plausible band."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()
        self.value = _TEMPERATURE_START

    def step(self) -> float:
        """Move by a small Gaussian step, reflecting off the band's edges."""
        value = self.value + self._rng.gauss(0.0, 0.05)
        if value < _TEMPERATURE_MIN or value > _TEMPERATURE_MAX:
            value = 2 * self.value - value
        self.value = value
        return value


async def send_ticker(ws: ServerConnection, rate: float) -> None:
    """Send telemetry forever; message n is due at ``start + (n - 1) / rate`` (no drift)."""
    loop = asyncio.get_running_loop()
    walk = RandomWalk()
    start = loop.time()
    skipped = 0.0  # seconds of schedule dropped after stalls, so `elapsed` stays honest
    seq = 0
    while True:
        seq += 1
        offset = (seq - 1) / rate
        delay = start + offset - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -MAX_LAG:
            # A stalled reader or loop: restart the schedule rather than burst to catch up.
            start -= delay
            skipped -= delay
        message = ticker_message(seq, offset + skipped, walk.step(), datetime.now(UTC))
        await ws.send(json.dumps(message))
