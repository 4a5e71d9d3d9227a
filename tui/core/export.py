"""Export events to a JSON Lines file, atomically."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from settings.atomic import atomic_write
from tui.core.events import Event, encode_line


def export_jsonl(events: Iterable[Event], path: Path | str) -> int:
    """Write ``events`` to ``path`` as JSON Lines (the recording's format), mode 0600.

    Through :func:`settings.atomic.atomic_write`: a reader never sees half a file and a
    failure leaves the old one. Returns the number of events written.
    """
    count = 0

    def lines() -> Iterator[bytes]:
        nonlocal count
        for event in events:
            yield (encode_line(event) + "\n").encode("utf-8")
            count += 1

    atomic_write(Path(path), lines(), mode=0o600)
    return count
