"""Finding the settings file and reading it safely, without pydantic.

The dashboard reads the file once before its first frame, to list the connections while
pydantic validates them (:mod:`settings.preview`): nothing here may import pydantic.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

CONFIG_ENV = "WSDECK_CONFIG"
"""Environment variable naming the settings file."""

FILE_NAME = "wsdeck.toml"
"""File name of the settings file in the working and user config folders."""

MAX_FILE_BYTES = 16 * 1024 * 1024
"""Largest settings or ``.env`` file read (a settings file is a few kilobytes)."""


class UnreadableFile(Exception):
    """A file that must be read cannot be: the message says why, ``path`` which file."""

    def __init__(self, message: str, path: Path | None) -> None:
        super().__init__(message)
        self.path = path


def find_config(explicit: Path | str | None = None) -> tuple[Path, str]:
    """Find the settings file and say how it was chosen.

    Order: ``--config``, ``$WSDECK_CONFIG``, ``./wsdeck.toml`` if it exists, else the user
    config dir (returned even when the file does not exist yet).

    Args:
        explicit: the ``--config`` argument, if given.

    Returns:
        ``(path, how)`` where ``how`` is ``"--config"``, ``"$WSDECK_CONFIG"``,
        ``"./wsdeck.toml"`` or ``"user config dir"``.
    """
    if explicit is not None and str(explicit):
        return Path(explicit).expanduser().absolute(), "--config"
    from_env = os.environ.get(CONFIG_ENV, "")
    if from_env:
        return Path(from_env).expanduser().absolute(), f"${CONFIG_ENV}"
    local = Path.cwd() / FILE_NAME
    if local.is_file():
        return local, f"./{FILE_NAME}"
    return user_config_dir() / FILE_NAME, "user config dir"


def user_config_dir() -> Path:
    """wsdeck's folder in the user config dir (where its settings file goes by default)."""
    # Imported here: with --config or $WSDECK_CONFIG the first frame need not wait for it.
    import platformdirs

    return platformdirs.user_config_path("wsdeck", appauthor=False)


def read_bytes(path: Path, *, must_exist: bool, what: str = "") -> bytes | None:
    """The file's bytes; ``None`` when it is missing and may be; else :class:`UnreadableFile`.

    Opened without blocking and required to be a regular file: a FIFO or a device would
    hang or feed the load forever.
    """
    label = f"{what} {path}" if what else str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        if must_exist:
            raise UnreadableFile(f"file not found: {label}", path) from None
        return None
    except ValueError:  # "embedded null byte"
        raise UnreadableFile(f"invalid path {str(path)!r}: it holds a NUL", None) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UnreadableFile(f"cannot read {label}: {reason}", path) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise UnreadableFile(f"cannot read {label}: {kind}", path)
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise UnreadableFile(f"cannot read {label}: {reason}", path) from None
    if len(raw) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise UnreadableFile(f"{label} is larger than {limit} MiB", path)
    return raw
