"""The ``[keymap]`` section: every binding a keymap may name, and the check of what it says.

A keymap entry is ``binding id = "key,key"``. Both halves are checked before the dashboard
starts (and by ``config check``): an unknown id or key name is a settings problem with its
field path, like any other, instead of a toast at run time or a binding that never fires.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import (
    KEY_ALIASES,
    KEY_NAME_REPLACEMENTS,
    Keys,
    _character_to_key,
    key_to_character,
)

from settings import Problem, SettingsError
from settings.problems import Locate, render_loc
from tui.core.display import printable

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
"""The modifiers Textual reports, in the order it writes them (``ctrl+shift+x``)."""


@dataclass(frozen=True, slots=True)
class BindingInfo:
    """One binding a keymap may override, as declared in the code."""

    id: str
    keys: str
    description: str
    area: str


def bound_classes() -> list[type[DOMNode]]:
    """The App and every screen and widget that declares bindings a keymap may name."""
    from tui.app import WsdeckApp
    from tui.screens import (
        AlertsScreen,
        AutomationScreen,
        ConfirmScreen,
        DetailScreen,
        ExportScreen,
        FilterScreen,
        HelpScreen,
        MainScreen,
        SettingsScreen,
        StopScreen,
    )
    from tui.screens.connection_form import ConnectionForm
    from tui.widgets.composer import Composer
    from tui.widgets.connection_table import ConnectionTable
    from tui.widgets.detail import DetailPane
    from tui.widgets.feed import EventFeed
    from tui.widgets.feed_search import SearchBar

    return [
        WsdeckApp, MainScreen, ConnectionTable, EventFeed, DetailPane, Composer, SearchBar,
        HelpScreen, ConfirmScreen, StopScreen, ExportScreen, FilterScreen, SettingsScreen,
        ConnectionForm, DetailScreen, AutomationScreen, AlertsScreen,
    ]  # fmt: skip


def bindings(classes: Iterable[type[DOMNode]]) -> list[BindingInfo]:
    """Every binding with an id declared by ``classes`` (and their bases), first one wins."""
    found: dict[str, BindingInfo] = {}
    for cls in classes:
        for klass in cls.__mro__:
            for binding in getattr(klass, "BINDINGS", ()):
                if isinstance(binding, Binding) and binding.id and binding.id not in found:
                    description = binding.description or binding.tooltip
                    found[binding.id] = BindingInfo(
                        binding.id, binding.key, description, cls.__name__
                    )
    return list(found.values())


@cache
def _named_keys() -> frozenset[str]:
    """Key names Textual reports that are not a printable character's name (``f5``, ``end``)."""
    names = {key.value.rpartition("+")[2] for key in Keys if not key.value.startswith("<")}
    for alias, others in KEY_ALIASES.items():
        names.add(alias.rpartition("+")[2])
        names.update(other.rpartition("+")[2] for other in others)
    names.update(KEY_NAME_REPLACEMENTS.values())
    return frozenset(names)


def key_problem(key: str) -> str | None:
    """Why ``key`` (one key of a comma-separated list) is not a key Textual can report.

    ``None`` when it is one: a printable character (``?``), a key name (``f5``,
    ``question_mark``, ``pageup``), or either after modifiers (``ctrl+shift+left``).
    """
    if len(key) == 1:
        return None if key.isprintable() and not key.isspace() else "not a printable character"
    *modifiers, base = key.split("+")
    for modifier in modifiers:
        if modifier not in MODIFIERS:
            hint = _suggest(modifier, MODIFIERS)
            return f"{modifier!r} is not a modifier ({', '.join(MODIFIERS)}){hint}"
    if len(set(modifiers)) != len(modifiers):
        return "a modifier is repeated"
    if not base:
        return "a key is missing after the last '+'"
    if len(base) == 1:
        if base.isalnum():
            return None
        name = _character_to_key(base)
        return f"write {'+'.join([*modifiers, name])!r} for {base!r} after a modifier"
    if base in _named_keys() or _character_name(base):
        return None
    return "not a key name" + _suggest(base, sorted(_named_keys()))


def _character_name(name: str) -> bool:
    """Whether ``name`` names a printable character the way Textual does (``full_stop``)."""
    try:
        character = key_to_character(name)
    except (ValueError, TypeError):  # a lookup of a malformed name
        return False
    return character is not None and character.isprintable() and len(character) == 1


def _suggest(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def keymap_problems(
    keymap: Mapping[str, str], known: Iterable[BindingInfo], locate: Locate | None = None
) -> list[Problem]:
    """A problem at ``keymap."<id>"`` for every unknown binding id and every unknown key.

    Args:
        keymap: binding id to comma-separated keys, as in the settings.
        known: the bindings that exist (:func:`bindings`).
        locate: finds an entry's line in the settings file, when given.
    """
    ids = [info.id for info in known]
    problems: list[Problem] = []
    for binding_id, keys in keymap.items():
        loc = ("keymap", binding_id)
        line = locate(loc, keys) if locate is not None else None
        if binding_id not in ids:
            hint = _suggest(binding_id, ids)
            message = f"no binding has this id{hint} ('wsdeck keys' lists them)"
            problems.append(Problem(render_loc(loc), message, line))
            continue
        for key in (part.strip() for part in keys.split(",")):
            reason = key_problem(key)
            if reason is not None:
                message = f"key '{printable(key, 60)}': {reason}"
                problems.append(Problem(render_loc(loc), message, line))
    return problems


def keys_table(keymap: Mapping[str, str], known: Iterable[BindingInfo]) -> list[str]:
    """``wsdeck keys``: one line per binding: id, default keys, current keys, description."""
    rows = [("binding id", "default", "current", "description")]
    for info in known:
        current = keymap.get(info.id, info.keys)
        rows.append((info.id, info.keys, printable(current), printable(info.description)))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    ]


def check_keymap(keymap: Mapping[str, str], path: Path | None) -> None:
    """Refuse a keymap that names an unknown binding or key, like any invalid setting.

    Raises:
        SettingsError: every problem, with its line in ``path`` when the file holds the entry.
    """
    known = bindings(bound_classes())
    if not keymap_problems(keymap, known):
        return
    locate: Locate | None = None
    if path is not None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            from settings.lines import LineFinder

            locate = LineFinder(path.read_text(encoding="utf-8"))
    raise SettingsError(keymap_problems(keymap, known, locate), path)
