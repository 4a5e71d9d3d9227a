"""What hiding secrets costs per received message: redaction plus the JSON Lines codec.

The client redacts every payload of a connection that has secrets (``Redactor``) and
skips it for one that has none. This times that step and ``encode_line`` on 64 B text
messages, in one process, alternating the variants every 10 000 messages and counting
CPU time (``time.process_time``: the machine is shared, wall time moves with the load):

- ``none``: a connection without secrets (the ``redact is not None`` test only);
- ``secrets``: the secrets of a Bearer header plus URL credentials (7 strings), none of
  them in the messages (the usual case);
- ``echoed``: the same, with every 100th message carrying the token (the slow path).

Prints one JSON document; not part of ``run_all.py`` (it is a codec-level figure).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from settings.redaction import Redactor
from tui.core.events import ReceiveEvent, encode_line

TOKEN = "tok-SECRET-4711-zebra-0123456789"
SECRETS = [
    f"Bearer {TOKEN}",
    TOKEN,
    "lit-KEY-0815-walrus",
    "alice:pw-HIDDEN-9000-okapi",
    "pw-HIDDEN-9000-okapi",
    "YWxpY2U6cHctSElEREVOLTkwMDAtb2thcGk=",
    "alice:pw-HIDDEN-9000-okapi",
]


def _messages(count: int, echoed: bool) -> list[str]:
    base = '{"type":"tick","seq":%08d,"price":101.25,"sym":"ACME"}    '
    messages = [(base % index)[:64] for index in range(count)]
    if echoed:
        for index in range(0, count, 100):
            messages[index] = f"auth ok: Bearer {TOKEN} {index:08d}"[:64].ljust(64)
    return messages


CHUNK = 10_000


def _run(messages: list[str], redact: Callable[[str], str] | None) -> float:
    """CPU seconds to redact (when asked) and encode the messages, as the client and tail do."""
    # The client's loop: `if redact_text is not None: data = redact_text(data)`.
    started = time.process_time()
    for seq, data in enumerate(messages):
        if redact is not None:
            data = redact(data)
        encode_line(ReceiveEvent("bench", 1_764_102_328.5, seq, data, 64))
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    redactor = Redactor(SECRETS).text
    plain, echoed = _messages(args.count, False), _messages(args.count, True)
    variants = {"none": (plain, None), "secrets": (plain, redactor), "echoed": (echoed, redactor)}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.runs):
        spent = dict.fromkeys(variants, 0.0)
        for start in range(0, args.count, CHUNK):
            for name, (messages, redact) in variants.items():
                spent[name] += _run(messages[start : start + CHUNK], redact)
        for name, seconds in spent.items():
            times[name].append(seconds)
    figures = {
        name: {
            "seconds": round(statistics.median(runs), 4),
            "ns_per_message": round(statistics.median(runs) / args.count * 1e9),
            "min_max": [round(min(runs), 4), round(max(runs), 4)],
        }
        for name, runs in times.items()
    }
    # On a shared machine the fastest run is the steadiest figure to compare.
    base = min(times["none"])
    for name in ("secrets", "echoed"):
        figures[name]["overhead_of_fastest_runs"] = f"{min(times[name]) / base - 1:+.1%}"
    print(json.dumps({"count": args.count, "bytes": 64, "runs": args.runs, "figures": figures}))


if __name__ == "__main__":
    main()
