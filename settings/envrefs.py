"""``${NAME}`` references in header values, expanded from the environment at connect time."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPEN = re.compile(r"\$\$\{|\$\{")


class MissingEnvError(KeyError):
    """A ``${NAME}`` reference names an environment variable that is not set."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"environment variable {self.name!r} is not set"


def _tokens(value: str) -> Iterator[tuple[bool, str]]:
    """Yield ``(is_reference, text)`` pieces of ``value``; raise ``ValueError`` on bad syntax.

    The messages give positions, never the text, since the value may be a secret.
    """
    start = 0
    while (match := _OPEN.search(value, start)) is not None:
        index = match.start()
        if match.group() == "$${":
            yield False, value[start:index] + "${"
            start = match.end()
            continue
        end = value.find("}", match.end())
        if end == -1:
            raise ValueError(
                f"unterminated '${{' at character {index + 1}; write '$${{' for a literal '${{'"
            )
        name = value[match.end() : end]
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"'${{...}}' at character {index + 1} must hold a variable name "
                "(letters, digits, _); write '$${' for a literal '${'"
            )
        yield False, value[start:index]
        yield True, name
        start = end + 1
    yield False, value[start:]


def check_env_refs(value: str) -> list[str]:
    """Check the ``${NAME}`` syntax of ``value`` and return the names it references.

    Raises:
        ValueError: a ``${`` is not closed or does not hold a variable name.
    """
    return [text for is_ref, text in _tokens(value) if is_ref]


def expand_env(value: str, env: Mapping[str, str]) -> str:
    """Replace every ``${NAME}`` in ``value`` with ``env[NAME]``; ``$${`` stands for ``${``.

    Args:
        value: the raw setting, e.g. ``"Bearer ${API_TOKEN}"``.
        env: the variables, usually :meth:`settings.WsdeckSettings.reference_env`.

    Returns:
        The expanded text.

    Raises:
        MissingEnvError: a referenced variable is not in ``env``.
        ValueError: the reference syntax is invalid.
    """
    pieces = []
    for is_ref, text in _tokens(value):
        if is_ref:
            if text not in env:
                raise MissingEnvError(text)
            pieces.append(env[text])
        else:
            pieces.append(text)
    return "".join(pieces)
