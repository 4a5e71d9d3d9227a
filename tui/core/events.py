"""The event model shared by the feed, ``wsdeck tail``, exports and recordings.

One event class per Incari listener node (On Start, On Stop, On Receive, On Error) plus
``send`` for what we put on the wire (automation's name their rule), ``pong`` for the answer
to a manual ping, ``note`` for a reply rule's mark on a received message, ``alert`` for a
watch raising or clearing an alert (:mod:`tui.core.watch`) and ``timeout`` for a request
that got no response in time (:mod:`tui.core.pairing`). Events
are small slotted objects with the timestamp kept as a float: tens of thousands arrive per
second, and formatting is only paid for the events that are shown or written.

JSON Lines form (product.md §3)::

    {"seq":3,"ts":"2026-11-25T20:25:28.123456Z","connection":"echo","event":"receive",
     "binary":false,"text":"hello","size":5}

Non-ASCII text stays UTF-8, except the code points a terminal would act on or hide (DEL,
C1 controls, bidi and other format characters, line separators, lone surrogates): those
are written as ``\\uXXXX`` escapes, so a line is safe to print and still the same JSON.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, get_args

from tui.core.unsafe import UNSAFE_CHARS

ErrorKind = Literal[
    "config",
    "connect",
    "handshake",
    "tls",
    "timeout",
    "protocol",
    "too_big",
    "send",
    "closed",
    "internal",
    "recording",
    "automation",
]
ERROR_KINDS: tuple[ErrorKind, ...] = get_args(ErrorKind)
StopBy = Literal["client", "server", "network"]
AlertLevel = Literal["warning", "critical"]
AlertState = Literal["raised", "cleared"]
EVENT_NAMES = ("start", "stop", "receive", "send", "error", "pong", "note", "alert", "timeout")


@dataclass(slots=True)
class Event:
    """Base of every event: which connection, when (epoch seconds) and its place in the run."""

    connection: str
    ts: float
    seq: int = 0
    EVENT: ClassVar[str] = ""

    def fields(self) -> dict[str, Any]:
        """The event-specific JSON fields, in schema order."""
        return {}

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form of product.md §3."""
        head: dict[str, Any] = {
            "seq": self.seq,
            "ts": format_ts(self.ts),
            "connection": self.connection,
            "event": self.EVENT,
        }
        head.update(self.fields())
        return head


@dataclass(slots=True)
class StartEvent(Event):
    """On WebSocket Start: the handshake completed and the connection is open.

    ``verified`` is False for a ``wss://`` connection whose settings turned certificate
    verification off; the JSON form carries ``"verified": false`` only then, so a script
    can look for it without knowing which URLs use TLS.
    """

    url: str = ""
    subprotocol: str | None = None
    attempt: int = 1
    verified: bool = True
    EVENT: ClassVar[str] = "start"

    def fields(self) -> dict[str, Any]:
        fields = {"url": self.url, "subprotocol": self.subprotocol, "attempt": self.attempt}
        if not self.verified:
            fields["verified"] = False
        return fields


@dataclass(slots=True)
class StopEvent(Event):
    """On WebSocket Stop: the connection is closed (``by`` says who ended it)."""

    code: int | None = None
    reason: str = ""
    by: StopBy = "client"
    EVENT: ClassVar[str] = "stop"

    def fields(self) -> dict[str, Any]:
        return {"code": self.code, "reason": self.reason, "by": self.by}


@dataclass(slots=True)
class PayloadEvent(Event):
    """A message on the wire; ``data`` is ``str`` for text frames and ``bytes`` for binary."""

    data: str | bytes = ""
    size: int = 0

    @property
    def binary(self) -> bool:
        """Whether the frame was binary (the Incari ``Is Binary``)."""
        return isinstance(self.data, bytes)

    def fields(self) -> dict[str, Any]:
        if isinstance(self.data, bytes):
            return {
                "binary": True,
                "base64": base64.b64encode(self.data).decode("ascii"),
                "size": self.size,
            }
        return {"binary": False, "text": self.data, "size": self.size}


@dataclass(slots=True)
class ReceiveEvent(PayloadEvent):
    """On WebSocket Receive: a message arrived."""

    EVENT: ClassVar[str] = "receive"


@dataclass(slots=True)
class SendEvent(PayloadEvent):
    """A message we sent (the output of WebSocket Client Send)."""

    EVENT: ClassVar[str] = "send"


@dataclass(slots=True)
class RuleSendEvent(SendEvent):
    """A message automation sent: ``rule`` names the schedule, reply rule or macro.

    A class of its own (not a field of every send) so that the ring keeps it whole and
    the per-message paths that test ``type(event) is SendEvent`` stay as they are.
    """

    rule: str = ""

    def fields(self) -> dict[str, Any]:
        fields = PayloadEvent.fields(self)
        fields["rule"] = self.rule
        return fields


@dataclass(slots=True)
class ErrorEvent(Event):
    """On WebSocket Error: something failed; ``message`` is meant for a person."""

    kind: ErrorKind = "connect"
    message: str = ""
    EVENT: ClassVar[str] = "error"

    def fields(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message}


@dataclass(slots=True)
class PongEvent(Event):
    """The pong answering a manual ping arrived; ``rtt`` is the round trip in seconds."""

    rtt: float = 0.0
    EVENT: ClassVar[str] = "pong"

    def fields(self) -> dict[str, Any]:
        # Milliseconds to the microsecond: what a person reads, and exact enough.
        return {"rtt_ms": round(self.rtt * 1000, 3)}


@dataclass(slots=True)
class NoteEvent(Event):
    """A reply rule marked a received message: its ``text``, and the ``seq`` of that
    message (``cause``)."""

    rule: str = ""
    text: str = ""
    cause: int | None = None
    EVENT: ClassVar[str] = "note"

    def fields(self) -> dict[str, Any]:
        return {"rule": self.rule, "text": self.text, "cause": self.cause}


@dataclass(slots=True)
class AlertEvent(Event):
    """A watch raised or cleared an alert on the connection.

    ``figures`` are the watch's measures behind it (``{"silent_s": 5.2, "after_s": 5}``);
    ``cause`` is the ``seq`` of the event that raised it (the matching message, the last
    stop or error, the last message before a silence), None when there is none.
    """

    name: str = ""
    level: AlertLevel = "warning"
    state: AlertState = "raised"
    message: str = ""
    figures: dict[str, float] = field(default_factory=dict)
    cause: int | None = None
    EVENT: ClassVar[str] = "alert"

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "level": self.level,
            "state": self.state,
            "message": self.message,
            "figures": self.figures,
            "cause": self.cause,
        }


@dataclass(slots=True)
class TimeoutEvent(Event):
    """A sent request got no response within the connection's ``correlate_timeout``
    (or was dropped as the oldest of too many waiting): ``request`` is its ``seq``,
    ``waited`` the seconds it waited."""

    request: int = 0
    waited: float = 0.0
    EVENT: ClassVar[str] = "timeout"

    def fields(self) -> dict[str, Any]:
        return {"request": self.request, "waited_ms": round(self.waited * 1000, 3)}


EVENT_TYPES: dict[str, type[Event]] = {
    cls.EVENT: cls
    for cls in (
        StartEvent,
        StopEvent,
        ReceiveEvent,
        SendEvent,
        ErrorEvent,
        PongEvent,
        NoteEvent,
        AlertEvent,
        TimeoutEvent,
    )
}


def payload_size(data: str | bytes) -> int:
    """Size on the wire: bytes for binary, UTF-8 bytes for text."""
    if isinstance(data, bytes):
        return len(data)
    return len(data) if data.isascii() else len(data.encode("utf-8", "surrogatepass"))


@functools.lru_cache(maxsize=8)
def _ts_prefix(second: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS.`` of an epoch second, as every timestamp starts.

    Cached: records come in batches that share their second (a few records each at 4 KiB),
    and strftime cost more per batch than the rest of the encoding.
    """
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S.")


def _ts_parts(ts: float) -> tuple[int, int]:
    """The epoch second and the microseconds of a timestamp as :func:`format_ts` writes it."""
    second = int(ts)
    # Rounded, not truncated, to the microsecond: parse_ts() of a formatted time gives
    # the float nearest to it, often a hair below, and truncating that lost a
    # microsecond on every decode/encode round trip (a re-exported recording drifted).
    micros = int((ts - second) * 1_000_000 + 0.5)
    return (second + 1, 0) if micros == 1_000_000 else (second, micros)


def format_ts(ts: float) -> str:
    """ISO 8601 UTC with microseconds: ``2026-11-25T20:25:28.123456Z``."""
    second, micros = _ts_parts(ts)
    return f"{_ts_prefix(second)}{micros:06d}Z"


def parse_ts(text: str) -> float:
    """Inverse of :func:`format_ts` (accepts any ISO 8601 form with a zone)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text!r}")
    return moment.timestamp()


# json escapes C0 itself; everything else unsafe is escaped after encoding. Every unsafe
# character of a line is inside a JSON string, where \uXXXX means the same character.
_UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")


def _unicode_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # JSON has only \uXXXX: a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def terminal_safe_json(json_text: str) -> str:
    """JSON text with the characters a terminal would act on or hide written as ``\\uXXXX``
    (json escapes C0 itself; ``json_text`` must have its strings quoted, as json writes)."""
    # ASCII: O(1) and a memchr (the usual case). Otherwise str.isprintable, a C scan
    # (~6 ns a character here) that fails on every unsafe character, screens the text for
    # the expression's search (~60 ns a character), which only text holding one (or NBSP,
    # private use...) pays.
    safe = "\x7f" not in json_text if json_text.isascii() else json_text.isprintable()
    return json_text if safe else _UNSAFE.sub(_unicode_escape, json_text)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
# The function that encoder applies to every string (C when available).
_json_string: Callable[[str], str] = json.encoder.encode_basestring
# Its ensure_ascii variant escapes exactly what terminal_safe_json(_json_string(text))
# escapes in ASCII text: C0 and DEL.
_json_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _json_string_utf8(text: str) -> bytes:
    """``_json_string`` in UTF-8: the stand-in for orjson where it is not installed."""
    return _json_string(text).encode()


# orjson writes a str as a JSON string in UTF-8 bytes, 25-80 times faster than the two
# above on long text (4 KiB: ~0.4 µs against ~11 µs; 1 MiB: ~45 µs against ~3.5 ms, measured
# here). It escapes what they escape ('"', '\\', C0 with the same short forms and lowercase
# \u00XX), except DEL, which it keeps raw; it keeps every other character as UTF-8 and
# refuses lone surrogates. So it is used where that is the same output: ASCII text without
# DEL, and text that str.isprintable() passes (no C0, DEL, C1, format characters, line
# separators or surrogates). tests/core/test_encode.py checks every case against json, with
# orjson and with the stand-in.
_dumps: Callable[[str], bytes]
try:
    from orjson import dumps as _dumps
except ImportError:  # an interpreter orjson has no wheel for: the same bytes, slower
    _dumps = _json_string_utf8
_NAME_CACHE_LIMIT = 4096
_json_names: dict[str, bytes] = {}
_DIRECT = 1 << 16
"""Encoded payloads of at least this many bytes are yielded as they are, not joined."""


def _json_name(name: str) -> bytes:
    """``name`` as a JSON string; cached, a run has few connection names."""
    encoded = _json_names.get(name)
    if encoded is None:
        if len(_json_names) >= _NAME_CACHE_LIMIT:
            _json_names.clear()
        encoded = _json_names[name] = _json_text(name)
    return encoded


def _json_text(data: str) -> bytes:
    """``data`` as a terminal-safe JSON string in UTF-8, quotes included."""
    if data.isascii():
        return _dumps(data) if "\x7f" not in data else _json_ascii(data).encode("ascii")
    if data.isprintable():
        return _dumps(data)
    # Escaped by terminal_safe_json, a lone surrogate no longer stops the UTF-8 encoding.
    return terminal_safe_json(_json_string(data)).encode()


# A payload record up to its payload, for bytes %-formatting (one C call per record).
_HEAD = b'{"seq":%d,"ts":"%b%06dZ","connection":%b,"event":"%b",'
_TEXT_HEAD = _HEAD + b'"binary":false,"text":'
_TEXT_LINE = _TEXT_HEAD + b'%b,"size":%d}\n'
_BINARY_LINE = _HEAD + b'"binary":true,"base64":"%b","size":%d}\n'
_PAYLOAD_NAMES: dict[type[Event], bytes] = {ReceiveEvent: b"receive", SendEvent: b"send"}


def encode_line(event: Event) -> str:
    """One JSON Lines record (without the newline); non-ASCII text is kept as UTF-8, but
    for the characters a terminal would act on (escaped as ``\\uXXXX``)."""
    return b"".join(encode_chunks((event,)))[:-1].decode()


PIECE = 1 << 20
"""Characters (or bytes) of a payload encoded at a time by :func:`encode_chunks`."""


def encode_chunks(events: Iterable[Event]) -> Iterator[bytes]:
    """The JSON Lines records of ``events`` in UTF-8, as chunks to write one after another.

    Small records come joined, several to a chunk; an encoded payload of 64 KiB or more is
    a chunk of its own (written as it is, never copied into a joined batch). A payload
    larger than :data:`PIECE` is encoded a piece at a time, so its encoded form never
    exists whole: a 64 MiB binary message cost ~4.7 times its size in ``tail`` when its
    record was built as one string (base64 bytes, their str, the record, the joined batch,
    the written bytes).

    This is the per-message path of ``tail`` (hundreds of thousands of records a second):
    one loop, one formatting call per record, and the timestamp's date and second
    formatted once per second (tests/core/test_encode.py checks every record against the
    schema's reference encoding).
    """
    parts: list[bytes] = []
    append = parts.append
    dumps = _dumps
    names = _json_names
    verbs = _PAYLOAD_NAMES
    current = -1
    prefix = b""
    for event in events:
        if not isinstance(event, PayloadEvent) or (verb := verbs.get(type(event))) is None:
            append(terminal_safe_json(_ENCODER.encode(event.to_dict())).encode())
            append(b"\n")
            continue
        data = event.data
        if len(data) > PIECE:
            if parts:
                yield b"".join(parts)
                parts.clear()
            yield from _large_record(event)
            continue
        ts = event.ts
        second = int(ts)
        micros = int((ts - second) * 1_000_000 + 0.5)  # _ts_parts, inlined
        if micros == 1_000_000:
            second, micros = second + 1, 0
        if second != current:
            current, prefix = second, _ts_prefix(second).encode()
        name = names.get(event.connection) or _json_name(event.connection)
        if isinstance(data, str):
            body = dumps(data) if data.isascii() and "\x7f" not in data else _json_text(data)
            if len(body) >= _DIRECT:
                append(_TEXT_HEAD % (event.seq, prefix, micros, name, verb))
                yield b"".join(parts)
                parts.clear()
                yield body
                append(b',"size":%d}\n' % event.size)
                continue
            line = _TEXT_LINE
        else:
            body, line = base64.b64encode(data), _BINARY_LINE
        append(line % (event.seq, prefix, micros, name, verb, body, event.size))
    if parts:
        yield b"".join(parts)


def _large_record(event: PayloadEvent) -> Iterator[bytes]:
    """The record of one large payload event, with its newline, in pieces."""
    data = event.data
    second, micros = _ts_parts(event.ts)
    head = (
        event.seq,
        _ts_prefix(second).encode(),
        micros,
        _json_name(event.connection),
        _PAYLOAD_NAMES[type(event)],
    )
    if isinstance(data, str):
        yield _TEXT_HEAD % head + b'"'
        for start in range(0, len(data), PIECE):
            # Escaping is per character, so the pieces' escapes join to the whole one's.
            yield _json_text(data[start : start + PIECE])[1:-1]
    else:
        yield _HEAD % head + b'"binary":true,"base64":"'
        view = memoryview(data)
        step = PIECE // 4 * 3  # whole 3-byte groups: the pieces join without padding
        for start in range(0, len(data), step):
            yield base64.b64encode(view[start : start + step])
    yield b'","size":%d}\n' % event.size


def encode_pieces(events: Iterable[Event]) -> Iterator[str]:
    """:func:`encode_chunks` as text: the records of ``events``, each ending with a newline,
    in pieces to write one after the other (a large payload never encoded whole)."""
    for chunk in encode_chunks(events):
        yield chunk.decode()


def encode_lines(events: Iterable[Event]) -> str:
    """The records of ``events``, each ending with a newline (``""`` when there are none)."""
    return b"".join(encode_chunks(events)).decode()


def now() -> float:
    """The wall clock used for event timestamps."""
    return time.time()


class EventDecodeError(ValueError):
    """A JSON Lines record is not a valid wsdeck event."""


def decode_line(line: str) -> Event:
    """Parse one JSON Lines record back into an :class:`Event`.

    Raises:
        EventDecodeError: the line is not JSON or does not follow the schema.
    """
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EventDecodeError(f"not JSON: {exc}") from None
    except RecursionError:  # "[[[[..." nested deeper than the interpreter's stack allows
        raise EventDecodeError("not JSON: nested too deeply") from None
    if not isinstance(raw, dict):
        raise EventDecodeError("an event must be a JSON object")
    try:
        return _from_dict(raw)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        if isinstance(exc, EventDecodeError):
            raise
        raise EventDecodeError(f"invalid event: {exc!r}") from None


def _req(raw: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = raw[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise EventDecodeError(f"field {key!r} has the wrong type: {value!r}")
    return value


def _from_dict(raw: dict[str, Any]) -> Event:
    name = _req(raw, "event", str)
    cls = EVENT_TYPES.get(name)
    if cls is None:
        raise EventDecodeError(f"unknown event {name!r}")
    common = {
        "seq": _req(raw, "seq", int),
        "ts": parse_ts(_req(raw, "ts", str)),
        "connection": _req(raw, "connection", str),
    }
    if cls is StartEvent:
        sub = raw.get("subprotocol")
        if sub is not None and not isinstance(sub, str):
            raise EventDecodeError("field 'subprotocol' must be a string or null")
        verified = raw.get("verified", True)
        if not isinstance(verified, bool):
            raise EventDecodeError("field 'verified' must be a boolean")
        return StartEvent(
            **common,
            url=_req(raw, "url", str),
            subprotocol=sub,
            attempt=_req(raw, "attempt", int),
            verified=verified,
        )
    if cls is StopEvent:
        code = raw.get("code")
        if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
            raise EventDecodeError("field 'code' must be an integer or null")
        by = _req(raw, "by", str)
        if by not in ("client", "server", "network"):
            raise EventDecodeError(f"field 'by' is invalid: {by!r}")
        return StopEvent(**common, code=code, reason=_req(raw, "reason", str), by=by)
    if cls is PongEvent:
        rtt_ms = _req(raw, "rtt_ms", (int, float))
        if isinstance(rtt_ms, bool) or not rtt_ms >= 0:
            raise EventDecodeError(f"field 'rtt_ms' is invalid: {rtt_ms!r}")
        return PongEvent(**common, rtt=rtt_ms / 1000)
    if cls is AlertEvent:
        return _alert(raw, common)
    if cls is TimeoutEvent:
        waited_ms = _req(raw, "waited_ms", (int, float))
        if isinstance(waited_ms, bool) or not waited_ms >= 0:
            raise EventDecodeError(f"field 'waited_ms' is invalid: {waited_ms!r}")
        return TimeoutEvent(**common, request=_req(raw, "request", int), waited=waited_ms / 1000)
    if cls is NoteEvent:
        return NoteEvent(
            **common, rule=_req(raw, "rule", str), text=_req(raw, "text", str), cause=_cause(raw)
        )
    if cls is ErrorEvent:
        kind = _req(raw, "kind", str)
        if kind not in ERROR_KINDS:
            raise EventDecodeError(f"unknown error kind {kind!r}")
        return ErrorEvent(**common, kind=kind, message=_req(raw, "message", str))
    data: str | bytes
    if _req(raw, "binary", bool):
        data = base64.b64decode(_req(raw, "base64", str), validate=True)
    else:
        data = _req(raw, "text", str)
    size = _req(raw, "size", int)
    if cls is ReceiveEvent:
        return ReceiveEvent(**common, data=data, size=size)
    if "rule" in raw:
        return RuleSendEvent(**common, data=data, size=size, rule=_req(raw, "rule", str))
    return SendEvent(**common, data=data, size=size)


def _cause(raw: dict[str, Any]) -> int | None:
    cause = raw.get("cause")
    if cause is not None and (not isinstance(cause, int) or isinstance(cause, bool)):
        raise EventDecodeError("field 'cause' must be an integer or null")
    return cause


def _alert(raw: dict[str, Any], common: dict[str, Any]) -> AlertEvent:
    level, state = _req(raw, "level", str), _req(raw, "state", str)
    if level not in ("warning", "critical"):
        raise EventDecodeError(f"field 'level' is invalid: {level!r}")
    if state not in ("raised", "cleared"):
        raise EventDecodeError(f"field 'state' is invalid: {state!r}")
    figures = _req(raw, "figures", dict)
    for key, value in figures.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise EventDecodeError(f"figure {key!r} must be a number: {value!r}")
    return AlertEvent(
        **common,
        name=_req(raw, "name", str),
        level=level,
        state=state,
        message=_req(raw, "message", str),
        figures=figures,
        cause=_cause(raw),
    )
