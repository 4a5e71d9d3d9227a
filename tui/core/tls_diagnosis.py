"""Why a ``wss://`` handshake failed, in words a person can act on.

asyncio hides most TLS failures: a server that rejects the client's certificate usually
resets the connection before its alert is read (TLS 1.2: ``ConnectionResetError``), or
lets the handshake finish and then hangs up (TLS 1.3: "connection closed while reading
HTTP status line"). :class:`HandshakeTrace` records what the server actually said during
the handshake — whether it answered the client hello, whether it asked for a client
certificate, which alert it sent — so :func:`diagnose` can tell a missing client
certificate from a rejected one or from a server without a TLS version in common.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import InvalidMessage

# TLS record content type and handshake message types (RFC 8446 §4, §5.1).
_ALERT, _HANDSHAKE = 21, 22
_CLIENT_HELLO, _SERVER_HELLO, _CERTIFICATE_REQUEST = 1, 2, 13

# Alerts whose meaning is worth spelling out; any other is named from OpenSSL's reason.
_ALERT_TEXT = {
    "UNKNOWN_CA": "unknown CA: the server does not trust the issuer of the client certificate",
    "CERTIFICATE_EXPIRED": "certificate expired: the server says a certificate has expired",
    "HANDSHAKE_FAILURE": (
        "handshake failure: the server found no acceptable parameters"
        " (TLS version, cipher or certificate)"
    ),
    "CERTIFICATE_REQUIRED": "certificate required: the server requires a client certificate",
    "BAD_CERTIFICATE": "bad certificate: the server rejected the client certificate",
    "CERTIFICATE_UNKNOWN": "certificate unknown: the server rejected the client certificate",
    "PROTOCOL_VERSION": "protocol version: no TLS version in common with the server",
    "UNRECOGNIZED_NAME": "unrecognized name: the server does not serve this host name",
    "ACCESS_DENIED": "access denied: the server refused this client",
}

# Alert numbers (RFC 8446 §6) as OpenSSL names them in its reasons.
_ALERT_NAMES = {
    40: "HANDSHAKE_FAILURE",
    42: "BAD_CERTIFICATE",
    45: "CERTIFICATE_EXPIRED",
    46: "CERTIFICATE_UNKNOWN",
    48: "UNKNOWN_CA",
    49: "ACCESS_DENIED",
    70: "PROTOCOL_VERSION",
    112: "UNRECOGNIZED_NAME",
    116: "CERTIFICATE_REQUIRED",
}
_CLOSE_NOTIFY = 0

_SET_CLIENT_CERT = "set tls.client_cert (and tls.client_key) to a certificate the server trusts"


@dataclass(slots=True)
class HandshakeTrace:
    """What the server sent during one TLS handshake (filled by the context's callback)."""

    context: ssl.SSLContext
    client_hello: bool = False
    server_hello: bool = False
    certificate_requested: bool = False
    alerts: list[int] = field(default_factory=list)

    def stop(self) -> None:
        """Stop recording once the attempt is over: the hook runs for every TLS record,
        and left on it made a 64 B wss:// flood 60 % slower (measured here)."""
        self.context._msg_callback = None  # type: ignore[attr-defined]


def trace_handshake(context: ssl.SSLContext) -> HandshakeTrace | None:
    """Record the server's side of handshakes made with ``context`` (a fresh one per attempt)
    until :meth:`HandshakeTrace.stop`.

    Uses ``SSLContext._msg_callback``, CPython's (underscored but long-standing) TLS message
    hook: it is the only way to learn that the server asked for a client certificate when
    the connection is reset before its alert can be read. None where it is missing.
    """
    if not hasattr(context, "_msg_callback"):
        return None
    trace = HandshakeTrace(context)

    def record(
        conn: Any, direction: str, version: Any, content_type: Any, msg_type: Any, data: Any
    ) -> None:
        if direction != "read":
            if content_type == _HANDSHAKE and msg_type == _CLIENT_HELLO:
                trace.client_hello = True
            return
        if content_type == _HANDSHAKE:
            if msg_type == _SERVER_HELLO:
                trace.server_hello = True
            elif msg_type == _CERTIFICATE_REQUEST:
                trace.certificate_requested = True
        elif content_type == _ALERT and len(data) >= 2:
            trace.alerts.append(data[1])

    context._msg_callback = record
    return trace


def alert_text(reason: str) -> str | None:
    """``"unknown CA: …"`` for an OpenSSL alert reason (``TLSV1_ALERT_UNKNOWN_CA``)."""
    for marker in ("_ALERT_", "TLSV1_"):
        head, found, name = reason.partition(marker)
        if found and head in ("SSLV3", "TLSV1", "TLSV13", ""):
            return _ALERT_TEXT.get(name, name.replace("_", " ").lower())
    return None


def _peer_hung_up(exc: BaseException) -> bool:
    """The connection ended under us: a reset, or EOF where the HTTP response should be."""
    if isinstance(exc, ConnectionRefusedError):
        return False
    if isinstance(exc, ConnectionError | ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return True
    if isinstance(exc, InvalidMessage):
        cause = exc.__cause__
        return isinstance(cause, EOFError | ConnectionError | ssl.SSLError)
    return False


def diagnose(exc: BaseException, trace: HandshakeTrace | None, *, client_cert: bool) -> str | None:
    """The message for a failure of a ``wss://`` handshake that TLS explains, else None.

    ``client_cert`` says whether the connection presents a certificate.
    """
    reason = exc.reason if isinstance(exc, ssl.SSLError) else None
    named = alert_text(reason) if reason else None
    if named is None and trace is not None and _peer_hung_up(exc):
        # TLS 1.3 checks the client certificate after the client's handshake is done:
        # the alert arrives while the HTTP response is awaited and asyncio reports EOF.
        alerts = [alert for alert in trace.alerts if alert != _CLOSE_NOTIFY]
        if alerts:
            name = _ALERT_NAMES.get(alerts[-1])
            named = _ALERT_TEXT[name] if name else f"alert number {alerts[-1]}"
    if named is not None:
        asked = trace is not None and trace.certificate_requested
        hint = ""
        if not client_cert and (asked or "client certificate" in named):
            hint = (
                f"; it asked for a client certificate and none is configured ({_SET_CLIENT_CERT})"
            )
        return f"TLS alert from the server: {named}{hint}"
    if reason == "WRONG_VERSION_NUMBER":
        return "the server does not speak TLS on this port (wrong version number): ws:// ?"
    if not _peer_hung_up(exc) or (trace is not None and not trace.client_hello):
        return None  # the TLS handshake never started: a TCP failure
    if trace is not None and not trace.server_hello:
        return (
            "the server ended the TLS handshake without answering the client hello:"
            " no TLS version or cipher in common (this client needs TLS 1.2 or later),"
            " or it does not speak TLS on this port"
        )
    asked = trace is None or trace.certificate_requested
    if asked and not client_cert:
        certainty = "asked for" if trace is not None else "may require"
        return (
            f"the server {certainty} a client certificate and none is configured:"
            f" it closed the connection during the TLS handshake ({_SET_CLIENT_CERT})"
        )
    if trace is not None and trace.certificate_requested:
        return (
            "the server closed the connection after receiving the client certificate:"
            " it does not accept tls.client_cert (unknown issuer, expired or wrong purpose)"
        )
    return None
