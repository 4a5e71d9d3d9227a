"""Turn exceptions from the network and websockets into ``error`` events a person understands.

Every failure gets one of the kinds of product.md §3 and a message that names what went
wrong (the refused address, the HTTP status, the TLS reason, the limit that was
exceeded). ``transient`` says whether trying again later may succeed; reconnects only
retry transient failures (unless ``reconnect.retry_config_failures`` asks for more).
``by`` says who ended the connection (README, "Who ended it"):

- ``network``: TCP refused, reset or unreachable, DNS, a proxy that failed, a connection
  lost without a close frame;
- ``server``: an HTTP rejection or redirect, the server closing or answering wrongly
  during the handshake (subprotocol, extensions), a TLS alert or a server that hung up
  during the TLS handshake;
- ``client``: settings problems (a missing ``${ENV}``, an unreadable TLS file), TLS
  verification of the server's certificate, ``open_timeout``, and every close this client
  starts (Stop, quitting, ``tail``'s end, a protocol error or limit it detected).
"""

from __future__ import annotations

import errno
import resource
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

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
    SecurityError,
    TooManyFragments,
)

from settings.redaction import redact_text
from tui.core.events import ErrorKind, StopBy
from tui.core.tls_diagnosis import HandshakeTrace, diagnose

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
    """A classified failure: the error kind, the message, whether a retry may help, and
    who ended the connection."""

    kind: ErrorKind
    message: str
    transient: bool
    by: StopBy = "network"


class OutgoingBufferFull(Exception):
    """The peer stopped reading: what waits to be sent passed the outgoing limit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"the server stopped reading: {size} bytes (pongs included) wait to be sent,"
            f" over the {limit // 1024 // 1024} MiB outgoing limit; connection dropped"
        )


class KeepaliveTimeout(Exception):
    """No pong came back within ``ping_timeout``: the peer or the path is gone."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"no pong within ping_timeout ({timeout:g} s): connection dropped")


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
    subprotocols: Sequence[str] = (),
    chosen_subprotocol: str | None = None,
    tls_trace: HandshakeTrace | None = None,
    client_cert: bool = False,
    proxy: str | None = None,
) -> Failure:
    """Map an exception raised while connecting or talking to a :class:`Failure`.

    ``secrets`` are redacted from text taken from the server (an HTTP response body)
    before it is cut to length; the caller redacts the whole message again. The other
    keywords describe the attempt: the offered and the chosen subprotocol, what the TLS
    handshake showed, whether a client certificate was presented, and the proxy in use
    (shown without credentials).
    """
    if isinstance(exc, ConfigProblem | InvalidURI | InvalidProxy):
        return Failure("config", str(exc), transient=False, by="client")
    if isinstance(exc, InvalidStatus):
        return _rejected(exc, url, secrets)
    if isinstance(exc, InvalidProxyStatus | InvalidProxyMessage | ProxyError):
        name = f"proxy {proxy}" if proxy else "proxy"
        return Failure("connect", f"{name} failed: {exc}", transient=True)
    if isinstance(exc, NegotiationError):
        return Failure(
            "handshake", _negotiation(exc, subprotocols, chosen_subprotocol), False, "server"
        )
    if url.startswith("wss://") and not isinstance(exc, ssl.SSLCertVerificationError):
        diagnosis = diagnose(exc, tls_trace, client_cert=client_cert)
        if diagnosis is not None:
            return Failure("tls", diagnosis, transient=False, by="server")
    if isinstance(exc, InvalidMessage):
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        return Failure("handshake", f"invalid handshake response{cause}", True, "server")
    if isinstance(exc, SecurityError):
        return Failure("handshake", f"handshake refused: {exc}", transient=False, by="client")
    if isinstance(exc, InvalidHandshake):
        return Failure("handshake", f"handshake failed: {exc}", transient=False, by="server")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure("tls", _verification(exc), transient=False, by="client")
    if isinstance(exc, ssl.SSLError):
        return Failure("tls", f"TLS error: {exc.reason or exc}", transient=False, by="server")
    if isinstance(exc, TimeoutError):
        limit = f" within open_timeout ({open_timeout:g} s)" if open_timeout else ""
        return Failure("timeout", f"no handshake response{limit}", transient=True, by="client")
    if isinstance(exc, PayloadTooBig | TooManyFragments):
        return Failure("too_big", f"incoming message too big: {exc}", True, "client")
    if isinstance(exc, ProtocolError):
        return Failure("protocol", f"protocol error: {exc}", transient=True, by="client")
    if isinstance(exc, UnicodeDecodeError):
        # Only text frames reach here: tui.core.wire reports a close reason with
        # invalid UTF-8 as a ProtocolError of its own.
        return Failure("protocol", f"invalid UTF-8 in a text frame: {exc.reason}", True, "client")
    if isinstance(exc, OutgoingBufferFull):
        return Failure("closed", str(exc), transient=True, by="client")
    if isinstance(exc, KeepaliveTimeout):
        return Failure("timeout", str(exc), transient=True)
    if isinstance(exc, ConnectionClosed):
        return Failure("closed", f"connection closed: {exc}", transient=True)
    if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
        # Thousands of connections in one process meet the open-file limit: say which
        # limit, and that it is this machine's, not the server's.
        return Failure("connect", _too_many_files(exc.errno), transient=True, by="client")
    if proxy and isinstance(exc, OSError):
        # With a proxy the only TCP connection this client opens is to the proxy.
        reason = exc.strerror or str(exc) or type(exc).__name__
        return Failure("connect", f"cannot connect to the proxy {proxy}: {reason}", True)
    if isinstance(exc, socket.gaierror):
        return Failure("connect", f"cannot resolve host of {url}: {exc.strerror}", transient=True)
    if isinstance(exc, ConnectionRefusedError):
        return Failure("connect", f"connection refused: {_address(url)}", transient=True)
    if isinstance(exc, ConnectionResetError):
        return Failure("connect", f"connection reset: {_address(url)}", transient=True)
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return Failure("connect", f"cannot connect to {_address(url)}: {reason}", transient=True)
    return Failure("connect", f"{type(exc).__name__}: {exc}", transient=True)


def _too_many_files(number: int) -> str:
    """EMFILE (this process) or ENFILE (the whole system), with the limit to raise."""
    if number == errno.ENFILE:
        return "cannot open a socket: the system's open-file table is full"
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return (
        f"cannot open a socket: this process has reached its limit of {soft} open files "
        "(one per connection; raise it with `ulimit -n` before starting wsdeck)"
    )


def _rejected(exc: InvalidStatus, url: str, secrets: Iterable[str]) -> Failure:
    """An HTTP answer other than 101: a redirect (not followed) or a rejection."""
    response = exc.response
    status = response.status_code
    location = response.headers.get("Location")
    if 300 <= status < 400 and location:
        target = urljoin(url, location)
        message = (
            f"server redirected to {target} (HTTP {_status_text(status)});"
            " redirects are followed only with follow_redirects = true"
        )
        return Failure("handshake", message, transient=False, by="server")
    message = (
        f"server rejected the WebSocket upgrade: HTTP {_status_text(status)}"
        f"{_body_excerpt(response.body, secrets)}"
    )
    return Failure("handshake", message, transient=status >= 500 or status == 429, by="server")


def _negotiation(exc: NegotiationError, offered: Sequence[str], chosen: str | None) -> str:
    """Name both sides of a failed negotiation: what the server chose, what we offered."""
    text = str(exc)
    if chosen is not None and "subprotocol" in text:
        offer = ", ".join(f"'{name}'" for name in offered) or "none"
        return f"subprotocol not offered: server chose '{chosen}'; offered: {offer}"
    return f"handshake negotiation failed: {text}"


# OpenSSL's X509_V_ERR codes for an issuer this client does not trust.
_UNTRUSTED_ISSUER = {2, 18, 19, 20, 21}


def _verification(exc: ssl.SSLCertVerificationError) -> str:
    reason = exc.verify_message or exc.reason or str(exc)
    hint = ""
    if exc.verify_code in _UNTRUSTED_ISSUER:
        hint = " (set tls.ca_file to the CA that issued the server's certificate)"
    return f"TLS certificate verification failed: {reason}{hint}"


def _address(url: str) -> str:
    """``host:port`` of a ws URL (what a refused connection was refused at)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "wss" else 80)
    except ValueError:
        return parts.netloc
    host = parts.hostname or ""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
