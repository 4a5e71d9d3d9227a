"""The help screen: the bindings that apply where the focus is, grouped by area.

Each row shows the binding's id too: the name to give it in the settings' ``[keymap]``.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static, TextArea

from tui import __version__

_INTRO = (
    "wsdeck reproduces Incari Studio's WebSocket nodes: Start and Stop are requests, and "
    "only the start/stop events (+ and - in the feed) confirm them. Glyphs: > sent, "
    "< received, + start, - stop, ! error, ~ pong."
)


Row = tuple[str, str, str, str]
"""One help row: keys, what they do, the binding id, and "(not now)" or ""."""
Group = tuple[str, list[Row]]
"""An area's title and its rows."""

_AREAS: dict[str, str] = {
    "WsdeckApp": "Everywhere",
    "MainScreen": "Main screen",
    "ConnectionTable": "Connections",
    "EventFeed": "Event feed",
    "Composer": "Composer",
    "SearchBar": "Search",
    "SettingsScreen": "Settings",
    "ConnectionForm": "Connection form",
}

EDITOR = "Text editor"
_EDITOR_KEYS: Row = (
    "(usual keys)",
    "arrows, home/end, shift+arrows select, ctrl+w/ctrl+u delete, ctrl+x/c/v, ctrl+z/ctrl+y",
    "(built in)",
    "",
)
"""The text editor's ~45 keys, in one line: they are the ones every editor has."""
_HISTORY: Row = ("↑/↓ at edges", "previous / next sent message", "(built in)", "")
"""History is the editor's up/down on its first and last line, not a binding of its own."""


def _area(node: object) -> str:
    """A name the operator knows for the pane or screen a binding belongs to."""
    if isinstance(node, TextArea):
        return EDITOR
    name = _AREAS.get(type(node).__name__)
    if name is not None:
        return name
    if isinstance(node, Input):
        return "Text field"
    if isinstance(node, Button):
        return "Button"
    if isinstance(node, Screen):
        return "This screen"
    return "This pane"  # never a class name: they mean nothing to an operator


def help_groups(screen: Screen[object]) -> list[Group]:
    """The active bindings of ``screen`` by area, the focused area first.

    The text editor's own keys collapse into one line after the composer's keys, which
    come first (with the history keys the editor lends it).
    """
    groups: dict[str, list[Row]] = {}
    app = screen.app
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description:
            continue
        area = _area(active.node)
        rows = groups.setdefault(area, [])
        if area == EDITOR:
            continue
        label = app.get_key_display(binding)
        state = "" if active.enabled else "(not now)"
        # Textual's own bindings have no id: a keymap cannot rebind them.
        binding_id = binding.id or "(built in)"
        rows.append((label or key, binding.description, binding_id, state))
    ordered = [(area, sorted(rows)) for area, rows in groups.items()]
    titles = [area for area, _ in ordered]
    if EDITOR in titles:
        editor = ordered.pop(titles.index(EDITOR))
        composer = titles.index("Composer") if "Composer" in titles else None
        if composer is not None:
            ordered[composer - 1][1].append(_HISTORY)
        ordered.insert(0 if composer is None else composer, (editor[0], [_EDITOR_KEYS]))
    return ordered


class HelpScreen(ModalScreen[None]):
    """Lists key → action for the focused area first, then its parents."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, groups: list[Group]) -> None:
        super().__init__()
        self.groups = groups

    @classmethod
    def for_screen(cls, screen: Screen[object]) -> HelpScreen:
        """The help for ``screen`` (see :func:`help_groups`)."""
        return cls(help_groups(screen))

    def compose(self) -> ComposeResult:
        # One table for every area, so that the columns line up all the way down.
        table = Table(expand=True, show_header=False, box=None, padding=(0, 1))
        # Under ~70 columns whole ids and a column of their own for "(not now)" leave the
        # action no room: ids fold and the state follows the action.
        narrow = self.app.size.width < 70
        table.add_column("key", style="bold", width=12)
        table.add_column("action", ratio=1)
        table.add_column("binding id", style="dim", width=12 if narrow else 22, overflow="fold")
        if not narrow:
            table.add_column("", style="italic", width=9)
        for index, (area, rows) in enumerate(self.groups):
            if index:
                table.add_row()
            table.add_row(Text(area, style="bold underline"))
            for key, description, binding_id, state in rows:
                if narrow:
                    action = Text(description)
                    if state:
                        action.append(f" {state}", style="italic")
                    table.add_row(Text(key), action, Text(binding_id))
                else:
                    table.add_row(Text(key), Text(description), Text(binding_id), Text(state))
        with VerticalScroll(id="help-body"):
            yield Static(Text(f"wsdeck {__version__} — keys", style="bold"), id="help-title")
            yield Static(Text(_INTRO), id="help-intro")
            yield Static(table, id="help-keys")
            yield Static(
                Text(
                    "ctrl+p opens the command palette · escape closes this help · "
                    "[keymap] in the settings rebinds by id ('wsdeck keys' lists them all)"
                )
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
