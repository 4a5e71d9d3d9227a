"""The connection names from the settings file, shown while the settings are validated.

Drawn in the dashboard's first frame where the connection table will be (see
:mod:`settings.preview`), with the table's look: the main screen covers it once the
settings are valid. It acts on nothing, so it imports nothing of the core.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from tui.core.unsafe import printable

NAME_LIMIT = 24
"""Characters of a name shown, as in the connection table."""

MAX_ROWS = 100
"""Rows drawn at most: the table shows a few; thousands of names would cost the frame."""

LOADING = "… loading"


class ConnectionPreview(Static):
    """One row per configured connection: its name and that its settings are loading."""

    DEFAULT_CSS = """
    ConnectionPreview {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 8;
        border-bottom: solid $primary-darken-2;
    }
    """

    def __init__(self, names: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(_rows(names), id=id)
        self.names = list(names)
        """The names shown, in order."""


def _rows(names: Sequence[str]) -> Text:
    shown = [printable(name, NAME_LIMIT) for name in names[:MAX_ROWS]]
    width = max((cell_len(name) for name in shown), default=0)
    width = max(width, len("name"))
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {'name'.ljust(width)}  state ", style="bold")
    for name in shown:
        text.append(f"\n {name}{' ' * (width - cell_len(name))}  ")
        text.append(LOADING, style="dim")
    return text
