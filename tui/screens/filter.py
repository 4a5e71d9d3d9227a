"""Choose which connections and event kinds the feed shows."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label
from textual.widgets.selection_list import Selection

from tui.core.display import printable
from tui.core.events import EVENT_NAMES
from tui.core.ring import FeedFilter
from tui.widgets.checklist import CheckList


class FilterScreen(ModalScreen[FeedFilter | None]):
    """Two checklists; space toggles, enter/ctrl+s applies, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="filter.apply"),
        Binding("escape", "cancel", "Cancel", id="filter.cancel"),
    ]

    def __init__(self, current: FeedFilter, names: list[str]) -> None:
        super().__init__()
        self.current = current
        self.names = names

    def compose(self) -> ComposeResult:
        shown = self.current.connections
        kinds = self.current.kinds
        with Vertical(id="filter-dialog"):
            yield Label("Show events of (space toggles, ctrl+s applies)")
            with Horizontal():
                connections = CheckList[str](
                    *(
                        Selection(Text(printable(n, 30)), n, shown is None or n in shown)
                        for n in self.names
                    ),
                    id="filter-connections",
                )
                # Titled here, not in on_mount: an escape typed while the dialog opens
                # could remove its children before on_mount ran (a NoMatches crash).
                connections.border_title = "connections"
                yield connections
                event_kinds = CheckList[str](
                    *(Selection(k, k, kinds is None or k in kinds) for k in EVENT_NAMES),
                    id="filter-kinds",
                )
                event_kinds.border_title = "kinds"
                yield event_kinds
            with Horizontal(id="filter-buttons"):
                yield Button("Apply", id="apply", variant="primary", compact=True)
                yield Button("All", id="all", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def action_apply(self) -> None:
        names = set(self.query_one("#filter-connections", CheckList).selected)
        kinds = set(self.query_one("#filter-kinds", CheckList).selected)
        self.dismiss(
            replace(
                self.current,
                connections=None if names >= set(self.names) else frozenset(names),
                kinds=None if kinds >= set(EVENT_NAMES) else frozenset(kinds),
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        elif event.button.id == "all":
            self.dismiss(replace(self.current, connections=None, kinds=None))
        else:
            self.action_cancel()
