"""Replace a file atomically: write beside it, fsync, rename over it."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path


def atomic_write(
    path: Path, chunks: Iterable[bytes], *, mode: int | None = None, make_folder: bool = True
) -> None:
    """Write ``chunks`` to a temp file beside ``path``, fsync it, rename it over ``path``.

    A reader never sees half a file, and a failure (also one raised while producing the
    chunks) leaves the old file and no temp file. ``mode``: the new file's permissions;
    ``None`` keeps the existing file's, or 0600 for a new one. An existing file keeps its
    owner and group where the process may set them (root editing another user's file).
    ``make_folder``: create missing folders; else a missing folder is ``FileNotFoundError``.
    """
    folder = path.parent
    if make_folder:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        existing: os.stat_result | None = path.stat()
    except FileNotFoundError:
        existing = None
    if mode is None:
        mode = 0o600 if existing is None else stat.S_IMODE(existing.st_mode)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
            if existing is not None:
                _keep_owner(handle.fileno(), existing)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def _keep_owner(fd: int, existing: os.stat_result) -> None:
    """Give the new file the old one's owner and group; only root may, others keep theirs."""
    if (existing.st_uid, existing.st_gid) == (os.getuid(), os.getgid()):
        return
    with contextlib.suppress(PermissionError):
        os.fchown(fd, existing.st_uid, existing.st_gid)


def _fsync_folder(folder: Path) -> None:
    """Persist the rename; best effort, since some platforms cannot open folders."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
