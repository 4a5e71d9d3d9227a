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

The trim gives back free pages *inside* the heaps; it cannot undo a heap that grew. glibc
serves blocks of 128 KiB and more with their own ``mmap`` (given back when freed), but each
such block freed raises that threshold to its size (up to 32 MiB): after the first big
batches (a 20 000-message burst's recording buffer, a list of 10 000 events) blocks of
hundreds of KiB come from the heap, and holes between them grow it. In a 15-minute soak
the bytes malloc held grew 6.1 MiB/hour while those in use stayed flat (0.8), and RSS
followed (6.6). The first trim therefore also pins the threshold (``mallopt``,
:data:`MMAP_THRESHOLD`), which keeps big blocks out of the heap for good. Two 15-minute
soaks side by side (load ~10.5): the bytes held from minute 2 to 15 went 16.8 -> 18.4 MiB
without the pin, 15.7 -> 15.9 with it (slopes 4.4 and 2.4 MiB/hour, in use 1.2 and 0.8).

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

MMAP_THRESHOLD = 128 * 1024
"""Blocks this large or larger get their own ``mmap`` (glibc's initial threshold, pinned)."""
_M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>


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
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)  # see the module's docstring
    return trim
