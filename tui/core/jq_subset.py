"""The conditions most rules are written in, answered in Python on a payload parsed by orjson.

jq spends ~4 of its ~5.5 µs on a 128-byte JSON payload parsing it (numbers as decimal
literals), and twice that in the dashboard, where the calls between two messages push its
code and data out of the caches. A condition made only of paths, constants, comparisons,
``and``/``or``/``not``, pipes and parentheses (``.status == "alarm"``, ``.temperature > 28``,
``.[2].ok | not``) needs none of that: orjson reads the payload in ~0.3 µs and the
condition is a few dict and list look-ups.

The answers are jq's, or none: :func:`compile_condition` gives ``None`` for any program
outside the subset (its caller runs jq), and a condition raises :class:`Undecided` where
Python's values cannot tell what jq's would say: two numbers equal as doubles (jq compares
the decimal literals, so ``1.0000000000000000001 == 1`` is false), or two arrays or
objects compared (orjson reads integers beyond 64 bits as doubles: the same rule
covers them). Payloads orjson refuses (not JSON, ``NaN``, several values, more than 1 024
levels deep) are the caller's to give to jq. A jq error (``.a`` of an array)
raises :class:`JqFailure`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Final

__all__ = ["Condition", "JqFailure", "Undecided", "compile_condition"]


class Undecided(Exception):
    """Python's values of this payload cannot give jq's answer: ask jq."""


class JqFailure(Exception):
    """jq would stop with an error on this payload (the program gives no output)."""


Condition = Callable[[object], bool]
"""Whether the program's output for a parsed payload is truthy (neither false nor null)."""

Filter = Callable[[object], object]

_TOKEN: Final = re.compile(
    r"""\s*(?:
      (?P<field>\.[A-Za-z_][A-Za-z0-9_]*)
    | (?P<dotstring>\."(?:[^"\\]|\\.)*")
    | (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>==|!=|<=|>=|[<>|()\[\].-])
    )""",
    re.VERBOSE,
)

_COMPARISONS: Final = ("==", "!=", "<", "<=", ">", ">=")

_DEPTH: Final = 32
"""Parentheses nested deeper than this are left to jq (Python's stack is not jq's)."""

_EXACT_INT: Final = 2**53
"""Integers up to this size are the same as doubles: compared exactly either way."""


class _Outside(Exception):
    """The program is not in the subset."""


def compile_condition(source: str) -> Condition | None:
    """The condition ``source`` states, or ``None`` if it is outside the subset."""
    try:
        tokens = _tokens(source)
        parser = _Parser(tokens)
        program = parser.pipe()
        if parser.at < len(tokens):
            raise _Outside
    except _Outside:
        return None

    def condition(value: object) -> bool:
        result = program(value)
        return result is not None and result is not False

    return condition


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    at, end = 0, len(source.rstrip())
    while at < end:
        match = _TOKEN.match(source, at)
        if match is None or match.lastgroup is None:
            raise _Outside  # comments, variables, operators outside the subset, ...
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        at = match.end()
    return tokens


class _Parser:
    """Recursive descent over jq's precedence: ``|`` < ``or`` < ``and`` < comparisons."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, text: str) -> bool:
        if self.peek()[1] == text and self.peek()[0] in ("op", "word"):
            self.at += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.take(text):
            raise _Outside

    def pipe(self) -> Filter:
        left = self.disjunction()
        if self.take("|"):
            right = self.pipe()  # right-associative
            return lambda value: right(left(value))
        return left

    def disjunction(self) -> Filter:
        left = self.conjunction()
        while self.take("or"):
            left = _or(left, self.conjunction())
        return left

    def conjunction(self) -> Filter:
        left = self.comparison()
        while self.take("and"):
            left = _and(left, self.comparison())
        return left

    def comparison(self) -> Filter:
        left = self.postfix()
        kind, text = self.peek()
        if kind == "op" and text in _COMPARISONS:
            self.at += 1
            right = self.postfix()
            if self.peek()[1] in _COMPARISONS:
                raise _Outside  # jq: comparisons do not chain (a syntax error)
            return _compare(text, left, right)
        return left

    def postfix(self) -> Filter:
        term = self.term()
        while True:
            kind, text = self.peek()
            if kind == "field":
                term = _index(term, text[1:])
            elif kind == "dotstring":
                term = _index(term, _string(text[1:]))
            elif (kind, text) == ("op", "["):
                self.at += 1
                term = _index(term, self.key())
                if self.peek() != ("op", "]"):
                    raise _Outside
            elif (kind, text) == ("op", ".") and self._then("["):
                pass  # `.a.[0]`: the same as `.a[0]`
            else:
                return term
            self.at += 1

    def _then(self, text: str) -> bool:
        return self.at + 1 < len(self.tokens) and self.tokens[self.at + 1] == ("op", text)

    def key(self) -> str | int:
        """An index in brackets: a string, or an integer (``-1`` counts from the end)."""
        kind, text = self.peek()
        self.at += 1
        if kind == "string":
            return _string(text)
        negative = kind == "op" and text == "-"
        if negative:
            kind, text = self.peek()
            self.at += 1
        if kind != "number" or not text.isdigit():
            raise _Outside  # .[], slices, .[1.5], .[expr]
        return -int(text) if negative else int(text)

    def term(self) -> Filter:
        kind, text = self.peek()
        self.at += 1
        if kind == "field":
            return _index(_identity, text[1:])
        if kind == "string":
            return _constant(_string(text))
        if kind == "number":
            return _constant(_number(text))
        if kind == "word":
            if text in _WORDS:
                return _WORDS[text]
            raise _Outside  # functions, and `and`/`or` where a term belongs
        if kind == "dotstring":
            return _index(_identity, _string(text[1:]))
        if kind == "op":
            if text == ".":
                return _identity  # `.[...]` follows, or it stands alone
            if text == "(":
                self.depth += 1
                if self.depth > _DEPTH:
                    raise _Outside
                inner = self.pipe()
                self.expect(")")
                self.depth -= 1
                return inner
            if text == "-" and self.peek()[0] == "number":
                self.at += 1
                return _constant(-_number(self.tokens[self.at - 1][1]))
        raise _Outside


def _string(token: str) -> str:
    if "\\(" in token:
        raise _Outside  # string interpolation
    try:
        text = json.loads(token)  # jq's escapes are JSON's
        text.encode()  # a lone surrogate escape: leave it to jq
    except (ValueError, UnicodeEncodeError):
        raise _Outside from None
    assert isinstance(text, str)
    return text


def _number(token: str) -> int | float:
    if token.isdigit():
        return int(token)
    number = float(token)
    if not math.isfinite(number):
        raise _Outside
    return number


def _identity(value: object) -> object:
    return value


def _constant(constant: object) -> Filter:
    return lambda _value: constant


def _not(value: object) -> object:
    return value is None or value is False


_WORDS: Final[dict[str, Filter]] = {
    "true": _constant(True),
    "false": _constant(False),
    "null": _constant(None),
    "not": _not,
}


def _index(term: Filter, key: str | int) -> Filter:
    """``term``'s value indexed as jq does: a missing key or index, or null, gives null."""
    if isinstance(key, str):

        def field(value: object) -> object:
            inner = term(value)
            if type(inner) is dict:
                return inner.get(key)
            if inner is None:
                return None
            raise JqFailure  # jq: Cannot index <kind> with string

        return field

    def item(value: object) -> object:
        inner = term(value)
        if type(inner) is list:
            index = key + len(inner) if key < 0 else key
            return inner[index] if 0 <= index < len(inner) else None
        if inner is None:
            return None
        raise JqFailure  # jq: Cannot index <kind> with number

    return item


def _truthy(value: object) -> bool:
    return value is not None and value is not False


def _and(left: Filter, right: Filter) -> Filter:
    return lambda value: _truthy(left(value)) and _truthy(right(value))


def _or(left: Filter, right: Filter) -> Filter:
    return lambda value: _truthy(left(value)) or _truthy(right(value))


def _rank(value: object) -> int:
    """jq's order of kinds: null < false < true < numbers < strings < arrays < objects."""
    if value is None:
        return 0
    if value is False:
        return 1
    if value is True:
        return 2
    kind = type(value)
    if kind is int or kind is float:
        return 3
    if kind is str:
        return 4
    return 5 if kind is list else 6


def _order(a: object, b: object) -> int:
    """-1, 0 or 1 as jq orders ``a`` and ``b``; :class:`Undecided` where it cannot tell."""
    rank_a, rank_b = _rank(a), _rank(b)
    if rank_a != rank_b:
        return -1 if rank_a < rank_b else 1
    if rank_a == 3:
        return _order_numbers(a, b)  # type: ignore[arg-type]
    if rank_a == 4:
        x, y = str(a), str(b)
        return (x > y) - (x < y)  # code points: the order of jq's UTF-8 bytes
    if rank_a <= 2:
        return 0
    raise Undecided  # arrays or objects: jq compares them element by element


def _order_numbers(a: float, b: float) -> int:
    if (
        type(a) is int
        and type(b) is int
        and -_EXACT_INT <= a <= _EXACT_INT
        and -_EXACT_INT <= b <= _EXACT_INT
    ):
        return (a > b) - (a < b)
    # Rounding to the nearest double keeps order, so doubles that differ say how the
    # exact numbers compare; equal doubles may be different decimals to jq.
    try:
        x, y = float(a), float(b)
    except OverflowError:
        raise Undecided from None
    if x < y:
        return -1
    if x > y:
        return 1
    raise Undecided


_TESTS: Final[dict[str, Callable[[int], bool]]] = {
    "==": lambda order: order == 0,
    "!=": lambda order: order != 0,
    "<": lambda order: order < 0,
    "<=": lambda order: order <= 0,
    ">": lambda order: order > 0,
    ">=": lambda order: order >= 0,
}


def _compare(operator: str, left: Filter, right: Filter) -> Filter:
    test = _TESTS[operator]
    return lambda value: test(_order(left(value), right(value)))
