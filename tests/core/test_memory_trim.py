"""glibc's malloc_trim: free pages inside the heap go back to the system (issue 18)."""

from __future__ import annotations

import ctypes
import platform
import sys

import pytest

from tui.core.memory import heap_trimmer

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="malloc_trim is glibc's",
)


def rss_anon_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise AssertionError("no RssAnon in /proc/self/status")


@glibc
def test_trim_returns_the_free_pages_between_live_blocks() -> None:
    """Blocks malloc keeps between live ones stay resident until the trim."""
    trim = heap_trimmer()
    assert trim is not None
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    trim()
    # 64 MiB in 16 KiB blocks (below the mmap threshold: from the heap), every block
    # written so its pages are resident; then all freed but every 64th, which pins the
    # heap's top so the ordinary free-time trim at the top cannot give anything back.
    blocks = [libc.malloc(16 * 1024) for _ in range(4096)]
    assert all(blocks)
    for block in blocks:
        ctypes.memset(block, 1, 16 * 1024)
    kept = blocks[::64]
    for block in blocks:
        if block not in kept:
            libc.free(block)
    before = rss_anon_kib()
    trim()
    after = rss_anon_kib()
    for block in kept:
        libc.free(block)
    assert before - after > 32 * 1024, (before, after)


def test_no_trimmer_off_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS and the BSDs have no malloc_trim (their allocators give memory back)."""
    monkeypatch.setattr(sys, "platform", "darwin")
    assert heap_trimmer() is None


_BIG_BLOCK = """
import ctypes, sys
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
names = ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
         "fordblks", "keepcost")
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in names]
libc.mallinfo2.restype = Info
if sys.argv[1] == "trimmed":
    from tui.core.memory import heap_trimmer
    heap_trimmer()()
libc.free(libc.malloc(8 << 20))  # a big block freed: glibc raises its mmap threshold to it
before = libc.mallinfo2().hblkhd
block = libc.malloc(1 << 20)
print(libc.mallinfo2().hblkhd - before)
"""


def _mapped_apart(case: str) -> int:
    """Bytes of a 1 MiB block that glibc mapped on its own (not from the heap), after an
    8 MiB block was freed, in a fresh process (``trimmed``: after the dashboard's trim)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _BIG_BLOCK, case],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout)


@glibc
def test_the_trim_leaves_glibcs_mmap_threshold_alone() -> None:
    """A big block freed raises glibc's mmap threshold to its size, so later big blocks
    come from the heap (no mapping, no page faults of their own). Pinning the threshold
    at 128 KiB made the dashboard spend 1.8x the CPU per 1 MiB message, and did not keep
    the soak's RSS lower: the trim must not pin it."""
    assert _mapped_apart("plain") == 0  # glibc's own behaviour: the 1 MiB block is in the heap
    assert _mapped_apart("trimmed") == 0
