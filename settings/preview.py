"""The connection names a settings file lists, read without pydantic, for the first frame.

Validating the settings imports pydantic and pydantic-settings (~100 ms here), longer than
a minimal Textual app takes to draw its first frame. The dashboard lists the names read
here while that runs, then replaces the list with the validated connections, or closes and
prints the problems. Nothing acts on these names: they are only shown.

A preview is offered only where it lists exactly what the validated settings will (unless
those are invalid): the file :func:`settings.files.find_config` chooses, read the same way,
and only when it is trusted, and when neither the environment nor the ``.env`` file can
change the list of connections.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from settings import trust
from settings.files import UnreadableFile, find_config, read_bytes

_ENV_KEY = "wsdeck_connections"
"""Variables that start so (in any case) replace or change the file's connections."""


def connection_names(
    explicit: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> list[str] | None:
    """The names of the connections in the settings file, in order; ``None`` when the
    validated settings might list others (or the file cannot be read as it will be)."""
    environ = os.environ if environ is None else environ
    if any(key.lower().startswith(_ENV_KEY) for key in environ):
        return None
    config, how = find_config(explicit)
    checked = trust.needs_trust(config, how)
    try:
        raw = read_bytes(config, must_exist=False)
        dotenv = read_bytes(config.parent / ".env", must_exist=False)
    except UnreadableFile:
        return None
    if raw is None:
        return []  # no file: the defaults, which have no connections
    if checked and trust.trust_state(config, raw) != "trusted":
        return None
    if dotenv is not None and (
        _ENV_KEY.encode() in dotenv.lower()
        or (checked and trust.trust_state(config.parent / ".env", dotenv) != "trusted")
    ):
        return None
    try:
        data = tomllib.loads(raw.decode("utf-8").removeprefix("\ufeff"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    connections = data.get("connections", [])
    if not isinstance(connections, list):
        return None
    names: list[str] = []
    for entry in connections:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            return None  # invalid: the validation says so in a moment
        names.append(name)
    return names
