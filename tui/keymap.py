"""The binding ids a ``[keymap]`` section may override, gathered from every class."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding
from textual.dom import DOMNode


def binding_ids(classes: Iterable[type[DOMNode]]) -> set[str]:
    """Every ``Binding.id`` declared by ``classes`` (and their bases)."""
    ids: set[str] = set()
    for cls in classes:
        for klass in cls.__mro__:
            for binding in getattr(klass, "BINDINGS", ()):
                if isinstance(binding, Binding) and binding.id:
                    ids.add(binding.id)
    return ids


def unknown_ids(keymap: dict[str, str], classes: Iterable[type[DOMNode]]) -> list[str]:
    """Keymap entries that name no binding (typos, or ids from another version)."""
    known = binding_ids(classes)
    return sorted(name for name in keymap if name not in known)


def bound_classes() -> list[type[DOMNode]]:
    """The App and every screen and widget that declares bindings a keymap may name."""
    from tui.app import WsdeckApp
    from tui.screens import (
        ConfirmScreen,
        ExportScreen,
        FilterScreen,
        HelpScreen,
        MainScreen,
        SettingsScreen,
    )
    from tui.screens.connection_form import ConnectionForm
    from tui.widgets import Composer, ConnectionTable, EventFeed, SearchBar

    return [
        WsdeckApp, MainScreen, HelpScreen, ConfirmScreen, ExportScreen, FilterScreen,
        SettingsScreen, ConnectionForm, Composer, ConnectionTable, EventFeed, SearchBar,
    ]  # fmt: skip
