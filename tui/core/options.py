"""Translate a connection's settings into keyword arguments for ``websockets`` ``connect``.

Header values are expanded here, at connect time, so ``${TOKEN}`` picks up the value the
environment has now; the expanded values are returned as secrets for redaction.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from settings import Connection
from settings.envrefs import MissingEnvError, check_env_refs, expand_env
from settings.urls import split_url
from tui.core.errors import ConfigProblem
from tui.core.tls_diagnosis import HandshakeTrace, trace_handshake


@dataclass(slots=True)
class ConnectOptions:
    """What one connection attempt needs: the URL, ``connect`` kwargs and the secret values."""

    url: str
    kwargs: dict[str, Any]
    secrets: list[str] = field(default_factory=list)
    tls_trace: HandshakeTrace | None = None


def build_options(conn: Connection, env: Mapping[str, str]) -> ConnectOptions:
    """Build the options for one attempt.

    Raises:
        ConfigProblem: a header variable is missing, or a TLS file cannot be loaded.
    """
    headers: list[tuple[str, str]] = []
    secrets: list[str] = []
    for name, secret in conn.headers.items():
        try:
            value = expand_env(secret.get_secret_value(), env)
        except MissingEnvError as exc:
            raise ConfigProblem(
                f"headers.{name}: environment variable {exc.args[0]} is not set"
            ) from None
        headers.append((name, value))
        secrets.extend(_secret_parts(secret.get_secret_value(), value, env))
    url = conn.effective_url
    # Credentials in the URL (and the proxy URL) are secrets too: a server may echo the
    # Authorization header websockets builds from them in a close reason or HTTP body.
    secrets.extend(_url_secrets(url))
    if conn.proxy not in ("none", "env"):
        secrets.extend(_url_secrets(conn.proxy))
    kwargs: dict[str, Any] = {
        "additional_headers": headers or None,
        "subprotocols": list(conn.subprotocols) or None,
        "open_timeout": conn.open_timeout,
        "ping_interval": conn.ping_interval or None,
        "ping_timeout": conn.ping_timeout,
        "close_timeout": conn.close_timeout,
        "max_size": conn.max_message_size,
        "compression": "deflate" if conn.compression == "deflate" else None,
        "proxy": _proxy(conn.proxy),
    }
    if conn.origin:
        kwargs["origin"] = conn.origin
    if conn.user_agent:
        kwargs["user_agent_header"] = conn.user_agent
    trace = None
    if url.startswith("wss://"):
        kwargs["ssl"] = context = _ssl_context(conn)
        trace = trace_handshake(context)
    return ConnectOptions(url=url, kwargs=kwargs, secrets=secrets, tls_trace=trace)


def _secret_parts(raw: str, value: str, env: Mapping[str, str]) -> list[str]:
    """Everything of a header value that must never be shown: the whole value, each
    variable it references, and the credential after an auth scheme (``Bearer x``)."""
    parts = [value, *(env[name] for name in check_env_refs(raw))]
    scheme, _, credential = value.partition(" ")
    if credential and scheme.isalpha():
        parts.append(credential)
    return [part for part in parts if part]


def _url_secrets(url: str) -> list[str]:
    """The ``user:password@`` of ``url`` in every form that could be shown back to us: as
    written, percent-decoded, the password alone, and the HTTP Basic credential."""
    try:
        userinfo = split_url(url).userinfo
    except ValueError:
        return []
    if not userinfo:
        return []
    user, _, password = (unquote(part) for part in userinfo.partition(":"))
    basic = base64.b64encode(f"{user}:{password}".encode(errors="surrogateescape")).decode()
    return [part for part in (userinfo, f"{user}:{password}", password, basic) if part]


def _proxy(value: str) -> str | bool | None:
    if value == "none":
        return None
    if value == "env":
        return True
    return value


def _ssl_context(conn: Connection) -> ssl.SSLContext:
    tls = conn.tls
    try:
        context = ssl.create_default_context(cafile=str(tls.ca_file) if tls.ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigProblem(f"tls.ca_file {tls.ca_file}: {_reason(exc)}") from None
    if not tls.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if tls.client_cert:
        try:
            context.load_cert_chain(
                str(tls.client_cert), str(tls.client_key) if tls.client_key else None
            )
        except (OSError, ssl.SSLError) as exc:
            raise ConfigProblem(f"tls.client_cert {tls.client_cert}: {_reason(exc)}") from None
    return context


def _reason(exc: OSError | ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason)
    return exc.strerror or str(exc)
