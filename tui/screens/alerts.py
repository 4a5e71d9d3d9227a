"""The alerts screen (``a``): active alerts, then recent cleared ones; acknowledge, or go
to the event that raised one in the feed."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.core.display import clock, printable
from tui.widgets.alert_header import AlertHeader
from tui.widgets.footer import KeyFooter
from tui.widgets.text_column import fill

if TYPE_CHECKING:
    from tui.core.watch import Alert, WatchEngine

REFRESH = 1.0
"""Seconds between two updates of the durations."""

COLUMNS = ("level", "connection", "alert", "raised", "for", "state", "message")

_LEVEL_STYLES = {"critical": "bold reverse red", "warning": "bold yellow"}


def for_how_long(seconds: float) -> str:
    """``45s``, ``12m 5s``, ``3h 20m``, ``2d 4h``: how long an alert has been raised."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def alert_state(alert: Alert) -> str:
    """``active``, ``acknowledged`` (active and seen) or ``cleared``."""
    if not alert.active:
        return "cleared"
    return "acknowledged" if alert.acknowledged else "active"


class AlertsScreen(Screen[int | None]):
    """Every alert the watches raised this run (most recent cleared ones up to a limit).

    Dismissed with the ``seq`` of the event to show in the feed (``g``), or None.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "acknowledge", "Acknowledge", id="alerts.acknowledge"),
        Binding("g", "go_to_cause", "Show in feed", id="alerts.go_to_cause"),
        Binding("A", "acknowledge_all", "Acknowledge all", id="alerts.acknowledge_all"),
        Binding("escape,a", "close", "Back", id="alerts.close"),
    ]

    def __init__(self, engine: WatchEngine, *, utc: bool = False) -> None:
        super().__init__()
        self.engine = engine
        self.utc = utc
        self._rows: list[Alert] = []
        self._version = -1

    def compose(self) -> ComposeResult:
        yield AlertHeader()
        yield Static(id="alerts-summary", markup=False)
        table: DataTable[Text] = DataTable(id="alerts-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="alerts-detail", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "alerts"
        self.refresh_alerts()
        self.set_interval(REFRESH, self.refresh_alerts)
        self.query_one(DataTable).focus()

    @property
    def selected(self) -> Alert | None:
        """The alert under the cursor."""
        row = self.query_one(DataTable).cursor_row
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def refresh_alerts(self) -> None:
        """List the alerts again (the cursor stays on its alert); durations move on."""
        engine = self.engine
        table: DataTable[Text] = self.query_one(DataTable)
        selected = self.selected
        self._rows = engine.alerts()
        self._version = engine.version
        now = engine.clock()
        cells = [self._cells(alert, now) for alert in self._rows]
        fill(table, COLUMNS, cells, self.app.size.width)
        if selected in self._rows:
            table.move_cursor(row=self._rows.index(selected))
        self._show_selected()
        critical, warning = engine.counts()
        self.query_one(AlertHeader).show_counts(critical, warning)
        cleared = len(self._rows) - critical - warning
        summary = (
            f"{critical + warning} active, {cleared} cleared · enter acknowledges · "
            "g shows the event that raised it"
            if self._rows
            else "No alerts: watches are set per connection in the settings file "
            "([connections.watch], see the README)."
        )
        if engine.lost:
            summary += (
                f" · {engine.lost} alert event{'s' * (engine.lost != 1)} not in the feed or"
                " the recording: the event bus stayed full"
            )
        self.query_one("#alerts-summary", Static).update(summary)

    def _cells(self, alert: Alert, now: float) -> list[Text]:
        word = "⚠ crit" if alert.level == "critical" else "⚠ warn"
        level = Text(word, style=_LEVEL_STYLES[alert.level] if alert.active else "dim")
        raised = clock(alert.raised_at, self.utc)[:8]  # HH:MM:SS
        # Names and messages come from settings and servers: Text, never markup.
        return [
            level,
            Text(printable(alert.connection, 24)),
            Text(printable(alert.name, 24)),
            Text(raised),
            Text(for_how_long(alert.duration(now))),
            Text(alert_state(alert), style="bold" if alert.active else "dim"),
            Text(printable(alert.message, 80)),
        ]

    def on_resize(self) -> None:
        self.refresh_alerts()  # the message column takes the new width

    @on(DataTable.RowHighlighted)
    def _show_selected(self) -> None:
        """The selected alert's whole message, under the table (the column may cut it)."""
        alert = self.selected
        detail = self.query_one("#alerts-detail", Static)
        if alert is None:
            detail.update("")
            return
        where = f"{printable(alert.connection, 24)} · {printable(alert.name, 24)}"
        detail.update(Text(f"{where}: {printable(alert.message, 500)}"))

    def action_acknowledge(self) -> None:
        """The selected alert is seen: its bell stops, it stays until its watch clears it."""
        alert = self.selected
        if alert is None:
            return
        self.engine.acknowledge(alert)
        self.refresh_alerts()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        # The table takes enter for itself (select_cursor): acknowledging is its selection.
        self.action_acknowledge()

    def action_acknowledge_all(self) -> None:
        for alert in list(self.engine.active.values()):
            self.engine.acknowledge(alert)
        self.refresh_alerts()

    def action_go_to_cause(self) -> None:
        alert = self.selected
        if alert is None:
            return
        if alert.cause is None:
            self.notify("No event raised this alert (nothing arrived before it).", timeout=4)
            return
        self.dismiss(alert.cause)

    def action_close(self) -> None:
        self.dismiss(None)
