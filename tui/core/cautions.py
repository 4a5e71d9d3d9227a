"""Warnings about settings that work but are less safe than they look.

Secrets too short to be redacted, TLS verification turned off, and a password written in
a command-line URL (every user of the machine can read it with ``ps``). A warning names
the connection and the field, never a secret. ``config check``, ``tail`` and the
dashboard show them; none of them stops anything. ``config check`` also names every
``${VAR}`` that is not set and that a start needs (the connection would fail with a
``config`` error).
"""

from __future__ import annotations

from collections.abc import Mapping

from settings import Connection
from settings.envrefs import check_env_refs, expand_env
from settings.redaction import MIN_LENGTH, too_short
from settings.urls import mask_url, userinfo
from tui.core.display import printable
from tui.core.options import secret_parts, url_secrets


def short_secret_fields(conn: Connection, env: Mapping[str, str]) -> list[str]:
    """The fields of ``conn`` holding a secret too short to be redacted."""
    fields = []
    for name, secret in conn.headers.items():
        raw = secret.get_secret_value()
        try:
            value = expand_env(raw, env)
        except (KeyError, ValueError):  # reported when connecting
            continue
        if too_short(secret_parts(raw, value, env)):
            fields.append(f"headers.{name}")
    if too_short(url_secrets(conn.url)):
        fields.append("url")
    if conn.proxy not in ("none", "env") and too_short(url_secrets(conn.proxy)):
        fields.append("proxy")
    return fields


def secret_cautions(conn: Connection, env: Mapping[str, str]) -> list[str]:
    """One line per field of ``conn`` whose secret is too short to be redacted."""
    name = printable(conn.name, 60)
    return [
        f"{name}: {field} holds a secret shorter than {MIN_LENGTH} characters: it is not "
        "hidden (***) when a server echoes it"
        for field in short_secret_fields(conn, env)
    ]


def connection_cautions(conn: Connection, env: Mapping[str, str]) -> list[str]:
    """Every weakness of ``conn``: short secrets, then TLS not verified."""
    lines = secret_cautions(conn, env)
    if not conn.tls_verified:
        lines.append(
            f"{printable(conn.name, 60)}: tls.verify = false: the server's certificate is "
            "not checked, so anyone on the network path can read and change the traffic"
        )
    return lines


def missing_env_cautions(conn: Connection, env: Mapping[str, str]) -> list[str]:
    """One line per ``${VAR}`` of ``conn`` that ``env`` does not set: each such connection
    fails to start (a ``config`` error), which a check of the settings should say."""
    secrets = {f"headers.{name}": secret for name, secret in conn.headers.items()}
    # The key's password is read only for a wss:// URL (a ws:// one starts without it).
    if conn.tls.key_password is not None and conn.effective_url.startswith("wss://"):
        secrets["tls.key_password"] = conn.tls.key_password
    lines = []
    for field, secret in secrets.items():
        for variable in dict.fromkeys(check_env_refs(secret.get_secret_value())):
            if variable not in env:
                lines.append(
                    f"{printable(conn.name, 60)}: {field}: environment variable {variable} "
                    "is not set (in the environment or the .env beside the settings file): "
                    "the connection fails to start until it is"
                )
    return lines


def command_line_password(url: str) -> str | None:
    """A warning when ``url``, given on the command line, carries a password."""
    written = userinfo(url)
    if not written or not written.partition(":")[2]:
        return None
    return (
        f"{printable(mask_url(url), 80)}: a password on the command line is visible to "
        "every user of this machine (ps, shell history); send it as a header read from "
        "the environment instead, -H 'Authorization: Basic ${CREDENTIALS}' (single "
        "quotes: wsdeck expands it), or put the connection in the settings file"
    )
