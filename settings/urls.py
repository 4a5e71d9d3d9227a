"""Parse, normalise and mask the WebSocket and proxy URLs found in settings."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

WS_SCHEMES = ("ws", "wss")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h", "socks4", "socks4a")
_REWRITES = {"http": "ws", "https": "wss"}

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# Masking reads everything between "//" and the last "@" as userinfo, even past a "/",
# "?" or "#": a password with one of those unescaped ("ws://bob:1234?x@host/") must not
# be shown. split_url refuses such URLs, so valid ones are masked exactly.
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)(.*)@", re.DOTALL)


@dataclass(frozen=True)
class UrlParts:
    """The pieces of an absolute ``scheme://[userinfo@]host[:port]rest`` URL, as written."""

    scheme: str
    userinfo: str | None
    host: str
    port: int | None
    rest: str

    def unsplit(self, port: int | None = None) -> str:
        """Join the parts again, using ``port`` when given instead of the parsed port."""
        port = self.port if port is None else port
        auth = f"{self.userinfo}@" if self.userinfo is not None else ""
        suffix = f":{port}" if port is not None else ""
        return f"{self.scheme}://{auth}{self.host}{suffix}{self.rest}"


def mask_url(url: str) -> str:
    """Replace any ``user:password@`` in ``url`` with ``***@`` so it can be shown or logged.

    Args:
        url: any URL string; text that is not an absolute URL is returned unchanged.

    Returns:
        The URL without its userinfo.
    """
    return _USERINFO.sub(r"\1***@", url, count=1)


def userinfo(url: str) -> str | None:
    """The ``user:password`` of ``url`` as :func:`mask_url` sees it (even in an invalid URL)."""
    match = _USERINFO.match(url)
    return match.group(2) if match else None


def split_url(url: str, what: str = "url", schemes: Collection[str] | None = None) -> UrlParts:
    """Split an absolute URL with a host, raising ``ValueError`` that names ``what``.

    Args:
        url: the URL.
        what: the setting's name, for messages.
        schemes: the accepted schemes (lower case); ``None`` accepts any.

    The messages never repeat the userinfo, which may hold a password.
    """
    if any(char.isspace() for char in url):
        raise ValueError(f"{what} must not contain whitespace")
    if any(unicodedata.category(char) == "Cc" for char in url):
        raise ValueError(f"{what} must not contain control characters")
    match = _SCHEME.match(url)
    if match is None:
        raise ValueError(f"{what} needs a scheme, e.g. ws://host:port/path")
    scheme = match.group(1).lower()
    after = url[match.end() :]
    if schemes is not None and scheme not in schemes:
        names = ", ".join(schemes)
        hint = f"; did you mean ws://{url}?" if after[:1].isdigit() and what == "url" else ""
        raise ValueError(f"{what} scheme must be {names}, got {scheme!r}{hint}")
    if not after.startswith("//"):
        raise ValueError(f"{what} needs a host after '{scheme}://'")
    after = after[2:]
    end = len(after)
    for stop in "/?#":
        found = after.find(stop)
        if found != -1:
            end = min(end, found)
    authority, rest = after[:end], after[end:]
    if "@" in rest:
        # Either a password with an unescaped "/", "?" or "#" (it would be sent to the
        # wrong host, and shown) or an "@" in a path or query: ambiguous either way.
        raise ValueError(
            f"{what} has an '@' after the host: write '/', '?' and '#' in a user name or "
            "password as %2F, %3F and %23, and an '@' in a path or query as %40"
        )
    userinfo: str | None = None
    if "@" in authority:
        userinfo, _, authority = authority.rpartition("@")
    host, port = _split_host_port(authority, what)
    return UrlParts(scheme, userinfo, host, port, rest)


def _split_host_port(authority: str, what: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        close = authority.find("]")
        if close == -1:
            raise ValueError(f"{what} has an unclosed '[' in its host")
        host, after = authority[: close + 1], authority[close + 1 :]
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ValueError(f"{what} host {host} is not a valid IPv6 address") from None
        if after and not after.startswith(":"):
            raise ValueError(f"{what} has unexpected text after the IPv6 host {host}")
        port_text = after[1:] if after else None
    else:
        if authority.count(":") > 1:
            raise ValueError(f"{what} IPv6 host must be in brackets, e.g. ws://[::1]:8765/")
        host, colon, port_text_raw = authority.partition(":")
        port_text = port_text_raw if colon else None
    if not host:
        raise ValueError(f"{what} needs a host")
    if port_text is None:
        return host, None
    if not port_text:
        raise ValueError(f"{what} has an empty port after ':'")
    if not port_text.isascii() or not port_text.isdigit():
        raise ValueError(f"{what} port must be a number, got {port_text!r}")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"{what} port must be 1..65535, got {port}")
    return host, port


def normalize_ws_url(url: str) -> str:
    """Validate a WebSocket URL and return it stripped, with ``http(s)`` rewritten to ``ws(s)``."""
    url = url.strip()
    try:
        parts = split_url(url, schemes=(*WS_SCHEMES, *_REWRITES))
    except ValueError as exc:
        # http(s) is accepted (and rewritten), but the message names only what to write.
        raise ValueError(str(exc).replace("ws, wss, http, https", "ws or wss")) from None
    scheme = _REWRITES.get(parts.scheme, parts.scheme)
    if "#" in parts.rest:
        raise ValueError("url must not contain a #fragment")
    return UrlParts(scheme, parts.userinfo, parts.host, parts.port, parts.rest).unsplit()


def url_port(url: str) -> int | None:
    """The port written in a URL already validated by :func:`normalize_ws_url`, if any."""
    return split_url(url).port


def with_port(url: str, port: int | None) -> str:
    """``url`` with ``port`` inserted when the URL has no port of its own."""
    if port is None:
        return url
    parts = split_url(url)
    return url if parts.port is not None else parts.unsplit(port)


def normalize_proxy(value: str) -> str:
    """Validate a proxy setting: ``none``, ``env`` or a proxy URL with a known scheme."""
    value = value.strip()
    if value.lower() in ("none", "env"):
        return value.lower()
    if _SCHEME.match(value) is None:
        names = ", ".join(PROXY_SCHEMES)
        raise ValueError(f"proxy must be 'none', 'env' or a URL with scheme {names}")
    split_url(value, "proxy", PROXY_SCHEMES)
    return value
