"""Text forms of a connection's list and mapping fields, for editing them in text areas.

The connection form edits headers, ``on_start_send`` and ``saved_messages`` as lines of text.
These helpers turn the settings values into those lines and back. Parsing only splits the
lines; the values are validated by :class:`settings.Connection`, and every error message
names a line, never a header value (header values are secrets).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from settings import BinaryMessage, Message
from settings.urls import userinfo

MASK = "••••"
"""Shown in place of a saved header value or URL credentials; keeping it keeps the saved value."""

# A value that is nothing but one ${NAME} reference holds no secret, only the variable's name.
_ENV_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_PREFIXES = ("hex:", "base64:", "text:", "json:")


@dataclass
class Parsed:
    """The result of parsing a text area: the value, and problems by 1-based line number."""

    value: Any
    errors: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    """For list values, the line each item came from; for mappings, see :attr:`key_lines`."""
    key_lines: dict[str, int] = field(default_factory=dict)
    """For mapping values, the line each key came from."""


def format_headers(headers: Mapping[str, SecretStr]) -> str:
    """``Name: ••••`` lines; a value that is a bare ``${VAR}`` reference is shown as written."""
    lines = []
    for name, secret in headers.items():
        raw = secret.get_secret_value()
        shown = raw if _ENV_REFERENCE.fullmatch(raw) else MASK
        lines.append(f"{name}: {shown}")
    return "\n".join(lines)


def parse_headers(text: str, saved: Mapping[str, SecretStr]) -> Parsed:
    """Parse ``Name: value`` lines; a value of :data:`MASK` keeps the saved value of ``Name``.

    Args:
        text: the text area's content.
        saved: the headers of the connection being edited (empty for a new one).
    """
    lowered = {name.lower(): secret for name, secret in saved.items()}
    result: dict[str, str | SecretStr] = {}
    parsed = Parsed(result)
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not name:
            parsed.errors.append(f"line {number}: write a header as 'Name: value'")
            continue
        if name.lower() in seen:
            parsed.errors.append(
                f"line {number}: header {name!r} is already given on line {seen[name.lower()]}"
            )
            continue
        seen[name.lower()] = number
        parsed.key_lines[name] = number
        if value == MASK:
            secret = saved.get(name) or lowered.get(name.lower())
            if secret is None:
                parsed.errors.append(
                    f"line {number}: {MASK} stands for a saved value, but {name!r} has none;"
                    " type its value"
                )
                continue
            result[name] = secret
        else:
            result[name] = value
    return parsed


def reveal_headers(text: str, saved: Mapping[str, SecretStr], show: bool) -> str:
    """``text`` (``Name: value`` lines) with the saved values shown, or masked again.

    Only a value still equal to the saved one is masked again: a value typed since is the
    user's own and stays as typed.
    """
    lowered = {name.lower(): secret.get_secret_value() for name, secret in saved.items()}
    lines = []
    for line in text.split("\n"):
        name, colon, value = line.partition(":")
        secret = lowered.get(name.strip().lower())
        if colon and secret is not None and not _ENV_REFERENCE.fullmatch(secret):
            if show and value.strip() == MASK:
                line = f"{name}: {secret}"
            elif not show and value.strip() == secret:
                line = f"{name}: {MASK}"
        lines.append(line)
    return "\n".join(lines)


def mask_credentials(url: str) -> tuple[str, str | None]:
    """``url`` with its ``user:password`` shown as :data:`MASK`, and the text it hides."""
    hidden = userinfo(url)
    if not hidden or hidden == MASK:
        return url, None
    start = url.index("://") + 3
    return url[:start] + MASK + url[start + len(hidden) :], hidden


def unmask_credentials(url: str, hidden: str | None) -> str:
    """``url`` with a :data:`MASK` in place of its credentials replaced by ``hidden``.

    Raises:
        ValueError: the URL keeps the mask but there are no saved credentials.
    """
    if userinfo(url) != MASK:
        return url
    if hidden is None:
        raise ValueError(f"{MASK} stands for saved credentials, but there are none; type them")
    start = url.index("://") + 3
    return url[:start] + hidden + url[start + len(MASK) :]


def format_message(message: Message) -> str:
    """One line for ``message``: ``hex:…``/``base64:…`` for binary, else the text itself."""
    if isinstance(message, BinaryMessage):
        if message.hex is not None:
            return f"hex:{message.hex}"
        return f"base64:{message.base64 or ''}"
    if not message.strip() or any(ord(char) < 32 or char in "\x7f\u2028\u2029" for char in message):
        # Blank text or line breaks cannot stand on a line of their own: quote them.
        return "json:" + json.dumps(message, ensure_ascii=False)
    if message.lower().startswith(_PREFIXES):
        return f"text:{message}"
    return message


def parse_message(line: str) -> str | dict[str, str]:
    """The raw settings value for one line (validated later by the model).

    ``hex:…`` and ``base64:…`` give binary messages, ``text:…`` text that would otherwise look
    like a prefix, ``json:"…"`` text written as a JSON string (for line breaks); anything else
    is the text itself.

    Raises:
        ValueError: a ``json:`` line does not hold a JSON string.
    """
    lowered = line.lower()
    for prefix in ("hex:", "base64:"):
        if lowered.startswith(prefix):
            return {prefix[:-1]: line[len(prefix) :].strip()}
    if lowered.startswith("text:"):
        return line[len("text:") :]
    if lowered.startswith("json:"):
        try:
            value = json.loads(line[len("json:") :])
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, str):
            raise ValueError('json: needs a JSON string, e.g. json:"two\\nlines"')
        return value
    return line


def format_messages(messages: list[Message]) -> str:
    """One line per message (see :func:`format_message`)."""
    return "\n".join(format_message(message) for message in messages)


def parse_messages(text: str) -> Parsed:
    """One message per non-blank line (see :func:`parse_message`)."""
    items: list[str | dict[str, str]] = []
    parsed = Parsed(items)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(parse_message(line))
        except ValueError as exc:
            parsed.errors.append(f"line {number}: {exc}")
            continue
        parsed.lines.append(number)
    return parsed


def _format_name(name: str) -> str:
    plain = bool(name) and name.strip() == name and "=" not in name and not name.startswith('"')
    return name if plain else json.dumps(name, ensure_ascii=False)


def format_saved_messages(messages: Mapping[str, Message]) -> str:
    """``name = message`` lines; a name with ``=`` or outer spaces is written as a JSON string."""
    return "\n".join(
        f"{_format_name(name)} = {format_message(message)}" for name, message in messages.items()
    )


def parse_saved_messages(text: str) -> Parsed:
    """Parse ``name = message`` lines (the message part as in :func:`parse_message`)."""
    result: dict[str, str | dict[str, str]] = {}
    parsed = Parsed(result)
    decoder = json.JSONDecoder()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        stripped = line.lstrip()
        name: object
        if stripped.startswith('"'):
            try:
                name, end = decoder.raw_decode(stripped)
            except json.JSONDecodeError:
                parsed.errors.append(f"line {number}: the quoted name is not closed")
                continue
            rest = stripped[end:].lstrip()
            equals = rest[:1] == "="
            rest = rest[1:]
        else:
            name, sign, rest = stripped.partition("=")
            name, equals = name.strip(), bool(sign)
        if not equals or not isinstance(name, str) or not name:
            parsed.errors.append(f"line {number}: write a saved message as 'name = message'")
            continue
        if name in result:
            parsed.errors.append(
                f"line {number}: name {name!r} is already used on line {parsed.key_lines[name]}"
            )
            continue
        message = rest.removeprefix(" ")
        if not message.strip():
            parsed.errors.append(f"line {number}: {name!r} has no message")
            continue
        try:
            result[name] = parse_message(message)
        except ValueError as exc:
            parsed.errors.append(f"line {number}: {exc}")
            continue
        parsed.key_lines[name] = number
    return parsed
