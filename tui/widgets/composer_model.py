"""The composer's UI-free half: modes, payload validation and the per-connection send history."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Literal, TypeGuard

from settings.messages import BinaryMessage, Message
from tui.core.codec import PayloadError, decode

Mode = Literal["text", "json", "hex", "base64"]
"""How the editor's text is read: a text frame (``text``, ``json``) or a binary frame."""

MODES: tuple[Mode, ...] = ("text", "json", "hex", "base64")
"""Every mode, in the order ``ctrl+t`` cycles through them."""

EMPTY_MESSAGE = "nothing to send: the message is empty"
"""Shown instead of sending an empty frame, which is almost always a stray key press."""


def is_mode(value: object) -> TypeGuard[Mode]:
    """Whether ``value`` names a composer mode."""
    return value in MODES


def next_mode(mode: Mode) -> Mode:
    """The mode after ``mode`` in :data:`MODES`, wrapping around."""
    return MODES[(MODES.index(mode) + 1) % len(MODES)]


def _reject_constant(name: str) -> object:
    # Python's json accepts NaN and Infinity, but they are not JSON and servers reject them.
    raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str) -> object:
    """Parse strict JSON.

    Raises:
        PayloadError: with the parser's reason, line and column.
    """
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except ValueError as exc:
        raise PayloadError(f"invalid JSON: {exc}") from None


def format_json(text: str) -> str:
    """``text`` pretty-printed with an indent of 2; non-ASCII characters are kept as typed.

    Raises:
        PayloadError: when ``text`` is not JSON.
    """
    return json.dumps(parse_json(text), indent=2, ensure_ascii=False)


def payload(text: str, mode: Mode) -> str | bytes:
    """What to send for the editor's ``text`` in ``mode``.

    Text and JSON are sent as typed in a text frame (JSON must parse); hex and base64 are
    decoded to the bytes of a binary frame. An empty message is refused in every mode.

    Raises:
        PayloadError: with a message for the inline error line.
    """
    if mode == "text":
        if not text:
            raise PayloadError(EMPTY_MESSAGE)
        return text
    if mode == "json":
        if not text.strip():
            raise PayloadError(EMPTY_MESSAGE)
        parse_json(text)
        return text
    data = decode(text, mode)
    if not data:
        raise PayloadError(EMPTY_MESSAGE)
    return data


def mode_for(message: Message) -> tuple[str, Mode]:
    """The editor text and mode that load a saved ``message``.

    Text that parses as a JSON object or array opens in ``json`` mode, other text in ``text``;
    a binary message opens in the encoding it was written in.
    """
    if isinstance(message, BinaryMessage):
        if message.hex is not None:
            return message.hex, "hex"
        return message.base64 or "", "base64"
    try:
        value = parse_json(message)
    except PayloadError:
        return message, "text"
    return message, "json" if isinstance(value, dict | list) else "text"


@dataclass(frozen=True)
class Entry:
    """One editor state: its text and the mode it was read in."""

    text: str
    mode: Mode


class History:
    """Sent messages per connection, oldest first, with a browsing position like a shell's.

    Browsing starts at the newest entry and remembers the draft that was being typed, so that
    stepping forward past the newest entry gives the draft back.
    """

    def __init__(self, limit: int = 100) -> None:
        """Keep at most ``limit`` entries per connection."""
        self._limit = limit
        self._entries: dict[str, deque[Entry]] = {}
        self._connection: str | None = None
        self._position: int | None = None
        self._draft: Entry | None = None

    def entries(self, connection: str) -> tuple[Entry, ...]:
        """The entries of ``connection``, oldest first."""
        return tuple(self._entries.get(connection, ()))

    def push(self, connection: str, entry: Entry) -> None:
        """Record a sent entry (unless it repeats the newest one) and stop browsing."""
        entries = self._entries.setdefault(connection, deque(maxlen=self._limit))
        if not entries or entries[-1] != entry:
            entries.append(entry)
        self.reset()

    def reset(self) -> None:
        """Stop browsing; the next :meth:`back` starts again from the newest entry."""
        self._connection = self._position = self._draft = None

    def back(self, connection: str, current: Entry) -> Entry | None:
        """The entry before the one shown, or None at the oldest (or with no history).

        ``current`` is what the editor holds; it is kept as the draft when browsing starts.
        """
        entries = self._entries.get(connection)
        if not entries:
            return None
        if self._connection != connection or self._position is None:
            self._connection, self._position, self._draft = connection, len(entries), current
        if self._position == 0:
            return None
        self._position -= 1
        return entries[self._position]

    def forward(self, connection: str) -> Entry | None:
        """The entry after the one shown, then the draft; None when not browsing."""
        entries = self._entries.get(connection)
        if self._connection != connection or self._position is None or not entries:
            return None
        self._position += 1
        if self._position < len(entries):
            return entries[self._position]
        draft = self._draft
        self.reset()
        return draft
