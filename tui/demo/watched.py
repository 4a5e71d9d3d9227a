"""The ``/pulse`` and ``/flap`` endpoints: streams that give the watches something to see.

``/pulse`` is a JSON stream with an alarm stretch and a pause in every period (payload rules,
silence); ``/flap`` drops its connections for half of every period (flapping).
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.server import ServerConnection

from tui.demo.routes import Flap, Pulse

FLAP_CODE, FLAP_REASON = 1012, "flapping on purpose"
_EPOCH = time.monotonic()
"""Where ``/flap``'s periods start: about when the demo server started, so that a demo
begins with its flapping half."""


def pulse_message(seq: int, phase: float, alarm: bool) -> dict[str, Any]:
    """Message ``seq`` (from 1) at ``phase`` seconds into its period."""
    return {
        "seq": seq,
        "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
        "phase": round(phase, 2),
        "alarm": alarm,
        "status": "alarm" if alarm else "ok",
    }


def pulse_state(pulse: Pulse, phase: float) -> tuple[bool, bool]:
    """(alarm, paused) at ``phase`` seconds into the period."""
    alarm_from = pulse.period / 4
    return alarm_from <= phase < alarm_from + pulse.alarm, phase >= pulse.period - pulse.pause


async def send_pulse(ws: ServerConnection, pulse: Pulse) -> None:
    """Send forever, ``rate`` messages a second, nothing during each period's pause."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    seq = 0
    while True:
        phase = (loop.time() - start) % pulse.period
        alarm, paused = pulse_state(pulse, phase)
        if paused:
            await asyncio.sleep(pulse.period - phase)
            continue
        seq += 1
        await ws.send(json.dumps(pulse_message(seq, phase, alarm)))
        await asyncio.sleep(1 / pulse.rate)


async def flap(ws: ServerConnection, route: Flap) -> None:
    """Close ``up`` seconds after opening, or after the next period starts when opened in
    the stable second half of a period (periods start when this module was loaded)."""
    phase = (time.monotonic() - _EPOCH) % route.period
    if phase >= route.period / 2:
        await asyncio.sleep(route.period - phase)
    await asyncio.sleep(route.up)
    await ws.close(FLAP_CODE, FLAP_REASON)
