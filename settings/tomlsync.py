"""Update a tomlkit document in place to match settings, touching only what changed.

Comments, key order and formatting of untouched values survive. A value counts as unchanged
when the file's text validates to the same value (so ``~/ca.pem`` or an ``http://`` URL is not
rewritten to its normalised form). Keys that are absent and equal to their default stay absent.
"""

from __future__ import annotations

import itertools
from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import Any, cast

import tomlkit
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from tomlkit.container import Container
from tomlkit.items import (
    AoT,
    Array,
    Comment,
    InlineTable,
    Item,
    Null,
    Table,
    Trivia,
    Whitespace,
)

from settings.messages import BinaryMessage

TableLike = MutableMapping[str, Any]
_TRIVIA = (Comment, Whitespace, Null)


def sync_document(document: TableLike, settings: BaseModel) -> None:
    """Make ``document`` (a ``TOMLDocument``) describe ``settings``, editing it in place."""
    _sync_model(document, settings)


def plain(value: Any) -> Any:
    """``value`` as TOML-ready Python data: secrets raw, paths as text, ``None`` left out."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, BaseModel):
        return {
            name: plain(item)
            for name in type(value).model_fields
            if (item := getattr(value, name)) is not None
        }
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _validated(model: type[BaseModel], table: TableLike) -> BaseModel | None:
    """The file's table as a model, or ``None`` when it does not validate on its own."""
    try:
        return model.model_validate(_unwrap(table))
    except ValidationError:
        return None


def _unwrap(value: Any) -> Any:
    return value.unwrap() if hasattr(value, "unwrap") else value


def _is_default(field: FieldInfo, value: Any) -> bool:
    if field.is_required():
        return False
    return bool(value == field.get_default(call_default_factory=True))


def _sync_model(table: TableLike, new: BaseModel) -> None:
    old = _validated(type(new), table)
    for name, field in type(new).model_fields.items():
        value = getattr(new, name)
        present = name in table
        if present and old is not None and getattr(old, name) == value:
            continue
        if value is None:
            if present:
                del table[name]
            continue
        if not present:
            if not _is_default(field, value):
                table[name] = _new_item(value, inline=isinstance(table, InlineTable))
            continue
        current = table[name]
        if old is None and _unwrap(current) == plain(value):
            continue
        if isinstance(current, AoT) and not value:
            # Assigning [] would leave a bare key where the tables were; drop the key instead.
            del table[name]
            continue
        if _is_section(value) and isinstance(current, Table | InlineTable):
            _sync_model(current, value)
        elif _is_model_list(value) and isinstance(current, AoT | Array) and len(current):
            _sync_tables(current, value, parent=table)
        elif isinstance(value, dict) and isinstance(current, Table | InlineTable):
            _sync_mapping(current, value)
        else:
            table[name] = _new_item(value, inline=isinstance(table, InlineTable))


def _is_section(value: Any) -> bool:
    return isinstance(value, BaseModel) and not isinstance(value, BinaryMessage)


def _is_model_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_is_section(item) for item in value)


def _sync_mapping(table: TableLike, new: dict[str, Any]) -> None:
    """Sync a free-form mapping (headers, saved messages, keymap): keys come and go."""
    for key in [key for key in table if key not in new]:
        del table[key]
    for key, value in new.items():
        if key in table and _unwrap(table[key]) == plain(value):
            continue
        table[key] = _new_item(value, inline=True)


def _keys_of(table: Any, model: type[BaseModel]) -> dict[str, Any]:
    """The ``name`` and ``url`` of an old table, validated when it validates, else as written."""
    old = _validated(model, table) if isinstance(table, Table | InlineTable) else None
    raw = _unwrap(table) if isinstance(table, Table | InlineTable) else {}
    keys = {key: getattr(old, key, None) if old is not None else raw.get(key) for key in _KEYS}
    if isinstance(keys["name"], str):
        keys["name"] = keys["name"].strip()
    return keys


_KEYS = ("name", "url")


def _match(old: Sequence[dict[str, Any]], new: Sequence[BaseModel]) -> list[int | None]:
    """For each new item, the index of the old table it updates, or ``None`` for a new table.

    Same name first; then same URL (a renamed connection keeps its table and comments);
    then the same position if the table there lost its name.
    """
    result: list[int | None] = [None] * len(new)
    used: set[int] = set()
    for key in _KEYS:
        for position, item in enumerate(new):
            if result[position] is not None:
                continue
            value = getattr(item, key, None)
            for index, keys in enumerate(old):
                if index not in used and value is not None and keys[key] == value:
                    used.add(index)
                    result[position] = index
                    break
    new_names = {getattr(item, "name", None) for item in new}
    for position in range(min(len(new), len(old))):
        free = result[position] is None and position not in used
        if free and old[position]["name"] not in new_names:
            used.add(position)
            result[position] = position
    return result


def _sync_tables(array: AoT | Array, new: list[BaseModel], *, parent: TableLike) -> None:
    """Sync ``[[connections]]`` (or an inline array of tables) item by item."""
    tail = _carry_comments(array, parent) if isinstance(array, AoT) else ""
    old_tables = list(array)
    matches = _match([_keys_of(table, type(new[0])) for table in old_tables], new)
    inline = isinstance(array, Array)
    targets: list[Any] = []
    for model, index in zip(new, matches, strict=True):
        if index is None:
            targets.append(_new_item(model, inline=inline))
        else:
            _sync_model(old_tables[index], model)
            targets.append(old_tables[index])
    used = {index for index in matches if index is not None}
    for index in reversed(range(len(old_tables))):
        if index not in used:
            del array[index]
    kept = [id(table) for index, table in enumerate(old_tables) if index in used]
    fresh = {id(table) for table, index in zip(targets, matches, strict=True) if index is None}
    if [id(table) for table in targets if id(table) not in fresh] == kept:
        for position, table in enumerate(targets):
            if id(table) in fresh:
                array.insert(position, table)
    else:
        # Reordered: move the existing tables (with their comments) into the new order.
        for index in reversed(range(len(array))):
            del array[index]
        for table in targets:
            array.append(table)
        fresh = {id(table) for table in targets}
    if isinstance(array, AoT):
        _space_tables(array, fresh)
        if tail:
            _put_back(tail, array[-1])


def _carry_comments(array: AoT, parent: TableLike) -> str:
    """Give every ``[[...]]`` table the comment lines written above its header.

    tomlkit keeps such lines at the end of whatever comes before the header (the previous
    table, or its last sub-table), so deleting a table took the next one's comment with
    it and left its own behind. Moved into the table's indent, they are written right above
    the header again, wherever the table goes.

    Returns:
        The comment lines after the last table, with their blank lines (they belong to
        what follows the array), for the caller to put back after the last table left.
    """
    tables = list(array)
    body = _body(parent)
    position = next((index for index, (_, item) in enumerate(body) if item is array), None)
    if position is not None:  # always found in the layouts tried; a save must not crash if not
        previous = _last_item(body[:position])
        if isinstance(previous, Table):
            heading = _take_comments(_end_of(previous).body)
        else:  # the array follows top-level keys or comments
            heading = _take_comments(body, position)
        tables[0].trivia.indent = heading + tables[0].trivia.indent
    for previous, table in itertools.pairwise(tables):
        table.trivia.indent = _take_comments(_end_of(previous).body) + table.trivia.indent
    return _take_comments(_end_of(tables[-1]).body, blank_lines=True)


def _put_back(tail: str, table: Table) -> None:
    """Write ``tail`` (comment lines from :func:`_carry_comments`) after ``table``."""
    end = _end_of(table)
    if end.as_string().endswith("\n\n"):
        tail = tail.lstrip("\n")
    # Whole comment lines, rendered as they are.
    end.add(Comment(Trivia(comment_ws="", comment=tail, trail="")))


def _body(table: TableLike) -> list[tuple[Any, Item]]:
    return table.body if isinstance(table, Container) else cast(Table, table).value.body


def _last_item(body: Sequence[tuple[Any, Item]]) -> Item | None:
    """The last item that is not a removed one (tomlkit leaves ``Null`` in their place)."""
    return next((item for _, item in reversed(body) if not isinstance(item, Null)), None)


def _end_of(table: Table) -> Container:
    """The container whose body ends where ``table`` ends in the file."""
    container = table.value
    while True:
        last = _last_item(container.body)
        if isinstance(last, AoT) and len(last):
            last = last[-1]
        if not isinstance(last, Table):
            return container
        container = last.value


def _take_comments(
    body: list[tuple[Any, Item]], end: int | None = None, *, blank_lines: bool = False
) -> str:
    """Remove the comment lines right before ``body[end]`` (default: its end); their text.

    Only the lines right above (a blank line ends them): earlier ones describe something
    else, e.g. the file. With ``blank_lines``, every comment and blank line up to ``end``.
    Removed items become ``Null``, as tomlkit removes them, so indices stay right.
    """
    end = len(body) if end is None else end
    kinds = _TRIVIA if blank_lines else (Comment, Null)
    start = end
    while start and body[start - 1][0] is None and isinstance(body[start - 1][1], kinds):
        start -= 1
    if not any(isinstance(item, Comment) for _, item in body[start:end]):
        return ""
    text = "".join(item.as_string() for _, item in body[start:end])
    for index in range(start, end):
        body[index] = (None, Null())
    return text


def _space_tables(array: AoT, fresh: set[int]) -> None:
    """Put a blank line between a new ``[[...]]`` table and a neighbour it would touch."""
    tables = list(array)
    for previous, table in itertools.pairwise(tables):
        if id(previous) not in fresh and id(table) not in fresh:
            continue
        text = previous.as_string()
        last_line = text.rstrip("\n").rpartition("\n")[2].strip()
        # A comment right above a table header belongs to that table: keep them together.
        # The indent may hold the comment lines carried above the header (_carry_comments):
        # only a blank line at its start separates the tables.
        blank_first = table.trivia.indent.lstrip(" \t").startswith("\n")
        if text.endswith("\n\n") or last_line.startswith("#") or blank_first:
            continue
        table.trivia.indent = "\n" + table.trivia.indent


def _new_item(value: Any, *, inline: bool) -> Item:
    """A fresh TOML item for ``value``; model fields equal to their defaults are left out."""
    if isinstance(value, BinaryMessage):
        message = tomlkit.inline_table()
        message.update(plain(value))
        return message
    if _is_section(value):
        table: Table | InlineTable = tomlkit.inline_table() if inline else tomlkit.table()
        for name, field in type(value).model_fields.items():
            child = getattr(value, name)
            if child is not None and not _is_default(field, child):
                table[name] = _new_item(child, inline=inline)
        return table
    if _is_model_list(value) and not inline:
        tables = tomlkit.aot()
        for model in value:
            tables.append(_new_item(model, inline=False))
        return tables
    if isinstance(value, list):
        array = tomlkit.array()
        for element in value:
            array.append(_new_item(element, inline=True))
        return array
    if isinstance(value, dict):
        mapping: Table | InlineTable = tomlkit.inline_table() if inline else tomlkit.table()
        for key, element in value.items():
            mapping[key] = _new_item(element, inline=True)
        return mapping
    scalar: Item = tomlkit.item(plain(value))
    return scalar
