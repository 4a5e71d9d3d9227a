"""Fuzzing with hypothesis: the codec, the event JSON Lines, the settings loader, ``printable``.

Each property is bounded (``max_examples``) so the whole module runs in seconds.

Lone surrogates: text from the wire cannot contain them (websockets decodes text frames
as strict UTF-8, and an encoded surrogate is invalid UTF-8: see
``test_server_faults.py::...[encoded surrogate]``), and settings come from UTF-8 files.
So the JSON Lines round trip is checked for every Unicode scalar value, surrogates
excluded, and the line must also survive a strict UTF-8 encode/decode, which is what a
recording or ``tail`` does with it. ``printable`` is checked *with* surrogates: whatever
reaches the screen must be safe.
"""

from __future__ import annotations

import string
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from settings import SettingsError, load_settings
from tui.core.codec import (
    PayloadError,
    decode,
    decode_base64,
    decode_hex,
    encode_base64,
    encode_hex,
    hexdump,
)
from tui.core.display import binary_preview, printable, summary, text_line
from tui.core.events import (
    ERROR_KINDS,
    ErrorEvent,
    Event,
    EventDecodeError,
    ReceiveEvent,
    SendEvent,
    StartEvent,
    StopEvent,
    decode_line,
    encode_line,
    format_ts,
)

FAST = settings(max_examples=200, deadline=None)
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})

# -- codec ---------------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=300), st.sampled_from(["", " ", ":", "-", ","]))
def test_hex_round_trip(data: bytes, sep: str) -> None:
    assert decode_hex(encode_hex(data, sep)) == data
    assert decode_hex(encode_hex(data, sep).upper()) == data
    assert decode(" ".join(f"0x{byte:02x}" for byte in data), "hex") == data


@FAST
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=20))
def test_base64_round_trip(data: bytes, width: int) -> None:
    encoded = encode_base64(data)
    assert decode_base64(encoded) == data
    wrapped = "\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))
    assert decode_base64(wrapped) == data
    url_safe = encoded.replace("+", "-").replace("/", "_").rstrip("=")
    assert decode(url_safe, "base64") == data


@FAST
@given(st.text(max_size=200) | st.text(alphabet="0123456789abcdefxX :,-=+/_\n", max_size=60))
def test_decoders_raise_only_payload_error(text: str) -> None:
    for encoding in ("hex", "base64"):
        try:
            result: bytes | PayloadError = decode(text, encoding)
        except PayloadError as exc:
            result = exc
        if isinstance(result, PayloadError):
            assert str(result).startswith(f"invalid {encoding}")
        else:
            assert isinstance(result, bytes)


@FAST
@given(st.binary(max_size=100))
def test_hexdump_is_printable_ascii(data: bytes) -> None:
    lines = hexdump(data)
    assert len(lines) == (len(data) + 15) // 16
    assert all(set(line) <= set(string.printable) - set("\t\n\r\x0b\x0c") for line in lines)


# -- events ----------------------------------------------------------------------------

texts = st.text(max_size=80)  # Unicode scalar values: no lone surrogates (see module doc)
timestamps = st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False)
seqs = st.integers(min_value=0, max_value=2**63)


def _payload_events(cls: type[ReceiveEvent | SendEvent]) -> st.SearchStrategy[Event]:
    data = st.one_of(texts, st.binary(max_size=80))
    return st.builds(
        lambda name, ts, seq, payload: cls(
            name,
            ts,
            seq,
            payload,
            len(payload) if isinstance(payload, bytes) else len(payload.encode()),
        ),
        texts,
        timestamps,
        seqs,
        data,
    )


events = st.one_of(
    st.builds(
        StartEvent,
        connection=texts,
        ts=timestamps,
        seq=seqs,
        url=texts,
        subprotocol=st.none() | texts,
        attempt=st.integers(min_value=1, max_value=10**6),
    ),
    st.builds(
        StopEvent,
        connection=texts,
        ts=timestamps,
        seq=seqs,
        code=st.none() | st.integers(min_value=0, max_value=65535),
        reason=texts,
        by=st.sampled_from(["client", "server", "network"]),
    ),
    st.builds(
        ErrorEvent,
        connection=texts,
        ts=timestamps,
        seq=seqs,
        kind=st.sampled_from(ERROR_KINDS),
        message=texts,
    ),
    _payload_events(ReceiveEvent),
    _payload_events(SendEvent),
)


@settings(max_examples=400, deadline=None)
@given(events)
@example(StartEvent("c", 1_700_000_000.123456, 1, url="u"))
@example(StartEvent("c", 1.3828125, 1, url="u"))  # truncation lost a microsecond here
@example(StopEvent("c", 1_700_000_000.9999996, 2))  # rounds up into the next second
@example(ReceiveEvent("c", 1_700_000_000.000001, 2, "x", 1))
@example(ErrorEvent("c\u2028", 0.999999, 3, message="\x00\x1b]0;t\x07\ufeff"))
def test_event_json_lines_round_trip(event: Event) -> None:
    line = encode_line(event)
    assert "\n" not in line
    assert "\r" not in line
    again = decode_line(line.encode("utf-8").decode("utf-8"))
    assert type(again) is type(event)
    assert again.to_dict() == event.to_dict()
    assert encode_line(again) == line  # a fixed point: re-encoding changes nothing
    assert format_ts(again.ts) == format_ts(event.ts)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        key: json_values | st.sampled_from(["start", "stop", "receive", "send", "error"])
        for key in [
            "seq",
            "ts",
            "connection",
            "event",
            "url",
            "subprotocol",
            "attempt",
            "code",
            "reason",
            "by",
            "kind",
            "message",
            "binary",
            "text",
            "base64",
            "size",
        ]
    },
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120) | event_like.map(lambda d: __import__("json").dumps(d)))
@example("[" * 100_000)  # deeper than the recursion limit
@example('{"seq":1,"ts":"0001-01-01T00:00:00+14:00","connection":"c","event":"start"}')
@example('{"seq":1,"ts":"9999-12-31T23:59:59-14:00","connection":"c","event":"error"}')
@example('{"seq":1,"ts":"2026-01-01T00:00:00Z","connection":"c","event":"send","binary":true}')
def test_decode_line_raises_only_event_decode_error(line: str) -> None:
    try:
        event = decode_line(line)
    except EventDecodeError:
        return
    assert isinstance(event, Event)


# -- settings ------------------------------------------------------------------------------

scalars = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.times(),
)
urlish = st.builds(
    lambda scheme, auth, host, port, rest: f"{scheme}://{auth}{host}{port}{rest}",
    st.sampled_from(["ws", "wss", "http", "https", "ftp", "WS", ""]) | st.text(max_size=5),
    st.sampled_from(["", "u:p@", "@", "a@b@", "%zz:%@"]),
    st.sampled_from(["127.0.0.1", "localhost", "[::1]", "[::1", "", "xn--", "ü.example"])
    | st.text(max_size=10),
    st.sampled_from(["", ":0", ":1", ":65535", ":65536", ":", ":x", ":٣"]),
    st.sampled_from(["", "/", "/p?q=1", "#frag", "/ü"]) | st.text(max_size=10),
)
# Two levels are enough to reach every field's validator; deeper recursion only slows
# generation down.
values = st.one_of(
    scalars,
    urlish,
    st.lists(scalars | urlish, max_size=3),
    st.dictionaries(st.text(max_size=8), scalars, max_size=3),
)
CONNECTION_KEYS = [
    "name",
    "url",
    "port",
    "auto_start",
    "reconnect",
    "headers",
    "subprotocols",
    "origin",
    "user_agent",
    "open_timeout",
    "ping_interval",
    "ping_timeout",
    "close_timeout",
    "max_message_size",
    "compression",
    "tls",
    "proxy",
    "on_start_send",
    "receive_view",
    "saved_messages",
]
NESTED = {
    "reconnect": "enabled initial_delay max_delay multiplier jitter max_attempts reset_after",
    "tls": "verify ca_file client_cert client_key",
}


def _table(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    known = {
        key: (
            st.fixed_dictionaries({}, optional={k: values for k in NESTED[key].split()})
            if key in NESTED
            else values
        )
        for key in keys
    }
    extra = st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=1)
    return st.builds(lambda a, b: {**a, **b}, st.fixed_dictionaries({}, optional=known), extra)


connection_tables = st.builds(
    lambda table, name, url: {"name": name, "url": url, **table},
    _table(CONNECTION_KEYS),
    st.text(max_size=10),
    urlish,
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "connections": st.lists(connection_tables, max_size=3) | values,
        "feed": _table(["max_events", "timestamps", "pretty_json"]) | values,
        "recording": _table(["path"]) | values,
        "theme": _table(["name"]) | values,
        "keymap": st.dictionaries(st.text(max_size=10), values, max_size=3) | values,
        "unknown": values,
    },
)


def _load_or_settings_error(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wsdeck.toml"
        path.write_bytes(content)
        try:
            repr(load_settings(path, env_file=None))
        except SettingsError as exc:
            problems = exc.problems
        else:
            return
    assert problems
    assert all(str(problem) for problem in problems)  # every problem can be printed


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_toml_document_loads_or_raises_settings_error(document: dict[str, Any]) -> None:
    try:
        text = tomlkit.dumps(document)
    except Exception:  # tomlkit cannot write it (e.g. a mixed array): not a TOML document
        return
    _load_or_settings_error(text.encode("utf-8", "surrogatepass"))


@FAST
@given(
    st.binary(max_size=200)
    | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))
)
def test_any_file_content_loads_or_raises_settings_error(content: bytes) -> None:
    _load_or_settings_error(content)


# -- display ---------------------------------------------------------------------------

any_text = st.text(st.characters(exclude_categories=()), max_size=100)


def _unsafe(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in UNSAFE_CATEGORIES]


@settings(max_examples=500, deadline=None)
@given(any_text, st.none() | st.integers(min_value=0, max_value=50))
@example("\x1b]0;PWNED\x07\x00\x9b\u202e\u2066\u061c\u2028\ufeff\U000e0041\ud800", None)
def test_printable_never_returns_a_control_character(text: str, limit: int | None) -> None:
    safe = printable(text, limit)
    assert not _unsafe(safe), (text, safe)
    if limit is not None:
        assert len(safe) <= max(limit, 1)
    if limit is None and not _unsafe(text) and "\\" not in text:
        assert safe == text  # safe text is shown unchanged


def test_every_unsafe_code_point_is_escaped() -> None:
    unsafe = "".join(
        chr(cp) for cp in range(0x110000) if unicodedata.category(chr(cp)) in UNSAFE_CATEGORIES
    )
    assert len(unsafe) > 2048  # the surrogates alone
    assert not _unsafe(printable(unsafe))


@settings(max_examples=300, deadline=None)
@given(events, st.sampled_from(["text", "hex", "base64"]))
def test_one_line_renderings_are_safe(event: Event, view: str) -> None:
    for line in (text_line(event, view), summary(event, view), summary(event, view, None)):
        assert not _unsafe(line), line
    if isinstance(event, ReceiveEvent) and isinstance(event.data, bytes):
        assert not _unsafe(binary_preview(event.data, view, 20))


@pytest.mark.parametrize(
    ("char", "escaped"),
    [
        ("\u061c", "\\u061c"),  # ARABIC LETTER MARK: a bidi control
        ("\u2028", "\\u2028"),  # LINE SEPARATOR
        ("\u2029", "\\u2029"),  # PARAGRAPH SEPARATOR
        ("\u180e", "\\u180e"),  # MONGOLIAN VOWEL SEPARATOR (invisible)
        ("\ufff9", "\\ufff9"),  # INTERLINEAR ANNOTATION ANCHOR
        ("\U000e0001", "\\U000e0001"),  # LANGUAGE TAG
        ("\U000e0041", "\\U000e0041"),  # TAG LATIN CAPITAL LETTER A: invisible text
        ("\ud800", "\\ud800"),  # a lone surrogate
    ],
)
def test_invisible_format_characters_are_escaped(char: str, escaped: str) -> None:
    assert printable(f"a{char}b") == f"a{escaped}b"


def test_a_literal_backslash_cannot_pass_for_an_escape() -> None:
    # The text \x1b[31m (9 characters) and an ESC followed by [31m look different.
    assert printable("\\x1b[31m") == "\\\\x1b[31m"
    assert printable("\x1b[31m") == "\\x1b[31m"
    assert printable("C:\\temp\\n") == "C:\\\\temp\\\\n"
    # Binary shown as text: a byte that is not UTF-8 is \xNN, a literal backslash \\.
    assert binary_preview(b"\\xff \xff \\", "text") == "\\\\xff \\xff \\\\"
