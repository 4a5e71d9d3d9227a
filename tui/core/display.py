"""One-line, terminal-safe renderings of events for the feed and ``tail --format text``.

Payloads are untrusted: control characters (C0, DEL, C1), bidi overrides and other
format characters, line separators and lone surrogates are shown as visible escapes
(``\\x1b``, ``\\n``, ``\\u202e``) so that nothing a server sends can move the cursor,
retitle the terminal, reorder or hide text. A backslash is shown as ``\\\\``, so the
literal text ``\\x1b`` cannot pass for an escaped ESC.
"""

from __future__ import annotations

import base64
import codecs
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime

from tui.core.codec import encode_base64, encode_hex
from tui.core.errors import close_code_name
from tui.core.events import (
    PIECE,
    AlertEvent,
    ErrorEvent,
    Event,
    NoteEvent,
    PayloadEvent,
    PongEvent,
    RuleSendEvent,
    StartEvent,
    StopEvent,
    TimeoutEvent,
)
from tui.core.unsafe import UNSAFE, escape
from tui.core.unsafe import printable as printable  # re-exported: its home before

GLYPHS = {
    "send": ">",
    "receive": "<",
    "start": "+",
    "stop": "-",
    "error": "!",
    "pong": "~",
    "note": "*",
    "alert": "⚠",
    "timeout": "⏱",
}


def counted(count: int, noun: str) -> str:
    """``1 event``, ``2 events``: a count and its noun (a regular plural)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _escape_undecodable(match: re.Match[str]) -> str:
    """Like :func:`tui.core.unsafe.escape`, but a byte that was not UTF-8
    (``surrogateescape``) is ``\\xNN``."""
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return escape(match)


def _text_view(decoded: str) -> str:
    """A binary payload's text view, from its ``surrogateescape`` decoding.

    surrogateescape, not backslashreplace: the escapes are made after decoding, so a byte
    that is not UTF-8 and a literal backslash in the payload stay distinct.
    """
    return UNSAFE.sub(_escape_undecodable, decoded)


def binary_preview(data: bytes, view: str, limit: int | None = None) -> str:
    """Binary payload in the connection's ``receive_view``: hex, base64, or text (escaped)."""
    cut = data if limit is None else data[:limit]
    if view == "base64":
        text = encode_base64(cut)
    elif view == "text":
        text = _text_view(cut.decode("utf-8", "surrogateescape"))
    else:
        text = encode_hex(cut)
    if limit is not None and len(text) > limit:
        return text[: max(0, limit - 1)] + "…"
    return text


def summary(event: Event, view: str = "hex", limit: int | None = 200) -> str:
    """The one-line detail of an event, without time, connection or glyph."""
    if isinstance(event, PayloadEvent):
        if isinstance(event, RuleSendEvent):  # sent by automation: which rule, first
            tag = f"[{printable(event.rule, 40)}] "
            rest = None if limit is None else max(1, limit - len(tag))
            return tag + summary(
                PayloadEvent(event.connection, event.ts, data=event.data), view, rest
            )
        if isinstance(event.data, bytes):
            return binary_preview(event.data, view, limit)
        return printable(event.data, limit)
    if isinstance(event, StartEvent):
        sub = f" subprotocol={printable(event.subprotocol)}" if event.subprotocol else ""
        return f"open {printable(event.url)}{sub} (attempt {event.attempt})"
    if isinstance(event, StopEvent):
        code = f"{event.code} {close_code_name(event.code)}" if event.code else "no close code"
        reason = f": {printable(event.reason, limit)}" if event.reason else ""
        return f"closed by {event.by}, {code}{reason}"
    if isinstance(event, ErrorEvent):
        return f"{event.kind}: {printable(event.message, limit)}"
    if isinstance(event, PongEvent):
        return f"pong after {event.rtt * 1000:.1f} ms"
    if isinstance(event, NoteEvent):
        about = f" (#{event.cause})" if event.cause is not None else ""
        return f"[{printable(event.rule, 40)}] {printable(event.text, limit)}{about}"
    if isinstance(event, AlertEvent):
        return alert_summary(event, limit)
    if isinstance(event, TimeoutEvent):
        # Three digits, never an exponent: correlate_timeout goes up to 3600 s (1.2e+03).
        waited = f"{event.waited:.3g}" if event.waited < 100 else f"{event.waited:.0f}"
        return f"no response to #{event.request} after {waited} s"
    return ""


def alert_summary(event: AlertEvent, limit: int | None = 200) -> str:
    """``RAISED critical silence: no message for 5 s`` / ``cleared silence: …``: the
    state leads in words (upper case when raised), so it reads without colour."""
    head = f"RAISED {event.level}" if event.state == "raised" else "cleared"
    return f"{head} {printable(event.name)}: {printable(event.message, limit)}"


def clock(ts: float, utc: bool = False) -> str:
    """``HH:MM:SS.mmm`` in local time (or UTC)."""
    moment = datetime.fromtimestamp(ts, UTC) if utc else datetime.fromtimestamp(ts)
    # One f-string, not strftime and a concatenation: a feed row's time took 2x as long.
    return (
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
        f".{moment.microsecond // 1000:03d}"
    )


def text_line(event: Event, view: str = "hex", utc: bool = False) -> str:
    """``tail --format text``: time, connection, glyph, size for payloads, detail.

    A binary payload says so and in which view (``[2 B binary, hex] 68 69``): in the text
    view a binary ``hi`` would otherwise print exactly like a text ``hi``.
    """
    return _line_head(event, view, utc) + summary(event, view, None)


def _line_head(event: Event, view: str, utc: bool) -> str:
    """A text line up to its detail: time, connection, glyph, size for payloads."""
    glyph = GLYPHS.get(event.EVENT, "?")
    size = ""
    if isinstance(event, PayloadEvent):
        kind = f" binary, {view}" if isinstance(event.data, bytes) else ""
        size = f" [{event.size} B{kind}]"
    return f"{clock(event.ts, utc)} {printable(event.connection)} {glyph}{size} "


def text_pieces(
    events: Iterable[Event], views: Mapping[str, str], utc: bool = False
) -> Iterator[str]:
    """The :func:`text_line` of each event and a newline, as pieces to write in turn.

    Like :func:`tui.core.events.encode_pieces`: a payload larger than ``PIECE`` is
    rendered a piece at a time. Whole, a 64 MiB binary message in the text view cost
    ~40 times its size (escaped text of up to four bytes a character, copied four times).

    Args:
        events: the events.
        views: the view of binary payloads per connection name (default ``hex``).
        utc: UTC times instead of local ones.
    """
    lines: list[str] = []
    for event in events:
        view = views.get(event.connection, "hex")
        if isinstance(event, PayloadEvent) and len(event.data) > PIECE:
            if lines:
                yield "".join(lines)
                lines = []
            yield _line_head(event, view, utc)
            yield from _payload_pieces(event.data, view)
            yield "\n"
        else:
            lines.append(text_line(event, view, utc))
            lines.append("\n")
    if lines:
        yield "".join(lines)


def _payload_pieces(data: str | bytes, view: str) -> Iterator[str]:
    """``summary()`` of a payload, unlimited, in pieces that join to the whole of it."""
    if isinstance(data, str):
        for start in range(0, len(data), PIECE):
            yield printable(data[start : start + PIECE])  # escaping is per character
        return
    chunks = memoryview(data)
    if view == "text":
        # Incremental: a UTF-8 sequence split between two pieces decodes as in one piece.
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        for start in range(0, len(data), PIECE):
            yield _text_view(decoder.decode(chunks[start : start + PIECE]))
        yield _text_view(decoder.decode(b"", final=True))
    elif view == "base64":
        step = PIECE // 4 * 3  # whole 3-byte groups: the pieces join without padding
        for start in range(0, len(data), step):
            yield base64.b64encode(chunks[start : start + step]).decode("ascii")
    else:
        for start in range(0, len(data), PIECE):
            yield (" " if start else "") + chunks[start : start + PIECE].hex(" ")
