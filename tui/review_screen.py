"""The main screen in review (``wsdeck open``): the feed of recorded events, no live controls.

It is the live main screen with the parts that act on connections taken out: the table
lists the recorded connections with their counts (:class:`RecordedTable`), and the node
controls (Start, Stop, Restart, ping, stop with a code, start/stop all) and the composer
are absent, their keys greyed out and off the key bar. The feed, its search, filter,
detail pane, export and clear work as they do live, over the recorded timestamps. The
bar above the feed says what is open: the files, how many events, how far indexing has
got and how many malformed lines were skipped. The fields (settings of the same connection
names, or added from the palette) are the table's columns, the feed's fields view (``v``)
and the plot (``t``), over the recorded timestamps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Header, Static

from tui.core.display import counted, printable
from tui.review_table import RecordedTable
from tui.screens.main import _FLEET_ACTIONS, _SELECTED_ACTIONS, MIN_NAME_WIDTH, MainScreen
from tui.widgets.feed import EventFeed
from tui.widgets.feed_row import NAME_WIDTH
from tui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from tui.review_app import ReviewApp
    from tui.review_store import RecordingStore

__all__ = ["ReviewScreen"]

_LIVE_ONLY = frozenset(
    {*_SELECTED_ACTIONS, *_FLEET_ACTIONS, "compose", "automation", "pause_automation"}
)


def summary(store: RecordingStore) -> str:
    """What is open: files, events, indexing progress and malformed lines."""
    names = ", ".join(source.path.name for source in store.sources)
    text = f"{names}: {counted(store.events, 'event')}"
    if not store.done:
        text += f", loading {store.progress:.0%}"
    if store.malformed:
        lines = f"{store.malformed} malformed line{'s' * (store.malformed != 1)} skipped"
        text += f"; {lines} (first: {store.problems[0]})"
    return text


class ReviewScreen(MainScreen):
    """The feed, search, filter and detail of a recording; the recorded connections above."""

    def __init__(self, store: RecordingStore) -> None:
        super().__init__()
        self.store = store
        # The live table's role (the selection, the focus, the notices' band) with a row
        # per recorded connection: the screen's methods use only what both tables have.
        self._table = RecordedTable(id="connections")  # type: ignore[assignment]

    def compose(self) -> ComposeResult:
        yield Header()
        yield self._table
        with Horizontal(id="controls"):
            yield Static(id="selected")
        yield from self.compose_feed()
        yield KeyFooter()

    def _panes(self) -> list[str]:
        return [pane for pane in super()._panes() if pane != "composer"]

    def _fit_names(self) -> None:
        widest = max((cell_len(printable(name)) for name in self.store.counts), default=NAME_WIDTH)
        self.query_one(EventFeed).name_width = max(MIN_NAME_WIDTH, widest)

    def _refresh_state(self) -> None:
        self._state_due = False
        table = self._table
        assert isinstance(table, RecordedTable)
        known = table.row_count
        counts = self.store.counts
        table.sync(counts, {name: self._extra_cells(name) for name in counts})
        if table.row_count != known:
            self._fit_names()
        self._refresh_selection()
        self._feed_status()

    def _refresh_selection(self) -> None:
        line = Text(summary(self.store))  # file names and problems are data, never markup
        shown = (line.plain, line.spans, str(line.style))
        if shown != self._selected_shown:
            self._selected_shown = shown
            self.query_one("#selected", Static).update(line, layout=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _LIVE_ONLY:
            return False  # nothing is connected: off the key bar, not merely greyed
        return super().check_action(action, parameters)

    def add_field(self, connection: str, name: str, program: str) -> str | None:
        problem = super().add_field(connection, name, program)
        self._review.fields_changed()
        return problem

    def remove_field(self, connection: str, name: str) -> None:
        super().remove_field(connection, name)
        self._review.fields_changed()

    @property
    def _review(self) -> ReviewApp:
        return cast("ReviewApp", self.app)

    def action_filter(self) -> None:
        from tui.screens.filter import FilterScreen

        feed = self.query_one(EventFeed)
        names = list(self.store.counts)
        self.app.push_screen(FilterScreen(feed.filter, names), self._set_filter)
