"""The composer's editor: a TextArea that recalls sent messages with up/down at its edges."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import TextArea

from tui.widgets.composer_model import Mode

PLACEHOLDERS: dict[Mode, str] = {
    "text": "text message; ctrl+j sends, ctrl+t changes mode",
    "json": 'JSON, e.g. {"type": "ping"}; ctrl+f formats',
    "hex": "hex bytes, e.g. 01 ff 7e",
    "base64": "base64, e.g. AAEC/w==",
}
"""What the empty editor suggests in each mode."""


class HistoryTextArea(TextArea):
    """A soft-wrapping TextArea whose up/down keys step through history at its edges.

    ``up`` on the first visual row and ``down`` on the last ask ``on_history`` (-1 or +1) to
    load another entry; when it returns False (no entry that way) the cursor moves as usual.
    """

    def __init__(self, on_history: Callable[[int], bool], *, id: str, placeholder: str) -> None:
        super().__init__(id=id, placeholder=placeholder, soft_wrap=True, show_line_numbers=False)
        # A callback, not a message: whether history moved decides whether the cursor moves.
        self._on_history = on_history

    def action_cursor_up(self, select: bool = False) -> None:
        at_top = self.navigator.is_first_wrapped_line(self.cursor_location)
        if select or not self.selection.is_empty or not at_top or not self._on_history(-1):
            super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        at_bottom = self.navigator.is_last_wrapped_line(self.cursor_location)
        if select or not self.selection.is_empty or not at_bottom or not self._on_history(1):
            super().action_cursor_down(select)
