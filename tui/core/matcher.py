"""The one condition on received payloads that settings give: a regex or a jq program.

Watches (issue 13), reply rules and macro waits (issue 15) all ask "does this payload
match?" of the same two kinds of condition; this is their one answer. A regex is searched
in the text (a binary payload read as UTF-8; one that is not never matches); a jq program
matches when its first output is neither ``false`` nor ``null`` (see :mod:`tui.core.jq`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tui.core.jq import compile_program


def payload_text(data: str | bytes) -> str | None:
    """A payload as text for a regex: binary read as UTF-8, or None when it is not."""
    if isinstance(data, str):
        return data
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


class Matcher:
    """A compiled regex or jq condition, called with a payload."""

    __slots__ = ("regex", "source", "test")

    def __init__(self, regex: str | None, jq: str | None) -> None:
        if (regex is None) == (jq is None):
            raise ValueError("a condition is a regex or a jq program")
        self.regex = re.compile(regex) if regex is not None else None
        self.test: Callable[[str | bytes], bool] = (
            compile_program(jq).matches if jq is not None else _searcher(self.regex)
        )
        """The condition itself: callers on a hot path keep it (one call less per payload)."""
        self.source = regex if regex is not None else f"jq {jq}"
        """What the condition is, for people: the regex, or ``jq PROGRAM``."""

    def __call__(self, data: str | bytes) -> bool:
        return self.test(data)


def _searcher(regex: re.Pattern[str] | None) -> Callable[[str | bytes], bool]:
    assert regex is not None
    search = regex.search

    def found(data: str | bytes) -> bool:
        text = payload_text(data)
        return text is not None and search(text) is not None

    return found
