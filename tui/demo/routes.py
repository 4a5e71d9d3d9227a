"""Routes of the demo server: a request target becomes an endpoint or an HTTP reply.

Parsing is pure so that ``process_request`` (which answers bad requests before the
handshake) and the connection handler (which runs the endpoint) agree by construction.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

MAX_FLOOD_COUNT = 10_000_000
MAX_FLOOD_SIZE = 16 * 1024 * 1024
MIN_RATE, MAX_RATE, DEFAULT_RATE = 0.1, 1000.0, 2.0
MAX_REASON_BYTES = (
    123  # a close frame carries at most 125 bytes: 2 for the code, 123 for the reason
)
DROP_CODE = (
    1006  # "abnormal closure": never sent in a frame, so /close?code=1006 drops the TCP link
)

ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("/echo", "echoes every text and binary message"),
    ("/rpc", "JSON-RPC 2.0: sum, echo, sleep (params [ms]), answered out of order"),
    ("/ticker?rate=2", "JSON telemetry, rate messages per second (0.1..1000)"),
    ("/flood?count=1000&size=64&binary=0", "count messages of size bytes, then close 1000"),
    ("/close?code=1000&reason=bye", "closes at once with code (1006 drops the TCP connection)"),
    ("/reject?status=403", "refuses the handshake with an HTTP status (400..599)"),
    (
        "/pulse?rate=2&period=40&alarm=6&pause=8",
        "JSON with an alarm stretch and a pause, per period",
    ),
    ("/flap?up=2&period=60", "closes after up seconds, in the first half of every period"),
)
_PARAMETERS: dict[str, tuple[str, ...]] = {
    "/echo": (),
    "/rpc": (),
    "/ticker": ("rate",),
    "/flood": ("count", "size", "binary"),
    "/close": ("code", "reason"),
    "/reject": ("status",),
    "/pulse": ("rate", "period", "alarm", "pause"),
    "/flap": ("up", "period"),
}
MAX_PERIOD = 86_400.0
_DIGITS = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True, slots=True)
class Echo:
    """``/echo``: send every message back unchanged."""


@dataclass(frozen=True, slots=True)
class Rpc:
    """``/rpc``: a JSON-RPC 2.0 server (see :mod:`tui.demo.rpc`)."""


@dataclass(frozen=True, slots=True)
class Ticker:
    """``/ticker``: JSON telemetry at ``rate`` messages per second."""

    rate: float


@dataclass(frozen=True, slots=True)
class Flood:
    """``/flood``: ``count`` messages of ``size`` bytes as fast as possible, then close 1000."""

    count: int
    size: int
    binary: bool


@dataclass(frozen=True, slots=True)
class CloseNow:
    """``/close``: close at once with ``code`` and ``reason``; code 1006 drops the connection."""

    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class Pulse:
    """``/pulse``: JSON at ``rate`` messages per second whose ``alarm`` field is true for
    ``alarm`` seconds from a quarter into every ``period``, silent for its last ``pause``
    seconds (something for payload rules and silence watches to see)."""

    rate: float
    period: float
    alarm: float
    pause: float


@dataclass(frozen=True, slots=True)
class Flap:
    """``/flap``: close (1012, service restart) ``up`` seconds after opening while in the
    first half of a ``period`` of the server's clock; stay open through the second half."""

    up: float
    period: float


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP response sent instead of completing the WebSocket handshake."""

    status: int
    text: str


Route = Echo | Rpc | Ticker | Flood | CloseNow | Pulse | Flap


class BadParameter(ValueError):
    """A query parameter is unknown, repeated or out of range; the message names it."""


def endpoint_help(base: str = "") -> list[str]:
    """One line per endpoint: ``base`` + path with example query, then what it does."""
    return [f"  {base}{path:<38} {text}" for path, text in ENDPOINTS]


def parse_target(target: str) -> Route | Reply:
    """Map a request target (path and query) to its endpoint, or to a 400/404/``/reject`` reply."""
    split = urlsplit(target)
    allowed = _PARAMETERS.get(split.path)
    if allowed is None:
        listing = "\n".join(endpoint_help())
        return Reply(404, f"no endpoint at {split.path!r}; this demo server has:\n{listing}\n")
    try:
        query = _query(split.query, split.path, allowed)
        match split.path:
            case "/echo":
                return Echo()
            case "/rpc":
                return Rpc()
            case "/ticker":
                return Ticker(_rate(query.get("rate")))
            case "/flood":
                return Flood(
                    count=_integer(query, "count", 1000, 0, MAX_FLOOD_COUNT),
                    size=_integer(query, "size", 64, 0, MAX_FLOOD_SIZE),
                    binary=_flag(query, "binary"),
                )
            case "/close":
                return _close(query)
            case "/pulse":
                return _pulse(query)
            case "/flap":
                return Flap(up=_seconds(query, "up", 2.0), period=_seconds(query, "period", 60.0))
            case _:
                status = _integer(query, "status", 403, 400, 599)
                return Reply(status, f"rejected with HTTP {status} by request ({target})\n")
    except BadParameter as exc:
        return Reply(HTTPStatus.BAD_REQUEST, f"{exc}\n")


def can_send_close_code(code: int) -> bool:
    """Whether ``code`` may appear in a close frame (RFC 6455 §7.4; websockets checks the same).

    1005, 1006 and 1015 are reserved for reporting, 1004 and 1016..2999 are unassigned.
    """
    return (1000 <= code <= 1014 and code not in (1004, 1005, 1006)) or 3000 <= code <= 4999


def _query(query: str, path: str, allowed: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in allowed:
            accepted = ", ".join(allowed) or "none"
            raise BadParameter(f"unknown parameter {name!r} for {path} (accepted: {accepted})")
        if name in values:
            raise BadParameter(f"parameter {name!r} is given more than once")
        values[name] = value
    return values


def _integer(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    value = query.get(name)
    if value is None:
        return default
    if not _DIGITS.fullmatch(value) or not low <= int(value) <= high:
        raise BadParameter(
            f"bad parameter {name!r}: expected an integer from {low} to {high}, got {value!r}"
        )
    return int(value)


def _flag(query: dict[str, str], name: str) -> bool:
    value = query.get(name, "0")
    if value not in ("0", "1"):
        raise BadParameter(f"bad parameter {name!r}: expected 0 or 1, got {value!r}")
    return value == "1"


def _rate(value: str | None) -> float:
    """Parse a positive, finite rate and clamp it to MIN_RATE..MAX_RATE."""
    if value is None:
        return DEFAULT_RATE
    try:
        rate = float(value)
    except ValueError:
        rate = math.nan
    if not math.isfinite(rate) or rate <= 0:
        raise BadParameter(
            f"bad parameter 'rate': expected a positive number of messages per second "
            f"(clamped to {MIN_RATE:g}..{MAX_RATE:g}), got {value!r}"
        )
    return min(max(rate, MIN_RATE), MAX_RATE)


def _close(query: dict[str, str]) -> CloseNow:
    code = _integer(query, "code", 1000, 0, 999_999_999)
    if code != DROP_CODE and not can_send_close_code(code):
        raise BadParameter(
            f"bad parameter 'code': {code} cannot be sent in a close frame; use 1000..1003, "
            f"1007..1014 or 3000..4999, or 1006 to drop the TCP connection without one"
        )
    reason = query.get("reason", "")
    if len(reason.encode()) > MAX_REASON_BYTES:
        raise BadParameter(f"bad parameter 'reason': at most {MAX_REASON_BYTES} bytes of UTF-8")
    return CloseNow(code, reason)


def _seconds(query: dict[str, str], name: str, default: float, low: float = 0.01) -> float:
    """A duration parameter: a finite number of seconds from ``low`` to a day."""
    value = query.get(name)
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not low <= seconds <= MAX_PERIOD:  # NaN fails both comparisons
        raise BadParameter(
            f"bad parameter {name!r}: expected seconds from {low:g} to {MAX_PERIOD:g}, "
            f"got {value!r}"
        )
    return seconds


def _pulse(query: dict[str, str]) -> Pulse:
    pulse = Pulse(
        rate=_rate(query.get("rate")),
        period=_seconds(query, "period", 40.0),
        alarm=_seconds(query, "alarm", 6.0, low=0.0),
        pause=_seconds(query, "pause", 8.0, low=0.0),
    )
    if pulse.period / 4 + pulse.alarm > pulse.period - pulse.pause:
        raise BadParameter(
            "bad parameters: the alarm (from a quarter of the period) must end before the pause"
        )
    return pulse
