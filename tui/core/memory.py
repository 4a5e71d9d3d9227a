"""Handing the heap pages malloc has freed back to the system, so RSS follows live memory.

glibc's malloc returns memory to the system only from the top of its heaps, and only when
more than ``M_TRIM_THRESHOLD`` (128 KiB, raised by itself up to 32 MiB as it sees large
blocks freed) is free there. Free pages in the middle of a heap, between blocks still in
use, stay resident for good. Over hours of traffic (messages, frames and recordings of
every size, allocated and freed in floods) the holes move about and RSS creeps up while
the live heap stays flat: 2.35 MiB/hour over 42 minutes of ``bench_soak.py`` with the
live bytes flat within 0.12 MiB/hour. ``malloc_trim(0)`` walks every arena and gives the
whole free pages inside them back (``MADV_DONTNEED``): a few milliseconds for this
dashboard's ~40 MiB malloc heap, so every :data:`TRIM_EVERY` seconds costs nothing
measurable.

Only glibc has ``malloc_trim``. musl and the BSD and macOS allocators return memory by
themselves and have no such call: there :func:`heap_trimmer` gives ``None`` and nothing
is scheduled.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

TRIM_EVERY = 30.0
"""Seconds between two trims: the creep is MiB per hour, a trim costs a few ms."""


def heap_trimmer() -> Callable[[], bool] | None:
    """glibc's ``malloc_trim(0)`` (whether it gave memory back), or ``None`` elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018  (glibc only: musl also lacks malloc_trim)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int

    def trim_heap() -> bool:
        # A CDLL call releases the GIL; the event loop waits for it (a few ms) all the same.
        return bool(trim(0))

    return trim_heap
