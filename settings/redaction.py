"""Hide a connection's secrets (header values, ``${ENV}`` values, URL credentials) in text.

A server may echo what it was sent in a payload, an HTTP body or a close reason, and may
cut it (a close reason holds at most 123 bytes). So besides every whole secret, a prefix
of a long secret is hidden too: anywhere when it is at least :data:`PREFIX_LENGTH`
characters long, and at the end of a text (where a cut leaves it) from
:data:`MIN_LENGTH` characters. Secrets shorter than :data:`MIN_LENGTH` are not hidden:
``"on"`` or ``"1"`` would turn every message into ``c***n***cti***``; :func:`too_short`
finds them so the operator can be warned instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar, overload

MASK = "***"
MIN_LENGTH = 4
"""Secrets shorter than this are not redacted (and are warned about)."""
PREFIX_LENGTH = 8
"""Secrets at least this long have their prefixes redacted too."""

T = TypeVar("T", str, bytes)


class _Rules(Generic[T]):
    """The secrets in one type (``str`` for text, UTF-8 ``bytes`` for binary payloads)."""

    __slots__ = ("mask", "needles", "rules", "tails")
    rules: list[tuple[T, bool]]
    mask: T
    needles: tuple[T, ...]
    tails: tuple[T, ...]

    def __init__(self, rules: list[tuple[T, bool]], mask: T) -> None:
        self.rules = rules
        self.mask = mask
        # What is searched for first: the first PREFIX_LENGTH characters of a long secret
        # (any longer piece of it contains them), and the other secrets whole unless they
        # contain such a head ("Bearer <token>" is found by the token's head).
        heads = [secret[:PREFIX_LENGTH] for secret, partial in rules if partial]
        whole = [
            secret
            for secret, partial in rules
            if not partial and not any(head in secret for head in heads)
        ]
        self.needles = tuple(heads + whole)
        self.tails = tuple(
            secret[:length]
            for secret, partial in rules
            if partial
            for length in range(MIN_LENGTH, PREFIX_LENGTH)
        )

    def apply(self, text: T) -> T:
        for needle in self.needles:
            if needle in text:
                break
        else:
            if not (self.tails and text.endswith(self.tails)):
                return text  # the common case: nothing to hide
        for secret, partial in self.rules:
            text = (
                _redact_prefixes(text, secret, self.mask)
                if partial
                else text.replace(secret, self.mask)
            )
        return text


def _redact_prefixes(text: T, secret: T, mask: T) -> T:
    """``text`` with every piece that starts like ``secret`` (long enough) masked."""
    head = secret[:PREFIX_LENGTH]
    pieces: list[T] = []
    start = 0
    while (found := text.find(head, start)) != -1:
        end = found + PREFIX_LENGTH
        limit = min(len(text), found + len(secret))
        while end < limit and text[end] == secret[end - found]:
            end += 1
        pieces += (text[start:found], mask)
        start = end
    rest = text[start:]
    for length in range(min(PREFIX_LENGTH, len(secret)) - 1, MIN_LENGTH - 1, -1):
        if rest.endswith(secret[:length]):
            rest = rest[:-length] + mask
            break
    pieces.append(rest)
    return mask[:0].join(pieces)


def _utf8(secret: str) -> bytes:
    try:  # a variable's undecodable bytes come back as they were in the environment
        return secret.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # any other lone surrogate: encoded as is
        return secret.encode("utf-8", "surrogatepass")


class Redactor:
    """Replaces a connection's secrets with ``***`` in text and binary payloads.

    Build it once per connection attempt; calling it on a message that holds no secret
    costs one substring search per secret. A redactor without secrets is false, so a
    caller can skip it entirely: ``redact = Redactor(secrets) or None``.
    """

    __slots__ = ("_bytes", "_text", "binary", "text")

    def __init__(self, secrets: Iterable[str]) -> None:
        unique = sorted({s for s in secrets if len(s) >= MIN_LENGTH}, key=len, reverse=True)
        # A secret that ends with another long secret ("Bearer <token>", "user:<password>")
        # is hidden whole; its prefixes start with the harmless scheme or user name, and
        # the cut-off credential inside it is caught by that credential's own rule.
        rules = [
            (
                secret,
                len(secret) >= PREFIX_LENGTH
                and not any(
                    other != secret and len(other) >= PREFIX_LENGTH and secret.endswith(other)
                    for other in unique
                ),
            )
            for secret in unique
        ]
        self._text = _Rules(rules, MASK)
        self._bytes = _Rules(
            [(_utf8(secret), partial) for secret, partial in rules],
            MASK.encode(),
        )
        self.text = self._text.apply
        """Redact a ``str`` (for a hot path that already knows the type)."""
        self.binary = self._bytes.apply
        """Redact ``bytes`` (for a hot path that already knows the type)."""

    def __bool__(self) -> bool:
        return bool(self._text.rules)

    @overload
    def __call__(self, data: str) -> str: ...
    @overload
    def __call__(self, data: bytes) -> bytes: ...
    def __call__(self, data: str | bytes) -> str | bytes:
        """``data`` with every secret (and long prefix of one) replaced by ``***``."""
        if isinstance(data, str):
            return self._text.apply(data)
        return self._bytes.apply(data)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with ``secrets`` hidden; see :class:`Redactor` (build one to redact often)."""
    return Redactor(secrets)(text)


def too_short(secrets: Iterable[str]) -> bool:
    """Whether any non-empty secret is too short to be redacted."""
    return any(0 < len(secret) < MIN_LENGTH for secret in secrets)
