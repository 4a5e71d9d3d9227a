"""The ``field: add`` dialog: a name and a jq program, added to a connection for this run.

Prefilled by the caller (the path under the detail pane's cursor, or the highlighted
message's first value). ``add`` adds the field and says why it cannot (the settings'
checks: a field name, a :data:`~settings.patterns.JqProgram`, at most 8 fields): the reason
is shown in the dialog, which stays open to be corrected; escape leaves without adding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from settings.fields import FIELD_NAME_LIMIT
from tui.core.display import printable

__all__ = ["FieldAddScreen"]


class FieldAddScreen(ModalScreen[tuple[str, str] | None]):
    """Name and jq program of a new field of ``connection``; enter adds, escape cancels.

    Dismissed with ``(name, program)`` once ``add`` took them (returned ``None``).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="field_add.cancel"),
    ]
    # Not a query in on_mount: a key typed while the dialog opens may land before it runs.
    AUTO_FOCUS = "#field-name"

    def __init__(
        self, connection: str, name: str, program: str, add: Callable[[str, str], str | None]
    ) -> None:
        super().__init__()
        self.connection = connection
        self._prefill = (name, program)
        self._add = add

    def compose(self) -> ComposeResult:
        with Vertical(id="field-dialog"):
            title = Text("Add a field to ", style="bold")
            title.append(printable(self.connection, 40))
            yield Static(title, id="field-title")
            with Horizontal(classes="field-row"):
                yield Label("name", classes="field-label")
                yield Input(
                    self._prefill[0],
                    id="field-name",
                    max_length=FIELD_NAME_LIMIT,
                    placeholder="the column's header",
                    compact=True,
                )
            with Horizontal(classes="field-row"):
                yield Label("jq", classes="field-label")
                yield Input(
                    self._prefill[1], id="field-jq", placeholder=".temperature", compact=True
                )
            yield Static("", id="field-error")
            yield Label(
                "for this run; fields = {…} in the settings keeps it · enter adds", classes="hint"
            )
            with Horizontal(id="field-buttons"):
                yield Button("Add", id="field-confirm", variant="primary", compact=True)
                yield Button("Cancel", id="field-cancel", compact=True)

    def on_input_submitted(self) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "field-confirm":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        name = self.query_one("#field-name", Input).value
        program = self.query_one("#field-jq", Input).value
        problem = self._add(name, program)
        if problem is not None:
            # Text, not markup: the message quotes what was typed.
            self.query_one("#field-error", Static).update(Text(printable(problem, 200)))
            return
        self.dismiss((name, program))

    def action_cancel(self) -> None:
        self.dismiss(None)
