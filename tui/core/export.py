"""Export events to a JSON Lines file, atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from tui.core.events import Event, encode_line


def export_jsonl(events: Iterable[Event], path: Path | str) -> int:
    """Write ``events`` to ``path`` as JSON Lines (the recording's format), mode 0600.

    The file is written beside ``path`` under a temporary name, synced and renamed over
    it, so a reader never sees half a file and a failure leaves the old one. Returns the
    number of events written.
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            for event in events:
                out.write(encode_line(event))
                out.write("\n")
                count += 1
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count
