"""Export events to a JSON Lines file, atomically, to a target checked first.

An export never replaces what is not a regular file (a symlink, a FIFO, a device such as
``/dev/full``, a folder) and never creates folders unless asked to: the screen asks the
operator before overwriting a file or creating a folder, showing the resolved path.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from settings.atomic import atomic_write
from tui.core.events import Event, encode_pieces


class ExportRefused(Exception):
    """The target cannot be exported to; the message says why, for a person."""


@dataclass(frozen=True)
class ExportTarget:
    """Where an export would go.

    Attributes:
        path: the resolved path (``~`` expanded, ``..`` and symlinked folders resolved).
        exists: a regular file is there and would be overwritten.
        missing_folder: the first folder on the way that does not exist, if any.
    """

    path: Path
    exists: bool
    missing_folder: Path | None


def export_target(text: str | Path) -> ExportTarget:
    """Resolve and check the target ``text`` names.

    Raises:
        ExportRefused: something other than a regular file is there, or the path is empty
            or names a folder.
    """
    raw = str(text)
    if not raw.strip():
        raise ExportRefused("give a file name")
    if "\0" in raw:
        raise ExportRefused("the path must not contain a NUL character")
    given = Path(raw).expanduser()
    if raw.endswith(os.sep) or given.name in ("", ".", ".."):
        raise ExportRefused(f"{given} is a folder: give a file name")
    # The folders are resolved; the file itself is not, so a symlink there is seen as one.
    path = Path(os.path.abspath(given.parent)).resolve() / given.name
    missing = None
    for folder in (path.parent, *path.parent.parents):
        if folder.exists():
            break
        missing = folder
    if missing is not None:
        return ExportTarget(path, exists=False, missing_folder=missing)
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return ExportTarget(path, exists=False, missing_folder=None)
    except OSError as exc:
        raise ExportRefused(f"cannot use {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise ExportRefused(f"{path} exists and is {_kind(mode)}, not a regular file")
    return ExportTarget(path, exists=True, missing_folder=None)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "something else"


def export_jsonl(events: Iterable[Event], path: Path | str, *, create_folders: bool = False) -> int:
    """Write ``events`` to ``path`` as JSON Lines (the recording's format), mode 0600.

    The target is checked again (:func:`export_target`) right before writing; then the
    file is written through :func:`settings.atomic.atomic_write`: a reader never sees half
    a file and a failure leaves the old one. Returns the number of events written.

    Raises:
        ExportRefused: the target is not a regular file, or a folder is missing and
            ``create_folders`` is false.
        OSError: the file could not be written.
    """
    target = export_target(path)
    if target.missing_folder is not None and not create_folders:
        raise ExportRefused(f"the folder {target.missing_folder} does not exist")
    count = 0

    def counted() -> Iterator[Event]:
        nonlocal count
        for event in events:
            count += 1
            yield event

    chunks = (piece.encode("utf-8") for piece in encode_pieces(counted()))
    atomic_write(target.path, chunks, mode=0o600, make_folder=create_folders)
    return count
