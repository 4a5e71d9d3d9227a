"""Named fields of JSON payloads: a connection's jq programs run as one, and their values shown.

A connection's fields (``temp = ".temperature"``, ``bid = ".bids[0][0] | tonumber"``) are
asked of every message it receives. Each program run parses the payload again, so the
programs are combined into one, ``[(try [first(p1)] catch []), …]``: one parse per message
whatever the number of fields (three fields: ~6.5 µs a message instead of ~15 µs, measured
here). Each program keeps its own meaning: an error or no output in one is that field's
:data:`~tui.core.jq.NO_VALUE` and leaves the others alone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Final

from tui.core.display import printable
from tui.core.jq import NO_VALUE, compile_program

__all__ = [
    "MISSING",
    "PLOT_LIMIT",
    "FieldSet",
    "field_name",
    "format_value",
    "jq_path",
    "leaf_paths",
    "numeric",
    "sparkline",
]

MISSING: Final = "-"
"""What a field shows for a payload that is not JSON or lacks it."""

_TEXT_LIMIT = 40
"""Characters of a value's text kept for a cell or a feed row."""


def _combined(sources: tuple[str, ...]) -> str:
    # The newline ends a trailing ``# comment`` before the closing parenthesis.
    return "[" + ", ".join(f"(try [first({source}\n)] catch [])" for source in sources) + "]"


class FieldSet:
    """A connection's fields, compiled once; :meth:`extract` gives their values for a payload."""

    __slots__ = ("_program", "names", "sources")

    def __init__(self, fields: Mapping[str, str]) -> None:
        """Compile ``fields`` (name to jq source).

        Raises:
            JqError: a program does not compile (settings check them before they get here).
        """
        self.names: tuple[str, ...] = tuple(fields)
        self.sources: tuple[str, ...] = tuple(fields.values())
        for source in self.sources:
            compile_program(source)  # the error names the program, not the combination
        self._program = compile_program(_combined(self.sources)) if self.sources else None

    def extract(self, payload: str | bytes) -> tuple[object, ...]:
        """Each field's value for ``payload``, in :attr:`names` order (``NO_VALUE`` if none)."""
        if self._program is None:
            return ()
        found = self._program.first(payload)
        if not isinstance(found, list):  # not JSON: no field has a value
            return (NO_VALUE,) * len(self.names)
        return tuple(values[0] if values else NO_VALUE for values in found)

    def items(self) -> list[tuple[str, str]]:
        """(name, source) pairs in order."""
        return list(zip(self.names, self.sources, strict=True))


PLOT_LIMIT: Final = 1e300
"""Largest magnitude plotted: jq reads ``1e999`` and ``Infinity`` as 1.8e308, finite, but
plotext overflows on a span that large (a peer's payload crashed the plot screen)."""


def numeric(value: object) -> float | None:
    """``value`` as a number to plot: ints and floats within :data:`PLOT_LIMIT` only
    (never bools, text, NaN or infinities)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if -PLOT_LIMIT <= number <= PLOT_LIMIT else None


def format_value(value: object, limit: int = _TEXT_LIMIT) -> str:
    """A value as a cell shows it: ``-`` when missing, numbers compact, the rest as JSON.

    The text is safe to print (control characters escaped) and at most ``limit`` cells.
    """
    if value is NO_VALUE:
        return MISSING
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = f"{value:.6g}" if math.isfinite(value) else str(value)
    elif isinstance(value, str):
        text = value
    else:
        text = _json_head(value, limit)
    return printable(text, limit)


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json_head(value: object, limit: int) -> str:
    # Values come from peers: a list of millions of items would be encoded whole to show 40
    # characters, and one thousands of levels deep makes json.dumps raise RecursionError in
    # the UI thread drawing the cell. iterencode is lazy, so stop once the cell is full.
    chunks: list[str] = []
    size = 0
    try:
        for chunk in _ENCODER.iterencode(value):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                break
    except RecursionError:
        chunks.append("…")
    return "".join(chunks)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NOT_NAME = re.compile(r"[^A-Za-z0-9_]+")


def _step(key: str | int) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    return f".{key}" if _IDENTIFIER.fullmatch(key) else f"[{json.dumps(key)}]"


def jq_path(keys: Sequence[str | int]) -> str:
    """The jq program that reads the value at ``keys``: ``.bids[0][0]``, ``.["a b"]``."""
    path = "".join(_step(key) for key in keys)
    return path if path.startswith(".") else "." + path


def field_name(path: str) -> str:
    """A field name for the value a jq path reads: ``bids_0_0`` for ``.bids[0][0]``; at
    most 16 characters (the end, where paths differ), ``field`` when nothing is left."""
    return _NOT_NAME.sub("_", path).strip("_")[-16:].strip("_") or "field"


def leaf_paths(payload: str, limit: int = 20, depth: int = 4) -> list[tuple[str, str]]:
    """The scalar values of a JSON payload as (name, jq path): ``("temperature",
    ".temperature")``, ``("bids_0_0", ".bids[0][0]")``; at most ``limit``, ``depth`` deep.

    What the palette offers as fields for the highlighted message; ``[]`` when it is not
    a JSON object or array.
    """
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):
        return []
    found: list[tuple[str, str]] = []

    def walk(item: object, keys: list[str | int]) -> None:
        if len(found) >= limit:
            return
        if isinstance(item, dict | list) and len(keys) < depth:
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                walk(child, [*keys, key])
        elif keys and not isinstance(item, dict | list):
            path = jq_path(keys)
            found.append((field_name(path), path))

    walk(value, [])
    return found


SPARK: Final = "▁▂▃▄▅▆▇█"
"""Bars of a sparkline, lowest first."""


def sparkline(values: Sequence[float], width: int) -> str:
    """``values`` as ``width`` bars at most (the last ones), scaled from their lowest to
    their highest, padded on the left while there are fewer; a flat line is drawn mid-way."""
    shown = values[-width:] if width > 0 else []
    if not shown:
        return ""
    low, high = min(shown), max(shown)
    span = high - low
    top = len(SPARK) - 1
    if span <= 0 or not math.isfinite(span):
        bars = SPARK[top // 2] * len(shown)
    else:
        bars = "".join(SPARK[round((value - low) / span * top)] for value in shown)
    return bars.rjust(width)
