"""Connections made from URLs on the command line: short unique names and handshake flags.

``wsdeck URL...`` and ``wsdeck tail URL...`` share these rules. A URL is named after the
last segment of its path (``ws://127.0.0.1:8765/echo`` is ``echo``), or its host when the
path has none or only a generic one (``/``, ``/ws``, ``/socket``), unless ``--name`` names
it; a clash with a name already taken gets ``-2``, ``-3``, …. Short names are what the
table and the feed's name column show whole: ``host:port/path`` left the feed only its end.
``-H``, ``--subprotocol``, ``--origin``, ``--insecure``, ``--ca`` and ``--no-compression``
apply to every URL of the command line (never to connections from the settings file).

Only the standard library is imported up here: the parsers are built before pydantic loads.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from settings import Connection

NAME_LIMIT = 24
"""Longest generated name, in characters: what the connection table's name column shows."""

VALUE_OPTIONS = ("-H", "--header", "--subprotocol", "--origin", "--ca", "--name")
"""Connection flags that take a value (the command line's first-word scan skips it)."""


class UsageError(Exception):
    """A problem with the command line (exit code 2)."""


@dataclass
class UrlFlags:
    """The command line's connection flags, applied to each URL given on it."""

    headers: list[str] = field(default_factory=list)
    subprotocols: list[str] = field(default_factory=list)
    origin: str | None = None
    insecure: bool = False
    ca: Path | None = None
    no_compression: bool = False
    names: list[str] = field(default_factory=list)

    @property
    def given(self) -> bool:
        """Whether any flag was given (they need at least one URL to apply to)."""
        return bool(
            self.headers
            or self.subprotocols
            or self.origin is not None
            or self.insecure
            or self.ca is not None
            or self.no_compression
            or self.names
        )


def add_flags(parser: argparse.ArgumentParser) -> None:
    """The connection flags, for the dashboard's and ``tail``'s parsers."""
    group = parser.add_argument_group("connections from URLs on the command line")
    group.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="'K: V'",
        help="handshake header (repeatable); values are secrets, like configured headers",
    )
    group.add_argument(
        "--subprotocol",
        dest="subprotocols",
        action="append",
        default=[],
        metavar="P",
        help="offer subprotocol P (repeatable, in order of preference)",
    )
    group.add_argument("--origin", metavar="ORIGIN", help="Origin header of the handshake")
    group.add_argument(
        "--insecure", action="store_true", help="do not verify TLS certificates (⚠ badge)"
    )
    group.add_argument("--ca", type=Path, metavar="FILE", help="PEM file of CAs to trust")
    group.add_argument(
        "--no-compression", action="store_true", help="do not negotiate permessage-deflate"
    )
    group.add_argument(
        "--name",
        dest="names",
        action="append",
        default=[],
        metavar="NAME",
        help="name of the first URL; repeat for the next ones (default: the path's last "
        "segment, or the host)",
    )


def flags_from(args: argparse.Namespace) -> UrlFlags:
    """The flags parsed by a parser that :func:`add_flags` extended."""
    return UrlFlags(
        headers=list(args.headers),
        subprotocols=list(args.subprotocols),
        origin=args.origin,
        insecure=args.insecure,
        ca=args.ca,
        no_compression=args.no_compression,
        names=list(args.names),
    )


GENERIC_SEGMENTS = frozenset({"ws", "wss", "websocket", "websockets", "socket", "stream"})
"""Last path segments that say nothing about the endpoint: such a URL is named by its host."""


def short_name(url: str) -> str:
    """A short name for ``url``: its path's last segment, else its host (no port).

    ``ws://127.0.0.1:8765/ticker?rate=5`` is ``ticker``, ``wss://api.example.com/ws`` and
    ``wss://api.example.com/`` are ``api.example.com``. A name longer than
    :data:`NAME_LIMIT` is cut with ``…``.
    """
    from urllib.parse import unquote

    from settings.urls import split_url

    parts = split_url(url)
    path = parts.rest.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    # Percent-escapes decoded, but never into control characters a name must not hold.
    segment = unquote(path.rsplit("/", 1)[-1])
    if not segment.isprintable() or segment.lower() in GENERIC_SEGMENTS:
        segment = ""
    name = segment or parts.host
    if len(name) > NAME_LIMIT:
        name = name[: NAME_LIMIT - 1] + "…"
    return name


def unique(name: str, taken: Collection[str]) -> str:
    """``name``, or ``name-2``, ``name-3``, … when it is taken."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def connections_for(
    urls: Sequence[str], flags: UrlFlags, taken: Collection[str], *, auto_start: bool = False
) -> list[Connection]:
    """One connection per URL, named by ``--name`` or uniquely after the URL.

    Raises:
        UsageError: an invalid URL or flag, more names than URLs, or a ``--name`` taken.
    """
    if len(flags.names) > len(urls):
        raise UsageError(f"{len(flags.names)} --name for {len(urls)} URL(s)")
    if flags.given and not urls:
        raise UsageError("connection flags (-H, --subprotocol, …) need a ws:// or wss:// URL")
    names = set(taken)
    connections: list[Connection] = []
    for index, url in enumerate(urls):
        if index < len(flags.names):
            name = flags.names[index].strip()
            if name in names:
                raise UsageError(f"--name {name!r} is already taken")
        else:
            name = ""
        connection = _connection(url, name, flags, auto_start, names)
        names.add(connection.name)
        connections.append(connection)
    return connections


def _connection(
    url: str, name: str, flags: UrlFlags, auto_start: bool, taken: Collection[str]
) -> Connection:
    from pydantic import ValidationError

    from settings import Connection, clean_message, mask_url

    fields: dict[str, Any] = {"url": url, "auto_start": auto_start}
    if flags.headers:
        fields["headers"] = dict(_header(value) for value in flags.headers)
    if flags.subprotocols:
        fields["subprotocols"] = flags.subprotocols
    if flags.origin is not None:
        fields["origin"] = flags.origin
    if flags.insecure or flags.ca is not None:
        fields["tls"] = {"verify": not flags.insecure, "ca_file": flags.ca}
    if flags.no_compression:
        fields["compression"] = "none"
    try:
        if not name:  # the URL is checked (and normalised: http:// → ws://) before naming
            name = unique(short_name(Connection(name="-", url=url).url), taken)
        return Connection(name=name, **fields)
    except ValidationError as exc:
        problems, bad_url = [], False
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "url"
            problem = clean_message(str(error["msg"]))
            flag = _FLAGS.get(field)
            bad_url = bad_url or field == "url"
            # A header's problem names the flag, never the (secret) value.
            problems.append(f"{flag}: {problem}" if flag else problem)
        what = "invalid URL " if bad_url else ""
        raise UsageError(f"{what}{mask_url(url)!r}: {'; '.join(problems)}") from None


_FLAGS = {
    "headers": "-H",
    "subprotocols": "--subprotocol",
    "origin": "--origin",
    "tls": "--ca",
    "name": "--name",
}


def _header(value: str) -> tuple[str, str]:
    """``'Name: value'`` → ``("Name", "value")``; the message never repeats the value."""
    name, colon, rest = value.partition(":")
    if not colon or not name.strip():
        raise UsageError("-H needs 'Name: value' (a header name, a colon, then the value)")
    return name.strip(), rest.strip()
