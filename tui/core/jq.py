"""jq programs from settings, run on payloads: compiled once, sandboxed, never raising on data.

Watches, fields, pairing and reply rules all ask the same question of a received payload
("what does this jq program give for it?"), so they share this one wrapper of the ``jq``
package. A payload that is not JSON, a program error on a payload (``.a`` of an array) and a
program that yields nothing all give :data:`NO_VALUE`: a stream of odd payloads must never
become a stream of exceptions.

Programs come from settings files, and what they produce can be sent to servers (reply rules)
or drawn on the terminal, so the builtins that reach outside the payload are redefined before
the program: ``$ENV``/``env`` are empty (settings already decide which variables may be sent,
through ``${VAR}`` references), ``get_search_list`` (jq's module paths) is empty,
``input``/``inputs`` cannot read past the payload's first JSON value, and ``import``/``include``
(which would read module files) cannot compile after a definition.

A condition in the common subset (paths, constants, comparisons, ``and``/``or``/``not``)
is answered without jq where it can be (:mod:`tui.core.jq_subset`): :meth:`JqProgram.matches`
reads the payload with orjson and asks jq only about what the subset cannot decide.

A program runs to completion in the calling thread: jq cannot be interrupted, so a program
that never ends (``[repeat(1)]``) blocks its caller. Callers run programs off the UI's
critical path.
"""

from __future__ import annotations

import enum
import functools
from typing import TYPE_CHECKING, Final, Literal

from tui.core.jq_subset import Condition, JqFailure, Undecided, compile_condition

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_loads: Callable[[str | bytes], object] | None
try:
    from orjson import loads as _loads
except ImportError:  # an interpreter orjson has no wheel for: jq answers every condition
    _loads = None


class _NoValue(enum.Enum):
    NO_VALUE = "no value"


NO_VALUE: Final = _NoValue.NO_VALUE
"""What a program gives for a payload that is not JSON, on an error, or when it yields nothing."""

NoValue = Literal[_NoValue.NO_VALUE]
"""The type of :data:`NO_VALUE`, for annotations."""

_SANDBOX: Final = (
    "def env: {}; def get_search_list: []; def input: empty; def inputs: empty; {} as $ENV | "
)


_NOT_JSON: Final = object()
"""orjson refused the payload."""

_last_parsed: tuple[object, object] = (None, _NOT_JSON)
"""The last payload :meth:`JqProgram.matches` parsed, and its parse: every rule of a
connection is asked about the same message object in turn, and parses it once."""


class JqError(ValueError):
    """A jq program does not compile; the message is jq's, without its ``jq: error:`` frame."""


def _reason(error: Exception) -> str:
    # jq reports "jq: error: syntax error, unexpected '|' at <top-level>, line 1, column 5:",
    # then the program with a caret and "jq: 1 compile error"; the first line says it all.
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    first = first.removeprefix("jq: error: ").removesuffix(":")
    return first.replace(" at <top-level>,", ",")


class JqProgram:
    """A compiled, sandboxed jq program; see :func:`compile_program` for a cached one."""

    __slots__ = ("_condition", "_program", "source")

    def __init__(self, source: str) -> None:
        import jq  # here: 10 ms, paid only by settings that use jq

        if not source.strip():
            raise JqError("empty jq program")
        # The program alone first, so errors point at the user's line and column, not ours.
        try:
            jq.compile(source)
        except ValueError as error:
            raise JqError(_reason(error)) from None
        try:
            self._program = jq.compile(_SANDBOX + source)
        except ValueError:
            raise JqError("import and include are not allowed") from None
        self.source = source
        # Only for a program jq compiled: jq alone says what is valid jq.
        self._condition: Condition | None = (
            compile_condition(source) if _loads is not None else None
        )

    def first(self, payload: str | bytes) -> object:
        """The program's first output for ``payload``, or :data:`NO_VALUE`.

        Binary payloads are read as UTF-8 JSON text; any that are not give :data:`NO_VALUE`.
        """
        if isinstance(payload, bytes):
            try:
                payload = payload.decode()
            except UnicodeDecodeError:
                return NO_VALUE
        try:
            return self._program.input_text(payload).first()
        except (ValueError, StopIteration):
            return NO_VALUE

    def all(self, payload: str | bytes) -> list[object]:
        """Every output of the program for ``payload``; empty where :meth:`first` has none."""
        if isinstance(payload, bytes):
            try:
                payload = payload.decode()
            except UnicodeDecodeError:
                return []
        try:
            outputs: Iterable[object] = self._program.input_text(payload).all()
        except ValueError:
            return []
        return list(outputs)

    def matches(self, payload: str | bytes) -> bool:
        """Whether the first output is truthy for jq (anything but ``false`` and ``null``)."""
        global _last_parsed
        condition = self._condition
        if condition is not None and _loads is not None:
            last = _last_parsed  # one read: another thread may replace it meanwhile
            if last[0] is payload:  # the connection's previous rule read this message
                parsed = last[1]
            else:
                try:
                    # orjson refuses what jq may still read (NaN, deep nesting,
                    # several values): those go to jq below.
                    parsed = _loads(payload)
                except ValueError:
                    parsed = _NOT_JSON
                # One tuple, replaced whole: a reader in another thread sees a pair.
                _last_parsed = (payload, parsed)
            if parsed is not _NOT_JSON:
                try:
                    return condition(parsed)
                except JqFailure:
                    return False
                except Undecided:
                    pass
        value = self.first(payload)
        return value is not NO_VALUE and value is not None and value is not False

    def __repr__(self) -> str:
        return f"JqProgram({self.source!r})"


@functools.lru_cache(maxsize=512)
def compile_program(source: str) -> JqProgram:
    """The compiled program for ``source``, shared by settings validation and every user."""
    return JqProgram(source)
