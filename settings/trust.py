"""Which working-directory settings files the operator trusts, by path and content hash.

The direnv/mise model: a ``wsdeck.toml`` (or ``.env``) found in the working directory can
come from anyone (a cloned repository, a shared folder) and can make wsdeck send
environment variables to a server of its choosing. It is only used once ``wsdeck trust``
has recorded its resolved path and the SHA-256 of its content; any change to the file
needs a new ``wsdeck trust``. The record lives in the user data dir, mode 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

from settings.atomic import atomic_write
from settings.files import FILE_NAME, user_config_dir

STORE_NAME = "trusted.json"
"""File name of the trust record in the user data dir."""


def store_path() -> Path:
    """The trust record: ``trusted.json`` in wsdeck's user data dir."""
    import platformdirs  # here: the dashboard's first frame needs it only for ./wsdeck.toml

    return platformdirs.user_data_path("wsdeck", appauthor=False) / STORE_NAME


def digest(data: bytes) -> str:
    """The content hash recorded for a trusted file."""
    # Imported here and below: the dashboard's first frame needs neither (settings.preview).
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


def _key(path: Path) -> str:
    # Resolved: the same file reached through a symlink or "..", and a link that is later
    # pointed elsewhere is judged by what it points at.
    return str(path.resolve())


def _entries() -> dict[str, str]:
    """The recorded ``{resolved path: digest}``; an unreadable or damaged record trusts nothing."""
    import json

    try:
        raw = json.loads(store_path().read_bytes())
    except (OSError, ValueError):
        return {}
    files = raw.get("files") if isinstance(raw, dict) else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def trust_state(path: Path, data: bytes) -> str:
    """``"trusted"``, ``"changed"`` (trusted once, different content now) or ``"unknown"``."""
    recorded = _entries().get(_key(path))
    if recorded is None:
        return "unknown"
    return "trusted" if recorded == digest(data) else "changed"


def record(paths_and_data: list[tuple[Path, bytes]]) -> None:
    """Record each file as trusted with the hash of ``data`` (the bytes that were reviewed).

    Raises:
        OSError: the record cannot be written.
    """
    import json

    entries = _entries()
    for path, data in paths_and_data:
        entries[_key(path)] = digest(data)
    text = json.dumps({"version": 1, "files": entries}, indent=2, sort_keys=True) + "\n"
    atomic_write(store_path(), [text.encode("utf-8")], mode=0o600)


def refresh(path: Path, before: bytes, after: bytes) -> None:
    """wsdeck rewrote ``path`` from ``before`` to ``after``: if ``before`` was trusted as it
    was, trust ``after`` (else nothing changes)."""
    if trust_state(path, before) == "trusted":
        record([(path, after)])


def is_users_own(path: Path) -> bool:
    """Whether ``path`` is the settings file in the user config dir (always trusted)."""
    own = user_config_dir()
    try:
        return os.path.samefile(path.parent, own)
    except OSError:
        return False


def needs_trust(path: Path, how: str) -> bool:
    """Whether the settings file ``path``, chosen ``how`` (see :func:`settings.files.find_config`),
    is read only once trusted: a ``wsdeck.toml`` found in the working directory, unless it
    is the user's own file."""
    return how == f"./{FILE_NAME}" and not is_users_own(path)
