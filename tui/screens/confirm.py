"""A small yes/no question shown over the current screen."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with ``True`` for yes and ``False`` for no.

    Keys: ``y`` yes, ``n`` or ``escape`` no; ``tab`` moves between the buttons and ``enter``
    presses the focused one.
    """

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
        background: $background 60%;
    }
    ConfirmScreen > #confirm-dialog {
        width: auto;
        min-width: 40;
        max-width: 76;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    ConfirmScreen #confirm-question {
        width: auto;
        max-width: 70;
        margin-bottom: 1;
    }
    ConfirmScreen #confirm-buttons {
        width: auto;
        height: auto;
    }
    ConfirmScreen #confirm-buttons Button {
        margin-right: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel", show=False),
    ]

    def __init__(
        self, question: str, yes: str = "Yes", no: str = "No", *, default: bool = True
    ) -> None:
        """Create the question.

        Args:
            question: the question, shown literally (no markup is interpreted).
            yes: label of the button that answers ``True``.
            no: label of the button that answers ``False``.
            default: which button has the focus at first, so ``enter`` answers it.
        """
        super().__init__()
        self.question = question
        self._yes = yes
        self._no = no
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(Text(self.question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(Text(f"{self._yes} (y)"), id="confirm-yes", variant="primary")
                yield Button(Text(f"{self._no} (n)"), id="confirm-no")

    def on_mount(self) -> None:
        # A query that may find nothing: closed by a key before it mounted, it has no buttons.
        for button in self.query("#confirm-yes" if self._default else "#confirm-no"):
            button.focus()

    def action_answer(self, answer: bool) -> None:
        """Close the question with ``answer``."""
        self.dismiss(answer)

    @on(Button.Pressed, "#confirm-yes")
    def _yes_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)
