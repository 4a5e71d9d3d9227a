"""Find the line of the settings file that a validation error points at: one scan, one index.

The file has been parsed by ``tomllib`` already (it is valid TOML); this module scans its
text once more, token by token, and records the line where every key, table and array
element starts. Each problem is then a dictionary lookup: 10 000 problems in a 400 KB
file cost one scan (a tomlkit parse and re-render per problem took minutes for 500).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence
from typing import Any

Path = tuple[int | str, ...]

# One token each: multi-line strings first (they contain quotes and newlines), then
# strings, comments, newlines, brackets and punctuation, and runs of anything else (bare
# keys, dotted keys, numbers, booleans, dates).
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""(?:"{1,2}(?!"))?'
    r"|'''[\s\S]*?'''(?:'{1,2}(?!'))?"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'[^'\n]*'"
    r"|#[^\n]*"
    r"|\n"
    r"|[ \t\r]+"
    r"|[\[\]{}=,]"
    r"|[^\s\[\]{}=,#\"']+",
    re.S,
)
_IGNORED = frozenset(" \t\r#")
_MULTILINE = frozenset({'"""', "'''"})

# Most lines of a settings file are one of these: they are indexed without tokens.
_BARE = r"[A-Za-z0-9_-]+"
_BLANK_LINE = re.compile(r"[ \t\r]*(?:#.*)?")
_SIMPLE_KEY_VALUE = re.compile(
    rf"[ \t]*({_BARE})[ \t]*=[ \t]*"
    r"(?:\"[^\"\\\n]*\"(?!\")|'[^'\n]*'(?!')|[^\s\[\]{}\"'#,=]+)[ \t\r]*(?:#.*)?"
)
_SIMPLE_HEADER = re.compile(
    rf"[ \t]*(\[\[?)[ \t]*({_BARE}(?:[ \t]*\.[ \t]*{_BARE})*)[ \t]*(\]\]?)[ \t\r]*(?:#.*)?"
)


class _Scanner:
    """Reads a valid TOML document once and records where each key, table and element starts.

    Simple lines (blank, ``key = scalar``, ``[table]``) are matched whole; anything else
    (inline tables, arrays, quoted or dotted keys, multi-line strings) is read token by
    token from that line until the statement ends.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: dict[Path, int] = {}
        self.array_tables: dict[Path, int] = {}
        self.table: Path = ()
        self._tokens: Iterator[re.Match[str]] = iter(())
        self._token = ""
        self._token_line = self._line = 1
        self._token_end = 0

    def document(self) -> None:
        text = self.text
        pos, line, size = 0, 1, len(text)
        while pos < size:
            end = text.find("\n", pos)
            if end == -1:
                end = size
            if self._simple_line(pos, end, line):
                pos, line = end + 1, line + 1
            else:
                pos, line = self._statement(pos, line)

    def _simple_line(self, pos: int, end: int, line: int) -> bool:
        text = self.text
        if _BLANK_LINE.fullmatch(text, pos, end):
            return True
        match = _SIMPLE_KEY_VALUE.fullmatch(text, pos, end)
        if match:
            self.record((*self.table, match.group(1)), line)
            return True
        match = _SIMPLE_HEADER.fullmatch(text, pos, end)
        if match and len(match.group(1)) == len(match.group(3)):
            keys = [key.strip() for key in match.group(2).split(".")]
            self.table = self.enter(keys, len(match.group(1)) == 2, line)
            return True
        return False

    def _statement(self, pos: int, line: int) -> tuple[int, int]:
        """Read one header or key/value from ``pos`` by tokens; where the next line starts."""
        self._tokens = _TOKEN.finditer(self.text, pos)
        self._line = line
        self._advance()
        if self.peek() == "[":
            self.table = self.header()
        else:
            self.key_value(self.table)
        while self.peek() not in ("\n", ""):
            self.take()
        if not self._token:
            return len(self.text), self._line
        return self._token_end, self._token_line + 1

    # -- tokens ----------------------------------------------------------------------------

    def _advance(self) -> None:
        for match in self._tokens:
            token = match.group()
            if token[0] in _IGNORED:
                continue
            self._token, self._token_line, self._token_end = token, self._line, match.end()
            if token == "\n":
                self._line += 1
            elif token[:3] in _MULTILINE:
                self._line += token.count("\n")
            return
        self._token, self._token_line = "", self._line

    def peek(self) -> str:
        return self._token

    def line(self) -> int:
        return self._token_line

    def take(self) -> str:
        token = self._token
        if token:
            self._advance()
        return token

    def skip_newlines(self) -> None:
        while self._token == "\n":
            self._advance()

    def record(self, path: Path, line: int) -> None:
        self.lines.setdefault(path, line)

    # -- grammar ---------------------------------------------------------------------------

    def header(self) -> Path:
        line = self.line()
        self.take()
        is_array = self.peek() == "[" and self.line() == line
        if is_array:
            self.take()
        keys = self.keys("]")
        self.take()
        if is_array:
            self.take()
        return self.enter(keys, is_array, line)

    def enter(self, keys: Sequence[str], is_array: bool, line: int) -> Path:
        """The path of the table a ``[keys]`` or ``[[keys]]`` header on ``line`` opens."""
        if is_array:
            parent = (*self.resolve(keys[:-1]), keys[-1])
            index = self.array_tables.get(parent, -1) + 1
            self.array_tables[parent] = index
            self.record(parent, line)
            path = (*parent, index)
        else:
            path = self.resolve(keys)
        self.record(path, line)
        return path

    def resolve(self, keys: Sequence[str]) -> Path:
        """``keys`` with the current index of every array of tables on the way inserted."""
        path: Path = ()
        for key in keys:
            path = (*path, key)
            index = self.array_tables.get(path)
            if index is not None:
                path = (*path, index)
        return path

    def keys(self, end: str) -> list[str]:
        parts: list[str] = []
        while self.peek() not in (end, "", "\n"):
            token = self.take()
            if token[0] in "\"'":
                parts.append(_unquote(token))
            else:
                parts.extend(part for part in token.split(".") if part)
        return parts

    def key_value(self, table: Path) -> None:
        line = self.line()
        keys = self.keys("=")
        self.take()  # "="
        path = table
        for key in keys:
            path = (*path, key)
            self.record(path, line)
        self.value(path)

    def value(self, path: Path) -> None:
        token = self.peek()
        if token == "{":
            self.take()
            while self.peek() not in ("}", ""):
                self.skip_newlines()
                if self.peek() == ",":
                    self.take()
                    continue
                if self.peek() == "}":
                    break
                self.key_value(path)
            self.take()
        elif token == "[":
            self.take()
            index = 0
            while True:
                self.skip_newlines()
                token = self.peek()
                if token in ("]", ""):
                    break
                if token == ",":
                    self.take()
                    index += 1
                    continue
                self.record((*path, index), self.line())
                self.value((*path, index))
            self.take()
        else:
            # A scalar, maybe of several tokens (a date and time with a space).
            while self.peek() not in ("\n", ",", "]", "}", ""):
                self.take()


def _unquote(token: str) -> str:
    if token.startswith("'"):
        return token[1:-1]
    try:
        return str(tomllib.loads(f"k = {token}")["k"])
    except (tomllib.TOMLDecodeError, KeyError):
        return token[1:-1]


_ABSENT = object()


def _value_at(data: Any, path: Path) -> Any:
    """The value at ``path`` in ``data``, or ``_ABSENT``."""
    node = data
    for part in path:
        if isinstance(node, dict):
            there = isinstance(part, str) and part in node
        else:
            there = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not there:
            return _ABSENT
        node = node[part]
    return node


class LineFinder:
    """Map error locations to line numbers of one file (best effort, never raises).

    Args:
        text: the file's text.
        data: what ``tomllib`` parsed from it (parsed here when not given), to tell the
            file's values from values of other sources (the environment) at one location.
    """

    def __init__(self, text: str, data: dict[str, Any] | None = None) -> None:
        text = text.removeprefix("\ufeff")
        try:
            self._data = tomllib.loads(text) if data is None else data
            scanner = _Scanner(text)
            scanner.document()
            self._lines = scanner.lines
        except Exception:
            # A line number is only a hint; never let finding it break error reporting.
            self._data = {}
            self._lines = {}

    def __call__(
        self, loc: Sequence[int | str], value: Any, *, missing: bool = False
    ) -> int | None:
        """The line of ``loc`` if the file holds ``value`` there (so the value came from it).

        Args:
            loc: the pydantic error location.
            value: the input the error is about; lines are only given for the file's values.
            missing: the key at ``loc`` is required but absent: point at its table instead.
        """
        path = list(loc[:-1]) if missing else list(loc)
        is_key = bool(path) and path[-1] == "[key]"
        if is_key:
            path.pop()
        if not path:
            return None
        key = tuple(path)
        if not missing:
            found = _value_at(self._data, key)
            if found is _ABSENT or (path[-1] if is_key else found) != value:
                return None
        return self._lines.get(key)
