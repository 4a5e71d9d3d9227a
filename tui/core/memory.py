"""Handing the heap pages malloc has freed back to the system, so RSS follows live memory.

glibc's malloc returns memory to the system only from the top of its heaps, and only when
more than ``M_TRIM_THRESHOLD`` (128 KiB, raised by itself up to 32 MiB as it sees large
blocks freed) is free there. Free pages in the middle of a heap, between blocks still in
use, stay resident for good. Over hours of traffic (messages, frames and recordings of
every size, allocated and freed in floods) the holes move about and RSS creeps up while
the live heap stays flat: 2.35 MiB/hour over 42 minutes of ``bench_soak.py`` with the
live bytes flat within 0.12 MiB/hour. ``malloc_trim(0)`` walks every arena and gives the
whole free pages inside them back (``MADV_DONTNEED``). Every :data:`TRIM_EVERY` seconds
that took 0.2-0.4 ms in a soak (4 ms at most); giving 50 MiB back at once takes ~15 ms.

The trim gives back free pages *inside* the heaps; it leaves glibc's mmap threshold
alone. Blocks of 128 KiB and more start with a mapping of their own, and each one freed
raises the threshold to its size (up to 32 MiB), so big blocks then come from the heap.
An earlier version pinned the threshold at 128 KiB (``mallopt``) to keep them out of the
heap; measured on 2026-11-29 that cost every large message a fresh mapping and its page
faults: the dashboard draining 1 MiB binary messages spent 2 955 µs of CPU per message
pinned against 1 660 unpinned (median of 5 alternating pairs, load 2-4), 739 against 495
at 256 KiB. And in two 900 s soaks side by side (load 2.0-4.8-12.7) the pin did not
keep RSS lower: after warm-up it went 71.9 -> 72.8 MiB pinned, 72.4 -> 72.3 unpinned
(the lowest of the first and the last 30 s).

Only glibc has ``malloc_trim``: musl, the BSDs and macOS have no such call (their
allocators decide by themselves when pages go back). There :func:`heap_trimmer` gives
``None`` (off Linux) or a call that does nothing (a Linux without glibc).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

TRIM_EVERY = 30.0
"""Seconds between two trims: the creep is MiB per hour, a trim costs a few ms."""


def heap_trimmer() -> Callable[[], bool] | None:
    """A call to glibc's ``malloc_trim(0)`` (whether it gave memory back); ``None`` off Linux.

    ctypes and the C library are looked up at the first call, not at start-up (~2-7 ms);
    on a Linux without glibc (musl) every call does nothing and returns ``False``.
    """
    if not sys.platform.startswith("linux"):
        return None
    return _trim_heap


def _trim_heap() -> bool:
    # A CDLL call releases the GIL; the event loop waits for it (a few ms) all the same.
    trim = _malloc_trim()
    return trim is not None and bool(trim(0))


@functools.cache
def _malloc_trim() -> Any:
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018  (glibc's; musl has no malloc_trim either)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim
