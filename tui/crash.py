"""An unhandled crash: a short message, a private crash file with secrets redacted, exit 70.

Tracebacks never show local variables (Textual's and Rich's default for an App crash
did: the settings file's text with its ``Authorization`` header, in many frames). The
crash file holds the plain traceback, with every secret of the loaded settings and
anything that looks like a credential replaced by ``***``.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from settings.redaction import redact_text
from tui import __version__

if TYPE_CHECKING:
    from settings import WsdeckSettings

EX_SOFTWARE = 70
"""Exit status of a crash (``EX_SOFTWARE`` of sysexits.h: an internal software error)."""

# Credentials that may be in an exception message even when they are not in the settings.
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_AUTH = re.compile(r"(?i)\b(bearer|basic|token|password|passwd|secret)(\s*[:=]?\s*)\S+")

_watched: list[WsdeckSettings] = []


def watch(settings: WsdeckSettings) -> None:
    """Redact the secrets of ``settings`` from crash files (the latest settings win)."""
    _watched[:] = [settings]


def _secrets() -> list[str]:
    from tui.core.options import connection_secrets

    found: list[str] = []
    for settings in _watched:
        env = settings.reference_env()
        for connection in settings.connections:
            found.extend(connection_secrets(connection, env))
    return found


def redact(text: str) -> str:
    """``text`` without the watched settings' secrets or credential-looking words."""
    text = redact_text(text, _secrets())
    text = _USERINFO.sub("***@", text)
    return _AUTH.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)


def crash_folder() -> Path:
    """Where crash files go: ``crashes`` in wsdeck's user state dir."""
    import platformdirs

    return platformdirs.user_state_path("wsdeck", appauthor=False) / "crashes"


def write_crash_file(error: BaseException) -> Path:
    """Write the redacted report of ``error`` to a new file (mode 0600) and return its path.

    Raises:
        OSError: the file cannot be written.
    """
    folder = crash_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"crash-{stamp}-{os.getpid()}.txt"
    report = (
        f"wsdeck {__version__} crashed at {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n"
        f"python {platform.python_version()} on {platform.platform()}\n"
        f"command: wsdeck {' '.join(sys.argv[1:])}\n\n" + "".join(traceback.format_exception(error))
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with open(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(redact(report))
    return path


def crash_message(error: BaseException) -> str:
    """Write the crash file; the one line to show the operator (without the traceback)."""
    try:
        where = f"details in {write_crash_file(error)}"
    except OSError as exc:
        where = f"no crash file could be written ({exc.strerror or exc})"
    return f"wsdeck: internal error ({type(error).__name__}); {where}. Please report it."


def report(error: BaseException) -> int:
    """Print the crash message on stderr and return :data:`EX_SOFTWARE`."""
    print(crash_message(error), file=sys.stderr)
    return EX_SOFTWARE
