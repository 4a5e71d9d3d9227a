"""Settings problems: one readable line per error, with the field path it concerns."""

from __future__ import annotations

import difflib
import json
import re
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_PREFIXES = ("Value error, ", "Assertion failed, ")


def clean_message(message: str) -> str:
    """A pydantic error message without the prefix of the exception that raised it."""
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    return message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the settings.

    Attributes:
        path: the field, e.g. ``connections[2].url``; ``""`` for the file as a whole.
        message: what is wrong, for a person.
        line: the line in the settings file, when known.
    """

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} (line {self.line})" if self.line is not None else text


class SettingsError(Exception):
    """The settings could not be loaded; :attr:`problems` says everything that is wrong."""

    def __init__(self, problems: Sequence[Problem], path: Path | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def heading(self) -> str:
        """``path: invalid settings (N problems)``: the line above the problems."""
        where = f"{self.path}: " if self.path else ""
        count = len(self.problems)
        return f"{where}invalid settings ({count} problem{'s' * (count != 1)})"


def render_loc(loc: Sequence[int | str]) -> str:
    """Render a pydantic error location as ``connections[2].headers.Authorization``.

    Keys that are not bare TOML keys are quoted (``headers."Bad Name"``); pydantic's ``[key]``
    marker for errors in a dict key is dropped.
    """
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]":
            continue
        else:
            key = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            text += f".{key}" if text else key
    return text


class Locate(Protocol):
    """Finds the file line of an error location, e.g. :class:`settings.lines.LineFinder`."""

    def __call__(
        self, loc: Sequence[int | str], value: Any, *, missing: bool = False
    ) -> int | None: ...


def problems_from_validation_error(
    error: ValidationError,
    root: type[BaseModel] | None = None,
    locate: Locate | None = None,
) -> list[Problem]:
    """Turn every error of ``error`` into a :class:`Problem`.

    Args:
        error: the validation error.
        root: the model that was validated, used to suggest known keys for unknown ones.
        locate: finds the line in the settings file for an error, when given.
    """
    problems = []
    for item in error.errors(include_url=False, include_input=locate is not None):
        loc = item["loc"]
        kind = item["type"]
        line = None
        if locate is not None:
            line = locate(loc, item.get("input"), missing=kind == "missing")
        if kind == "extra_forbidden":
            message = "unknown key"
            known = _known_keys(root, loc[:-1]) if root is not None else []
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
        elif kind == "missing":
            message = "required"
        else:
            message = clean_message(item["msg"])
            if loc and loc[-1] == "[key]":
                message = f"invalid key: {message}"
        problems.append(Problem(render_loc(loc), message, line))
    return problems


def _known_keys(root: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """Field names of the model found at ``loc`` below ``root`` (empty if it is no model)."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = field.annotation if field is not None else None
        elif get_origin(current) is list and isinstance(part, int):
            current = get_args(current)[0]
        elif get_origin(current) is dict and isinstance(part, str):
            current = get_args(current)[1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and pick the model, list or dict member of a union."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        for member in get_args(annotation):
            member = _unwrap(member)
            is_model = isinstance(member, type) and issubclass(member, BaseModel)
            if is_model or get_origin(member) in (list, dict):
                return member
    return annotation
