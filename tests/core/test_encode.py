"""JSON Lines: the fast path for payload events writes exactly what the schema's reference
encoding writes, and no line carries a character a terminal would act on or hide."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core import events
from tui.core.display import text_line, text_pieces
from tui.core.events import (
    PIECE,
    ErrorEvent,
    Event,
    ReceiveEvent,
    SendEvent,
    StartEvent,
    StopEvent,
    decode_line,
    encode_chunks,
    encode_line,
    encode_lines,
    encode_pieces,
    format_ts,
)

# Cc (DEL, C1; json escapes C0), Cf (bidi, zero-width, tags), Zl/Zp and lone surrogates.
TERMINAL_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _json_escape(char: str) -> str:
    if unicodedata.category(char) not in TERMINAL_UNSAFE:
        return char
    escaped = json.dumps(char)  # ensure_ascii: \uXXXX, a surrogate pair above U+FFFF
    return escaped[1:-1]


def reference(event: Event) -> str:
    """The schema's reference encoding: the event's dict through ``json``, every character
    of the unsafe categories written as a ``\\uXXXX`` escape."""
    text = json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":"))
    return "".join(_json_escape(char) for char in text)


# Any code point, lone surrogates and control characters included.
any_text = st.text(st.characters(codec=None, exclude_categories=()))
payload = st.one_of(any_text, st.binary(max_size=256))


@given(
    cls=st.sampled_from([ReceiveEvent, SendEvent]),
    name=any_text,
    ts=st.floats(min_value=0, max_value=4e9, allow_nan=False),
    seq=st.integers(min_value=0, max_value=2**63),
    data=payload,
    size=st.integers(min_value=0, max_value=2**40),
)
def test_payload_lines_match_the_reference(
    cls: type[ReceiveEvent | SendEvent], name: str, ts: float, seq: int, data: Any, size: int
) -> None:
    event = cls(name, ts, seq, data, size)
    assert encode_line(event) == reference(event)


def test_other_events_and_batches() -> None:
    events: list[Event] = [
        StartEvent("a\n\"b'", 1.5, 1, url="ws://x/é", subprotocol=None, attempt=2),
        ReceiveEvent("é", 1_764_102_328.123456, 2, '\x00\u2028"\\ü', 7),
        SendEvent("é", 1_764_102_328.999999, 3, b"\x00\xff", 2),
        ErrorEvent("a", 2.0, 4, kind="send", message="not sent"),
        StopEvent("a", 3.0, 5, code=1000, reason="", by="client"),
    ]
    lines = [encode_line(event) for event in events]
    assert lines == [reference(event) for event in events]
    assert encode_lines(events) == "".join(line + "\n" for line in lines)
    assert encode_lines([]) == ""
    assert [decode_line(line) for line in lines] == events


def test_every_ascii_character_matches() -> None:
    # ASCII text takes the ensure_ascii encoder, the rest the UTF-8 one: both escape DEL.
    for code in range(128):
        event = ReceiveEvent("a", 1.0, 1, f"x{chr(code)}y", 3)
        assert encode_line(event) == reference(event), hex(code)


def test_c1_and_format_characters_are_escaped_and_decode_back() -> None:
    # Seen raw on a pty before: CSI (U+009B) and RIGHT-TO-LEFT OVERRIDE (U+202E).
    text = "a\x9b31m\u202eb\u2066\u200b\u2028\ufeff\U000e0041\ud800\x7fé"
    events: list[Event] = [
        ReceiveEvent("r\u202e", 1.0, 1, text, 9),
        ErrorEvent("e\x9b", 2.0, 2, kind="closed", message=text),
        StopEvent("s", 3.0, 3, code=4000, reason=text, by="server"),
    ]
    for event in events:
        line = encode_line(event)
        assert line == reference(event)
        for escape in ("\\u009b", "\\u202e", "\\udb40\\udc41", "\\u007f"):
            assert escape in line
        assert "é" in line  # other non-ASCII text stays UTF-8
        bad = [c for c in line if c != "é" and not c.isascii()]
        assert not bad, bad
        assert not any(unicodedata.category(c) == "Cc" for c in line)
        line.encode("utf-8")  # no lone surrogate left: byte-for-byte writable
        assert decode_line(line) == event


def test_many_connection_names_stay_correct() -> None:
    for index in range(5000):  # more than the name cache keeps
        event = ReceiveEvent(f"c{index}", 1.0, index, "x", 1)
        assert encode_line(event) == reference(event)


def _first_difference(got: str, expected: str) -> tuple[int, str, str] | None:
    """Where two long strings first differ, with a little context (pytest's diff of
    megabytes would take minutes)."""
    if got == expected:
        return None
    index = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), None)
    if index is None:
        index = min(len(got), len(expected))
    start = max(0, index - 20)
    return index, got[start : index + 20], expected[start : index + 20]


def _large_events() -> list[Event]:
    """Payloads just over PIECE, with escapes and multi-byte characters across its edges."""
    edge = '\x00"\\é\u2028\x7f😀'
    text_ascii = "a" * (PIECE - 2) + '"\x01' + "b" * 10
    text_mixed = "x" * (PIECE - 3) + edge + "y" * PIECE
    # A 3-byte UTF-8 sequence split by the piece boundary, and invalid bytes.
    binary = b"z" * (PIECE - 1) + "€".encode() + b"\xff\xfe" + bytes(range(256)) * 5000
    return [
        StartEvent("big", 1.0, 1, url="ws://h/"),
        ReceiveEvent("big", 2.0, 2, text_ascii, len(text_ascii)),
        SendEvent("big", 3.0, 3, text_mixed, len(text_mixed.encode("utf-8", "surrogatepass"))),
        ReceiveEvent("big", 4.0, 4, binary, len(binary)),
        StopEvent("big", 5.0, 5, code=1000, reason="", by="client"),
    ]


def test_pieces_of_large_payloads_join_to_the_whole_record() -> None:
    events = _large_events()
    pieces = list(encode_pieces(events))
    assert _first_difference("".join(pieces), encode_lines(events)) is None
    # Encoded a piece at a time: no piece holds anywhere near a whole payload.
    assert max(len(piece) for piece in pieces) <= 2 * PIECE


@pytest.mark.parametrize("view", ["hex", "base64", "text"])
def test_text_pieces_of_large_payloads_join_to_the_whole_lines(view: str) -> None:
    events = _large_events()
    views = {"big": view}
    pieces = list(text_pieces(events, views, utc=True))
    whole = "".join(text_line(e, view, utc=True) + "\n" for e in events)
    assert _first_difference("".join(pieces), whole) is None
    assert max(len(piece) for piece in pieces) <= 4 * PIECE


# encode_chunks: the bytes that ``tail`` writes (encode_pieces/encode_lines are its text).


@given(
    cls=st.sampled_from([ReceiveEvent, SendEvent]),
    name=any_text,
    data=any_text,
)
def test_orjson_and_its_stand_in_write_the_reference(
    cls: type[ReceiveEvent | SendEvent], name: str, data: str
) -> None:
    # Where orjson is not installed, json's encoder stands in: the same bytes.
    event = cls(name, 1_764_102_328.5, 7, data, 1)
    expected = (reference(event) + "\n").encode()
    assert b"".join(encode_chunks([event])) == expected
    original = events._dumps
    events._dumps = events._json_string_utf8
    try:
        assert b"".join(encode_chunks([event])) == expected
    finally:
        events._dumps = original


def test_chunks_are_the_utf8_of_the_lines() -> None:
    batch: list[Event] = [
        StartEvent("é", 1.0, 1, url="ws://h/"),
        *(ReceiveEvent("é", 1.0 + i / 3, i + 2, f"m{i} ü\x00", 6) for i in range(5)),
        SendEvent("é", 9.0, 9, bytes(range(256)), 256),
        ReceiveEvent("é", 9.5, 10, "y\x01" * 2048, 4096),  # joined to its record's head
        *_large_events(),
    ]
    chunks = list(encode_chunks(batch))
    assert all(type(chunk) is bytes for chunk in chunks)
    assert b"".join(chunks) == encode_lines(batch).encode()
    assert [chunk.decode() for chunk in chunks] == list(encode_pieces(batch))


def test_a_long_payload_is_written_as_orjson_encoded_it() -> None:
    # 64 KiB and more: its own chunk, not copied into a joined batch.
    text = "x" * (1 << 16)
    batch: list[Event] = [
        ReceiveEvent("c", 1.0, 1, "before", 6),
        ReceiveEvent("c", 1.0, 2, text, len(text)),
        ReceiveEvent("c", 1.0, 3, "after", 5),
    ]
    chunks = list(encode_chunks(batch))
    assert f'"{text}"'.encode() in chunks
    assert b"".join(chunks) == encode_lines(batch).encode()


@pytest.mark.parametrize(
    ("ts", "written"),
    [
        (1.9999996, "1970-01-01T00:00:02.000000Z"),  # rounds up into the next second
        (1_764_102_328.1234564, "2025-11-25T20:25:28.123456Z"),
        (1_764_102_329.0, "2025-11-25T20:25:29.000000Z"),
    ],
)
def test_timestamps_round_to_the_microsecond_across_seconds(ts: float, written: str) -> None:
    # Records of one batch in different seconds, and one rounded into the next second.
    batch = [ReceiveEvent("c", t, 1, "x", 1) for t in (1_764_102_328.5, ts, 1.5)]
    lines = b"".join(encode_chunks(batch)).decode().splitlines()
    assert [json.loads(line)["ts"] for line in lines] == [
        "2025-11-25T20:25:28.500000Z",
        written,
        "1970-01-01T00:00:01.500000Z",
    ]
    assert format_ts(ts) == written
