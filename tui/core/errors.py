"""Turn exceptions from the network and websockets into ``error`` events a person understands.

Every failure gets one of the kinds of product.md §3 and a message that names what went
wrong (the refused address, the HTTP status, the TLS reason, the limit that was
exceeded). ``transient`` says whether trying again later may succeed; reconnects only
retry transient failures.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidMessage,
    InvalidProxy,
    InvalidProxyMessage,
    InvalidProxyStatus,
    InvalidStatus,
    InvalidURI,
    NegotiationError,
    PayloadTooBig,
    ProtocolError,
    ProxyError,
)

from settings.redaction import redact_text
from tui.core.events import ErrorKind

CLOSE_CODE_NAMES: dict[int, str] = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1004: "reserved",
    1005: "no status received",
    1006: "abnormal closure",
    1007: "invalid frame payload data",
    1008: "policy violation",
    1009: "message too big",
    1010: "mandatory extension",
    1011: "internal error",
    1012: "service restart",
    1013: "try again later",
    1014: "bad gateway",
    1015: "TLS handshake failure",
}


def close_code_name(code: int | None) -> str:
    """A readable name for a close code: RFC 6455 names, then the registered ranges."""
    if code is None:
        return "no close code"
    if code in CLOSE_CODE_NAMES:
        return CLOSE_CODE_NAMES[code]
    if 3000 <= code <= 3999:
        return "registered (library/framework)"
    if 4000 <= code <= 4999:
        return "application-defined"
    return "unknown"


def describe_close(code: int | None, reason: str) -> str:
    """``1001 (going away): maintenance`` style text for logs and messages."""
    text = f"{code} ({close_code_name(code)})" if code is not None else "no close code"
    return f"{text}: {reason}" if reason else text


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified failure: the error kind, the message, and whether a retry may help."""

    kind: ErrorKind
    message: str
    transient: bool


class ConfigProblem(Exception):
    """A connection cannot even be attempted (bad CA file, missing header variable, …)."""


def _status_text(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


BODY_EXCERPT_CHARS = 200


def _body_excerpt(body: bytes | bytearray | None, secrets: Iterable[str] = ()) -> str:
    if not body:
        return ""
    # Redact before cutting: a server that echoes our Authorization header back would
    # otherwise leak the part of the secret that falls before the cut.
    text = redact_text(bytes(body).decode("utf-8", "replace"), secrets)
    # One line only: the body is untrusted and ends up in a one-line feed row.
    text = " ".join(text.split())[:BODY_EXCERPT_CHARS]
    return f" — {text}" if text else ""


def classify(
    exc: BaseException,
    *,
    url: str = "",
    open_timeout: float | None = None,
    secrets: Iterable[str] = (),
) -> Failure:
    """Map an exception raised while connecting or talking to a :class:`Failure`.

    ``secrets`` are redacted from text taken from the server (an HTTP response body)
    before it is cut to length; the caller redacts the whole message again.
    """
    if isinstance(exc, ConfigProblem | InvalidURI | InvalidProxy):
        return Failure("config", str(exc), transient=False)
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        message = (
            f"server rejected the WebSocket upgrade: HTTP {_status_text(status)}"
            f"{_body_excerpt(exc.response.body, secrets)}"
        )
        return Failure("handshake", message, transient=status >= 500 or status == 429)
    if isinstance(exc, InvalidProxyStatus | InvalidProxyMessage | ProxyError):
        return Failure("connect", f"proxy failed: {exc}", transient=True)
    if isinstance(exc, NegotiationError):
        return Failure("handshake", f"handshake negotiation failed: {exc}", transient=False)
    if isinstance(exc, InvalidMessage):
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        return Failure("handshake", f"invalid handshake response{cause}", transient=True)
    if isinstance(exc, InvalidHandshake):
        return Failure("handshake", f"handshake failed: {exc}", transient=False)
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = exc.verify_message or exc.reason or str(exc)
        return Failure("tls", f"TLS certificate verification failed: {reason}", transient=False)
    if isinstance(exc, ssl.SSLError):
        return Failure("tls", f"TLS error: {exc.reason or exc}", transient=False)
    if isinstance(exc, TimeoutError):
        limit = f" within open_timeout ({open_timeout:g} s)" if open_timeout else ""
        return Failure("timeout", f"no handshake response{limit}", transient=True)
    if isinstance(exc, PayloadTooBig):
        return Failure("too_big", f"incoming message too big: {exc}", transient=True)
    if isinstance(exc, ProtocolError):
        return Failure("protocol", f"protocol error: {exc}", transient=True)
    if isinstance(exc, UnicodeDecodeError):
        return Failure("protocol", f"invalid UTF-8 in a text frame: {exc.reason}", transient=True)
    if isinstance(exc, ConnectionClosed):
        return Failure("closed", f"connection closed: {exc}", transient=True)
    if isinstance(exc, socket.gaierror):
        return Failure("connect", f"cannot resolve host of {url}: {exc.strerror}", transient=True)
    if isinstance(exc, ConnectionRefusedError):
        return Failure("connect", f"connection refused: {_address(url)}", transient=True)
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return Failure("connect", f"cannot connect to {_address(url)}: {reason}", transient=True)
    return Failure("connect", f"{type(exc).__name__}: {exc}", transient=True)


def _address(url: str) -> str:
    """``host:port`` of a ws URL (what a refused connection was refused at)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "wss" else 80)
    except ValueError:
        return parts.netloc
    host = parts.hostname or ""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
