"""Translate a connection's settings into keyword arguments for ``websockets`` ``connect``.

Header values are expanded here, at connect time, so ``${TOKEN}`` picks up the value the
environment has now; the expanded values are returned as secrets for redaction.
"""

from __future__ import annotations

import base64
import os
import ssl
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from settings import Connection
from settings.envrefs import MissingEnvError, check_env_refs, expand_env
from settings.urls import userinfo
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
    for name, secret in conn.headers.items():
        try:
            value = expand_env(secret.get_secret_value(), env)
        except MissingEnvError as exc:
            raise ConfigProblem(
                f"headers.{name}: environment variable {exc.args[0]} is not set"
            ) from None
        headers.append((name, value))
    url = conn.effective_url
    secrets = connection_secrets(conn, env)
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
        kwargs["ssl"] = context = _ssl_context(conn, _key_password(conn, env))
        trace = trace_handshake(context)
    return ConnectOptions(url=url, kwargs=kwargs, secrets=secrets, tls_trace=trace)


def connection_secrets(conn: Connection, env: Mapping[str, str]) -> list[str]:
    """Every value of ``conn`` that must never be shown: header values (as written and
    expanded, each variable they reference, the credential after an auth scheme), the
    credentials of the URL and the proxy URL (also one taken from ``http_proxy``), and
    the client key's password.

    A reference to a variable that is not set is skipped, not an error.
    """
    secrets: list[str] = []
    raw_values = [secret.get_secret_value() for secret in conn.headers.values()]
    if conn.tls.key_password is not None:
        raw_values.append(conn.tls.key_password.get_secret_value())
    for raw in raw_values:
        try:
            secrets.extend(secret_parts(raw, expand_env(raw, env), env))
        except (MissingEnvError, ValueError):
            secrets.append(raw)
    # Credentials in the URL (and the proxy URL) are secrets too: a server may echo the
    # Authorization header websockets builds from them in a close reason or HTTP body.
    secrets.extend(url_secrets(conn.effective_url))
    if conn.proxy == "env":
        secrets.extend(_env_proxy_secrets())
    elif conn.proxy != "none":
        secrets.extend(url_secrets(conn.proxy))
    return secrets


def _key_password(conn: Connection, env: Mapping[str, str]) -> str | None:
    secret = conn.tls.key_password
    if secret is None:
        return None
    try:
        return expand_env(secret.get_secret_value(), env)
    except MissingEnvError as exc:
        raise ConfigProblem(
            f"tls.key_password: environment variable {exc.args[0]} is not set"
        ) from None


def secret_parts(raw: str, value: str, env: Mapping[str, str]) -> list[str]:
    """Everything of a header value that must never be shown: the whole value, each
    variable it references, and the credential after an auth scheme (``Bearer x``)."""
    parts = [value, *(env[name] for name in check_env_refs(raw))]
    scheme, _, credential = value.partition(" ")
    if credential and scheme.isalpha():
        parts.append(credential)
    return [part for part in parts if part]


def url_secrets(url: str) -> list[str]:
    """The ``user:password@`` of ``url`` in every form that could be shown back to us: as
    written, percent-decoded, the password alone, and the HTTP Basic credential."""
    written = userinfo(url)  # also from a URL too broken to use: its error may show it
    if not written:
        return []
    user, _, password = (unquote(part) for part in written.partition(":"))
    basic = base64.b64encode(f"{user}:{password}".encode(errors="surrogateescape")).decode()
    return [part for part in (written, f"{user}:{password}", password, basic) if part]


def _env_proxy_secrets() -> list[str]:
    """The credentials of the proxies the environment names (``http_proxy=http://u:pw@…``):
    websockets' errors about a proxy may show its URL."""
    from urllib.request import getproxies  # loaded by websockets' client anyway

    return [part for proxy in getproxies().values() for part in url_secrets(proxy)]


def _proxy(value: str) -> str | bool | None:
    if value == "none":
        return None
    if value == "env":
        return True
    return value


class _KeyIsEncrypted(Exception):
    """Raised by the password callback: OpenSSL asked for a password nobody configured."""


def _no_password() -> bytes:
    # Given as the password so that OpenSSL never falls back to prompting on the terminal
    # ("Enter PEM pass phrase:"), which blocked tail and froze the dashboard.
    raise _KeyIsEncrypted


def _regular_file(path: Path, field: str) -> str:
    """``path`` as a string once it is known to be a readable regular file.

    OpenSSL opens the path itself and would block forever on a FIFO (ignoring --timeout).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except ValueError:
        raise ConfigProblem(f"tls.{field}: the path contains a NUL character") from None
    except OSError as exc:
        raise ConfigProblem(f"tls.{field} {path}: {_reason(exc)}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigProblem(f"tls.{field} {path}: not a regular file")
    finally:
        os.close(fd)
    return str(path)


def _ssl_context(conn: Connection, password: str | None) -> ssl.SSLContext:
    tls = conn.tls
    cafile = _regular_file(tls.ca_file, "ca_file") if tls.ca_file else None
    try:
        context = ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigProblem(f"tls.ca_file {tls.ca_file}: {_reason(exc)}") from None
    if not tls.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if tls.client_cert:
        certfile = _regular_file(tls.client_cert, "client_cert")
        keyfile = _regular_file(tls.client_key, "client_key") if tls.client_key else None
        try:
            context.load_cert_chain(certfile, keyfile, password=password or _no_password)
        except _KeyIsEncrypted:
            raise ConfigProblem("client_key is encrypted: set tls.key_password") from None
        except (OSError, ssl.SSLError) as exc:
            reason = _reason(exc)
            if password and isinstance(exc, ssl.SSLError):
                reason += " (is tls.key_password right?)"
            raise ConfigProblem(f"tls.client_cert {tls.client_cert}: {reason}") from None
    return context


def _reason(exc: OSError | ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason)
    return exc.strerror or str(exc)
