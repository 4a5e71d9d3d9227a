"""The code points that must never reach a terminal raw, as a regular-expression class.

Every code point of the Unicode categories Cc (C0, DEL, C1), Cf (format characters:
bidi embeddings/overrides/isolates and marks such as U+061C, zero-width characters, BOM,
invisible tag characters, ...), Zl/Zp (line and paragraph separators) and Cs (lone
surrogates). The ranges cover Unicode 15.1 (a few unassigned neighbours are included so
that newer Pythons stay covered); tests/hardening/test_fuzz.py checks them against
unicodedata. Shared by the terminal renderings (:mod:`tui.core.display`) and the JSON
Lines writer (:mod:`tui.core.events`), which escape them in their own syntax.
:func:`printable` is here, with no other import, so that the dashboard's first frame can
show names without importing the core (its errors import websockets).
"""

from __future__ import annotations

import re

UNSAFE_CHARS = (
    "\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
"""The body of a ``[...]`` character class matching every unsafe code point."""

# The unsafe code points, and the backslash: it starts every escape, so a literal one is
# doubled (otherwise the text \x1b[31m would read like an escaped ESC).
UNSAFE = re.compile(f"[\\\\{UNSAFE_CHARS}]")
_UNSAFE_ONLY = re.compile(f"[{UNSAFE_CHARS}]")  # backslashes left alone
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def escape(match: re.Match[str]) -> str:
    """The visible escape of one unsafe character (or backslash) matched by :data:`UNSAFE`."""
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str, limit: int | None = None, *, backslash: bool = True) -> str:
    """``text`` with every unsafe character escaped; cut to ``limit`` characters (``…``).

    ``backslash=False`` leaves backslashes alone: for text the operator typed (a search
    regex), where ``\\d`` must read as typed and no payload can fake an escape.
    """
    if limit is not None and len(text) > limit * 4:
        text = text[: limit * 4]  # escaping can only grow it; no need to scan megabytes
    safe = (UNSAFE if backslash else _UNSAFE_ONLY).sub(escape, text)
    if limit is not None and len(safe) > limit:
        return safe[: max(0, limit - 1)] + "…"
    return safe
