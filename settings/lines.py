"""Find the line of the settings file that a validation error points at."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, Table
from tomlkit.toml_document import TOMLDocument

_MARKER = "wsdeck-line-marker-5c1e"


class LineFinder:
    """Map error locations to line numbers of one file's text (best effort, never raises)."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __call__(
        self, loc: Sequence[int | str], value: Any, *, missing: bool = False
    ) -> int | None:
        """The line of ``loc`` if the file holds ``value`` there (so the value came from it).

        Args:
            loc: the pydantic error location.
            value: the input the error is about; lines are only given for the file's values.
            missing: the key at ``loc`` is required but absent: point at its table instead.
        """
        try:
            return self._find(loc, value, missing=missing)
        except Exception:
            # A line number is only a hint; never let finding it break error reporting.
            return None

    def _find(self, loc: Sequence[int | str], value: Any, *, missing: bool) -> int | None:
        document = tomlkit.parse(self._text)
        path = list(loc[:-1]) if missing else list(loc)
        is_key = bool(path) and path[-1] == "[key]"
        if is_key:
            path.pop()
        parent: Any = None
        node: Any = document
        for part in path:
            if isinstance(node, TOMLDocument | Table | InlineTable) and isinstance(part, str):
                if part not in node:
                    return None
            elif not (isinstance(node, AoT | Array) and isinstance(part, int) and part < len(node)):
                return None
            parent, node = node, node[part]
        if parent is None:
            return None
        if not missing:
            # Booleans come back from tomlkit as plain bool, without unwrap().
            found = path[-1] if is_key else getattr(node, "unwrap", lambda: node)()
            if found != value:
                return None
        if isinstance(node, Table):
            node.comment(_MARKER)
        else:
            parent[path[-1]] = _MARKER
        for number, line in enumerate(document.as_string().split("\n"), start=1):
            if _MARKER in line:
                return number
        return None
