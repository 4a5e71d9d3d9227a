"""One codec for binary payloads entered or shown as hex or base64.

Operators type hex as ``01 ff 7e``, ``01:ff:7e`` or ``01ff7e``; base64 may be split over
lines. Every decoder raises :class:`PayloadError` with a message a person understands,
so the settings model, the composer and ``tail --send`` report the same text.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Literal

Encoding = Literal["hex", "base64"]

_HEX_SEPARATORS = re.compile(r"[\s:,-]+")
# "0x" only where a byte starts (line start or after a separator), so "a0xb" stays invalid.
_HEX_PREFIX = re.compile(r"(?:^|(?<=[\s:,-]))0[xX]")
_WHITESPACE = re.compile(r"\s+")


class PayloadError(ValueError):
    """A payload could not be decoded; the message says why and where."""


def decode_hex(text: str) -> bytes:
    """Decode hex digits, ignoring whitespace, ``:``, ``,`` and ``-`` separators and ``0x``."""
    digits = _HEX_SEPARATORS.sub("", _HEX_PREFIX.sub("", text))
    for index, char in enumerate(digits):
        if char not in "0123456789abcdefABCDEF":
            raise PayloadError(f"invalid hex: {char!r} is not a hex digit (digit {index + 1})")
    if len(digits) % 2:
        raise PayloadError(f"invalid hex: odd number of digits ({len(digits)})")
    return bytes.fromhex(digits)


def decode_base64(text: str) -> bytes:
    """Decode standard or URL-safe base64, ignoring whitespace; padding is optional."""
    compact = _WHITESPACE.sub("", text)
    if "-" in compact or "_" in compact:
        compact = compact.replace("-", "+").replace("_", "/")
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PayloadError(f"invalid base64: {exc}") from None


def decode(text: str, encoding: Encoding) -> bytes:
    """Decode ``text`` in the given encoding."""
    return decode_hex(text) if encoding == "hex" else decode_base64(text)


def encode_hex(data: bytes, sep: str = " ") -> str:
    """Hex digits of ``data``, two per byte, joined by ``sep``."""
    return data.hex(sep) if sep and data else data.hex()


def encode_base64(data: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(data).decode("ascii")


def encode(data: bytes, encoding: Encoding) -> str:
    """Encode ``data`` in the given encoding."""
    return encode_hex(data) if encoding == "hex" else encode_base64(data)


def hexdump(data: bytes, width: int = 16) -> list[str]:
    """Classic hex dump lines: offset, hex bytes, printable ASCII (others as ``.``)."""
    lines = []
    for offset in range(0, len(data), width):
        chunk = data[offset : offset + width]
        hex_part = chunk.hex(" ").ljust(width * 3 - 1)
        text_part = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{offset:08x}  {hex_part}  {text_part}")
    return lines
