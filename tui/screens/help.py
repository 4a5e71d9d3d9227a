"""The help screen: the bindings that apply where the focus is, grouped by area.

Each row shows the binding's id too: the name to give it in the settings' ``[keymap]``.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group as RichGroup
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static, TextArea

from tui import __version__
from tui.widgets.footer import typed_away
from tui.widgets.rendered_lines import RenderedLines

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
    "DetailPane": "Detail",
    "DetailScreen": "Detail screen",
    "SettingsScreen": "Settings",
    "ConnectionForm": "Connection form",
}

_PANES: dict[str, str] = {
    "connection": "Connections",
    "connections": "Connections",
    "feed": "Event feed",
    "composer": "Composer",
    "pane": "Moving around",
    "main": "Moving around",
    "automation": "Automation",
    "alerts": "Alerts",
}
"""The main screen's keys by the pane they act on, from their binding id's first part."""

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


BUILT_IN = "Built in (Textual)"
"""The last group: Textual's own keys (scrolling, copying), which a keymap cannot rebind."""


def help_groups(screen: Screen[object]) -> list[Group]:
    """The active bindings of ``screen`` by area, the focused area first, Textual's own last.

    wsdeck's keys come first, grouped by pane (the main screen's own keys by the pane they
    act on), in the order they are declared; Textual's built-in keys (no binding id) follow
    in one group of their own, unless they do what a wsdeck key of the same pane does
    (``↓`` beside ``j``). Keys of one binding share a row (``home, g``). A key the focused
    text field or editor types is left out: it does not reach its binding from there. The
    text editor's own keys collapse into one line after the composer's keys, which come
    first (with the history keys the editor lends it).
    """
    groups: dict[str, list[Row]] = {}
    built_in: list[Row] = []
    actions: dict[tuple[object, str], tuple[list[Row], int]] = {}  # (node, action) -> row
    app = screen.app
    # wsdeck's bindings first (stable: each in its declared order), so that a built-in key
    # joins the row of the wsdeck key that does the same, never the other way round.
    listed = sorted(screen.active_bindings.items(), key=lambda item: item[1].binding.id is None)
    for key, active in listed:
        binding = active.binding
        if not binding.description or typed_away(screen, key, active.node):
            continue
        area = _area(active.node)
        if area == "Main screen" and binding.id:
            area = _PANES.get(binding.id.partition(".")[0], area)
        label = app.get_key_display(binding) or key
        same = actions.get((active.node, binding.action))
        if same is not None and binding.id in (None, same[0][same[1]][2]):
            rows, index = same  # another key of a binding already listed: the same row
            rows[index] = (f"{rows[index][0]}, {label}", *rows[index][1:])
            continue
        rows = groups.setdefault(area, [])
        if area == EDITOR:
            continue
        state = "" if active.enabled else "(not now)"
        # Textual's own bindings have no id: a keymap cannot rebind them.
        if binding.id is None:
            rows = built_in
        rows.append((label, binding.description, binding.id or "(built in)", state))
        actions[active.node, binding.action] = (rows, len(rows) - 1)
    ordered = [(area, rows) for area, rows in groups.items() if rows or area == EDITOR]
    # The focused pane's keys first (Textual lists a widget's keys in the order its class
    # and its bases declare them, so a screen's key may come before the pane's own).
    focused = screen.focused
    for node in focused.ancestors_with_self if focused is not None else ():
        area = _area(node)
        if area != EDITOR and area in groups:
            ordered.sort(key=lambda group: group[0] != area)
            break
    titles = [area for area, _ in ordered]
    if EDITOR in titles:
        editor = ordered.pop(titles.index(EDITOR))
        titles.remove(EDITOR)
        composer = titles.index("Composer") if "Composer" in titles else None
        if composer is not None:
            ordered[composer][1].append(_HISTORY)
        ordered.insert(0 if composer is None else composer + 1, (editor[0], [_EDITOR_KEYS]))
    if built_in:
        ordered.append((BUILT_IN, built_in))
    return ordered


def key_tables(groups: list[Group], *, narrow: bool) -> RenderableType:
    """The groups as tables under their titles; ``narrow``: two columns, not four."""
    parts: list[RenderableType] = []
    for index, (area, rows) in enumerate(groups):
        # An area's title on a line of its own (a table cell would wrap a long one);
        # every area's table has the same fixed columns, so they line up all the way.
        parts.append(Text(area, style="bold underline"))
        table = Table(expand=True, show_header=False, box=None, padding=(0, 1))
        table.add_column("key", style="bold", width=12)
        table.add_column("action", ratio=1)
        if not narrow:
            table.add_column("binding id", style="dim", width=22, overflow="fold")
            table.add_column("", style="italic", width=9)
        for key, description, binding_id, state in rows:
            if narrow:
                action = Text(description)
                if state:
                    action.append(f" {state}", style="italic")
                table.add_row(Text(key), action)
            else:
                table.add_row(Text(key), Text(description), Text(binding_id), Text(state))
        parts.append(table)
        if index < len(groups) - 1:
            parts.append(Text())
    return RichGroup(*parts)


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
        # Under ~70 columns whole ids and a column of their own for "(not now)" leave the
        # action no room: the ids are left out ('wsdeck keys' lists them) and the state
        # follows the action.
        narrow = self.app.size.width < 70
        groups = self.groups
        # The tables are laid out once per content and width, then kept (RenderedLines):
        # laying them out was a quarter of the CPU of every opening.
        key = ("help", narrow, tuple((area, tuple(rows)) for area, rows in groups))
        with VerticalScroll(id="help-body"):
            yield Static(Text(f"wsdeck {__version__} — keys", style="bold"), id="help-title")
            # The keys first: the intro is read once, the keys every time.
            yield RenderedLines(key, lambda: key_tables(groups, narrow=narrow), id="help-keys")
            yield Static(Text(_INTRO), id="help-intro")
            yield Static(
                Text(
                    "ctrl+p opens the command palette · escape closes this help · "
                    "[keymap] in the settings rebinds by id ('wsdeck keys' lists them all)"
                )
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
