"""Preferences chosen in the dashboard (the theme), saved back to the settings file.

The save is the settings editor's: the file alone is read (no environment, no ``.env``),
only the changed value is rewritten, comments stay, and the file is replaced atomically.
A file that is absent or read-only is not written: the choice lasts for this run.
"""

from __future__ import annotations

import os
from pathlib import Path

from settings import (
    SettingsError,
    SettingsSaveError,
    ThemeSettings,
    load_document,
    load_settings,
    save_settings,
)


def save_theme(path: Path | None, name: str) -> str | None:
    """Write ``[theme] name`` to the settings file at ``path``.

    Returns:
        ``None`` when saved, else why not (for a notice that the theme lasts this run only).
    """
    if path is None:
        return "there is no settings file"
    if not path.is_file():
        return f"there is no settings file ({path} does not exist)"
    # The atomic save replaces the file through its folder: a file without write
    # permission would be replaced all the same, so its mode is honoured here.
    if not path.stat().st_mode & 0o222 or not os.access(path, os.W_OK):
        return f"{path} is read-only"
    try:
        document = load_document(path)
        current = load_settings(path, use_env=False)
        new = current.model_copy(update={"theme": ThemeSettings(name=name)})
        save_settings(path, new, document=document)
    except SettingsError as exc:
        return f"cannot update {path}: " + "; ".join(str(problem) for problem in exc.problems)
    except (SettingsSaveError, OSError) as exc:
        return str(exc)
    return None
