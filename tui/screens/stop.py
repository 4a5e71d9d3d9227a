"""Ask for the close code and reason of a Stop (the Incari Stop node has none; wscat has)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.core.client import CLOSE_REASON_LIMIT, close_problem
from tui.core.display import printable


class StopScreen(ModalScreen[tuple[int, str] | None]):
    """Code and reason for one connection's Stop; enter stops, escape cancels.

    Dismissed with ``(code, reason)`` only when both may be sent (see
    :func:`~tui.core.client.close_problem`); otherwise the problem is shown and it stays.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="stop.cancel"),
    ]
    # Not a query in on_mount: a key typed while the dialog opens may dismiss it before
    # on_mount runs, and the query would then find nothing (a crash).
    AUTO_FOCUS = "#stop-code"

    def __init__(self, connection: str) -> None:
        super().__init__()
        self.connection = connection

    def compose(self) -> ComposeResult:
        with Vertical(id="stop-dialog"):
            title = Text("Stop ", style="bold")
            title.append(printable(self.connection, 40))
            title.append(" with a close code")
            yield Static(title, id="stop-title")
            with Horizontal(classes="stop-row"):
                yield Label("code", classes="stop-label")
                yield Input("1000", id="stop-code", restrict=r"[0-9]{0,5}", compact=True)
            with Horizontal(classes="stop-row"):
                yield Label("reason", classes="stop-label")
                yield Input(
                    id="stop-reason",
                    placeholder=f"optional, at most {CLOSE_REASON_LIMIT} bytes",
                    compact=True,
                )
            yield Static("", id="stop-error")
            yield Label("1000 normal closure · 3000-4999 your application's codes", classes="hint")
            with Horizontal(id="stop-buttons"):
                yield Button("Stop", id="stop-confirm", variant="error", compact=True)
                yield Button("Cancel", id="stop-cancel", compact=True)

    def on_input_submitted(self) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "stop-confirm":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        text = self.query_one("#stop-code", Input).value
        reason = self.query_one("#stop-reason", Input).value
        problem = "give a close code" if not text else close_problem(int(text), reason)
        if problem is not None:
            self.query_one("#stop-error", Static).update(Text(problem))
            return
        self.dismiss((int(text), reason))

    def action_cancel(self) -> None:
        self.dismiss(None)
