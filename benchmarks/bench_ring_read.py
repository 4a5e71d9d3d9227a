"""Reading one huge payload back from the feed's event ring (``EventRing.at``).

Run alone, not part of ``run_all.py``::

    python benchmarks/bench_ring_read.py [--mib 64] [--reads 20]

Every repaint of the detail pane, and every feed row drawn for the event, reads it back
from the ring. A ring of 1 000 events holds small messages around one payload of
``--mib`` MiB (ASCII text, non-ASCII text, binary); the figure is the median wall time of
one read of it, in microseconds, beside the read of a 64 B payload. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.core.events import ReceiveEvent
from tui.core.ring import EventRing


def read_us(ring: EventRing, pos: int, reads: int) -> float:
    """Median microseconds of one ``ring.at(pos)``."""
    times = []
    for _ in range(reads):
        start = time.perf_counter()
        ring.at(pos)
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--reads", type=int, default=20)
    args = parser.parse_args(argv)
    size = args.mib << 20
    payloads: dict[str, str | bytes] = {
        "ascii_text": "a" * size,
        "non_ascii_text": "é" * (size // 2),  # 2 bytes of UTF-8 each: the same byte size
        "binary": os.urandom(size),
    }
    figures: dict[str, float] = {}
    for kind, data in payloads.items():
        ring = EventRing(1000)
        small = [ReceiveEvent("c", 0.0, seq, "x" * 64, 64) for seq in range(500)]
        ring.extend(small)
        pos = ring.end
        ring.extend([ReceiveEvent("c", 0.0, 500, data, size)])
        ring.extend([ReceiveEvent("c", 0.0, 501 + seq, "x" * 64, 64) for seq in range(400)])
        assert ring.at(pos).data == data
        figures[f"{kind}_us"] = round(read_us(ring, pos, args.reads), 1)
        figures[f"{kind}_small_neighbour_us"] = round(read_us(ring, pos + 1, args.reads), 1)
    print(json.dumps({"benchmark": f"ring read-back of a {args.mib} MiB payload",
                      "figures": figures, "load": [round(x, 2) for x in os.getloadavg()]},
                     indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
