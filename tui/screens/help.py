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
from textual.widgets import Static

from tui import __version__

_INTRO = (
    "wsdeck reproduces Incari Studio's WebSocket nodes: Start and Stop are requests, and "
    "only the start/stop events (+ and - in the feed) confirm them. Glyphs: > sent, "
    "< received, + start, - stop, ! error, ~ pong."
)


def _area(node: object) -> str:
    """A readable name for the widget or screen a binding belongs to."""
    name = type(node).__name__
    return {
        "WsdeckApp": "Everywhere",
        "MainScreen": "Main screen",
        "ConnectionTable": "Connections",
        "EventFeed": "Event feed",
        "Composer": "Composer",
    }.get(name, name)


class HelpScreen(ModalScreen[None]):
    """Lists key → action for the focused area first, then its parents."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, groups: list[tuple[str, list[tuple[str, str, str, str]]]]) -> None:
        super().__init__()
        self.groups = groups

    @classmethod
    def for_screen(cls, screen: Screen[object]) -> HelpScreen:
        """Collect the active bindings of ``screen`` (focused widget first)."""
        groups: dict[str, list[tuple[str, str, str, str]]] = {}
        app = screen.app
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description:
                continue
            rows = groups.setdefault(_area(active.node), [])
            label = app.get_key_display(binding)
            state = "" if active.enabled else "(not available now)"
            # Textual's own bindings have no id: a keymap cannot rebind them.
            binding_id = binding.id or "(built in)"
            rows.append((label or key, binding.description, binding_id, state))
        return cls([(area, sorted(rows)) for area, rows in groups.items()])

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text(f"wsdeck {__version__} — keys", style="bold"), id="help-title")
            yield Static(Text(_INTRO), id="help-intro")
            for area, rows in self.groups:
                table = Table(
                    title=area,
                    title_justify="left",
                    title_style="bold",
                    expand=True,
                    show_header=False,
                    box=None,
                    padding=(0, 1),
                )
                table.add_column("key", style="bold", width=14)
                table.add_column("action")
                table.add_column("binding id", style="dim")
                table.add_column("", style="italic")
                for key, description, binding_id, state in rows:
                    table.add_row(Text(key), Text(description), Text(binding_id), Text(state))
                yield Static(table)
            yield Static(
                Text(
                    "ctrl+p opens the command palette · escape closes this help · "
                    "[keymap] in the settings rebinds by id ('wsdeck keys' lists them all)"
                )
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
