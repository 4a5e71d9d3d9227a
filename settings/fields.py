"""Fields and request/response pairing in a connection's settings (issue 14).

``fields`` names jq programs whose values the dashboard shows as table columns, in the feed
and in plots (``sparkline`` adds a column of each one's recent values); ``correlate`` is the
jq program that pairs a sent request with its response.
Both are checked when the settings load (:data:`settings.patterns.JqProgram`): an invalid
program is an error at its field path, never a failure on the first message.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo

from settings.patterns import JqProgram

FIELD_NAME_LIMIT = 16
"""Characters a field's name may have: it is a column header in the connection table."""

RESERVED_FIELD_NAMES = frozenset(
    {"name", "state", "in", "out", "rate", "last", "latency", "url", "response"}
)
"""The connection table's own column names, which a field may not take."""

MAX_FIELDS = 8
"""Fields one connection may have: each is a column and a jq program on every message."""


def check_field_name(name: str) -> str:
    """A field's name: short, printable, not one of the table's own columns."""
    if not name or name != name.strip():
        raise ValueError("a field name must not be empty or start or end with a space")
    if len(name) > FIELD_NAME_LIMIT:
        raise ValueError(f"a field name has at most {FIELD_NAME_LIMIT} characters")
    if any(unicodedata.category(char)[0] in "CZ" and char != " " for char in name):
        raise ValueError("a field name must not contain control or separator characters")
    if name in RESERVED_FIELD_NAMES:
        raise ValueError(f"{name!r} is a column of the connection table already")
    return name


FieldName = Annotated[str, AfterValidator(check_field_name)]
"""The name of a field: its column header and its label in the feed and plots."""


def _check_count(fields: dict[str, str]) -> dict[str, str]:
    if len(fields) > MAX_FIELDS:
        raise ValueError(f"at most {MAX_FIELDS} fields per connection")
    return fields


CorrelateTimeout = Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)]
"""Seconds a request waits for its response before it is marked ``timeout``."""

FieldsCheck = AfterValidator(_check_count)
"""The bound on the number of fields, applied to the ``fields`` mapping."""


def _check_sparkline(value: bool | list[str], info: ValidationInfo) -> bool | list[str]:
    if isinstance(value, list):
        fields = info.data.get("fields") or {}
        unknown = [name for name in value if name not in fields]
        if unknown:
            raise ValueError(f"not a field of this connection: {', '.join(map(repr, unknown))}")
    return value


Sparkline = Annotated[bool | list[FieldName], AfterValidator(_check_sparkline)]
"""``true``: every field of the connection also has a sparkline column; or the names of
the fields that do (they must be in ``fields``)."""


class AddedField(BaseModel):
    """A field typed in the dashboard (``field: add``), checked as the settings' fields are."""

    model_config = ConfigDict(extra="forbid")

    name: FieldName
    """Its column header."""

    jq: JqProgram
    """The program that reads it."""


def added_field_problem(name: str, program: str) -> str | None:
    """Why a field typed in the dashboard is invalid, at its path (``jq: invalid jq
    program: …``); ``None`` when it is valid."""
    try:
        AddedField(name=name, jq=program)
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        return f"{path}: {message}"
    return None
