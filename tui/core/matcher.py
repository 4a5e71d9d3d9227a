"""The one condition on received payloads that settings give: a regex or a jq program.

Watches (issue 13), reply rules and macro waits (issue 15) all ask "does this payload
match?" of the same two kinds of condition; this is their one answer. A regex is searched
in the text (a binary payload read as UTF-8; one that is not never matches); a jq program
matches when its first output is neither ``false`` nor ``null`` (see :mod:`tui.core.jq`).
"""

from __future__ import annotations

import re

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

    __slots__ = ("_jq", "regex", "source")

    def __init__(self, regex: str | None, jq: str | None) -> None:
        if (regex is None) == (jq is None):
            raise ValueError("a condition is a regex or a jq program")
        self.regex = re.compile(regex) if regex is not None else None
        self._jq = compile_program(jq) if jq is not None else None
        self.source = regex if regex is not None else f"jq {jq}"
        """What the condition is, for people: the regex, or ``jq PROGRAM``."""

    def __call__(self, data: str | bytes) -> bool:
        if self._jq is not None:
            return self._jq.matches(data)
        assert self.regex is not None
        text = payload_text(data)
        return text is not None and self.regex.search(text) is not None
