"""Messages in settings: plain text, or binary written as hex or base64."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from tui.core.codec import PayloadError, decode_base64, decode_hex


class BinaryMessage(BaseModel):
    """A binary message, written in TOML as ``{hex = "..."}`` or ``{base64 = "..."}``."""

    model_config = ConfigDict(extra="forbid")

    hex: str | None = None
    """The payload as hex digits; spaces, ``:``, ``,``, ``-`` and ``0x`` prefixes are allowed."""

    base64: str | None = None
    """The payload as standard or URL-safe base64; whitespace and missing padding are allowed."""

    @field_validator("hex")
    @classmethod
    def _check_hex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                decode_hex(value)
            except PayloadError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("base64")
    @classmethod
    def _check_base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                decode_base64(value)
            except PayloadError as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.hex is None) == (self.base64 is None):
            raise ValueError("a binary message needs exactly one of hex or base64")
        return self

    def data(self) -> bytes:
        """The decoded payload bytes."""
        if self.hex is not None:
            return decode_hex(self.hex)
        return decode_base64(self.base64 or "")


Message = str | BinaryMessage
"""A message: text, or a :class:`BinaryMessage`."""


def _validate_message(value: object, handler: ValidatorFunctionWrapHandler) -> Message:
    # Dispatch by input type instead of trying the union: a union reports one error per member
    # (``...[0].str``, ``...[0].BinaryMessage.hex``); this reports only the one that applies.
    if isinstance(value, str | BinaryMessage):
        return value
    if isinstance(value, Mapping):
        return BinaryMessage.model_validate(value)
    raise PydanticCustomError(
        "message_type",
        "a message must be text or a table with hex or base64, got {type}",
        {"type": type(value).__name__},
    )


MessageField = Annotated[Message, WrapValidator(_validate_message)]
"""The field type for :data:`Message` values in models."""
