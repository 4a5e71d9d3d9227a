"""The automation screen (``A``): every schedule, reply rule and macro with its state.

States: ``active``, ``paused`` (this connection's ``P``, or ``!`` for everything),
``suspended`` (a reply rule stopped by loop detection), ``closed`` (a schedule whose
connection is not open), and a macro's ``idle``, ``running``, ``done``, ``failed`` or
``cancelled``. The table is read again twice a second; names and details come from settings
and payloads, so every cell is plain text.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from tui.core.automation import Status
from tui.core.display import clock, printable
from tui.widgets.footer import KeyFooter
from tui.widgets.text_column import fill

if TYPE_CHECKING:
    from tui.app import WsdeckApp

REFRESH = 0.5
"""Seconds between two readings of the automation's state."""

_COLUMNS = ("connection", "kind", "name", "state", "count", "last run", "next", "detail")
_SPARE = ("last run", "count")
"""Left out, in this order, on a screen too narrow for them (under 80 columns)."""
_STATE_STYLES = {"suspended": "bold red", "failed": "bold red", "paused": "bold yellow"}


def status_row(status: Status, now: float, utc: bool = False) -> list[Text]:
    """The table cells of one schedule, rule or macro."""
    last = clock(status.last_run, utc)[:8] if status.last_run is not None else "—"
    due = f"in {max(0.0, status.next_due - now):.1f} s" if status.next_due is not None else ""
    return [
        Text(printable(status.connection, 30)),
        Text(status.kind),
        Text(printable(status.name, 30)),
        Text(status.state, style=_STATE_STYLES.get(status.state, "")),
        Text(str(status.count), justify="right"),
        Text(last),
        Text(due),
        Text(printable(status.detail, 80)),
    ]


class AutomationScreen(Screen[None]):
    """Lists the automation; pauses, resumes, runs and cancels from the keyboard."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="automation.back"),
        Binding("p", "pause", "Pause / resume connection", id="automation.row_pause"),
        # enter on a row does the same (the table's own enter: RowSelected below).
        Binding("r", "run", "Run macro / resume rule", id="automation.run"),
        Binding("c", "cancel", "Cancel macro", id="automation.cancel"),
    ]

    @property
    def wsdeck(self) -> WsdeckApp:
        return cast("WsdeckApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="automation-state")
        table: DataTable[Text] = DataTable(id="automation-table", cursor_type="row")
        yield table
        yield Static(id="automation-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "automation"
        self.refresh_rows()
        self.set_interval(REFRESH, self.refresh_rows)
        self.query_one(DataTable).focus()

    def _statuses(self) -> list[Status]:
        return self.wsdeck.automation.statuses()

    def refresh_rows(self) -> None:
        """Read every state again; the cursor stays on its row."""
        automation = self.wsdeck.automation
        state = self.query_one("#automation-state", Static)
        if automation.paused:
            state.update(Text("ALL AUTOMATION PAUSED — ! resumes", style="bold reverse"))
        else:
            count = len(automation.connections)
            line = f"Automation active on {count} connection{'s' * (count != 1)} — ! pauses all"
            if automation.skipped:  # the rules fell behind a flood: say how far
                line += f" — {automation.skipped} received messages skipped by the rules"
            state.update(Text(line))
        table: DataTable[Text] = self.query_one(DataTable)
        row = table.cursor_row
        now = time.time()
        utc = self.wsdeck.settings.feed.timestamps == "utc"
        statuses = self._statuses()
        rows = [status_row(status, now, utc) for status in statuses]
        fill(table, _COLUMNS, rows, self.app.size.width, spare=_SPARE)
        if not statuses:
            table.add_row(Text("no schedules, reply rules or macros in the settings"))
        if statuses:
            table.move_cursor(row=min(row, len(statuses) - 1))
        self._show_selected()

    def on_resize(self) -> None:
        self.refresh_rows()  # the detail column takes the new width

    def on_data_table_row_highlighted(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        """The selected row's whole detail, under the table (the column may cut it)."""
        status = self._current()
        text = ""
        if status is not None:
            name = f"{printable(status.connection, 30)} · {printable(status.name, 30)}"
            text = f"{name}: {printable(status.detail, 500)}"
        self.query_one("#automation-detail", Static).update(Text(text))

    def _current(self) -> Status | None:
        statuses = self._statuses()
        row = self.query_one(DataTable).cursor_row
        return statuses[row] if 0 <= row < len(statuses) else None

    def action_pause(self) -> None:
        status = self._current()
        if status is not None:
            self.wsdeck.toggle_automation(status.connection)
            self.refresh_rows()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_run()

    def action_run(self) -> None:
        status = self._current()
        if status is None:
            return
        if status.kind == "macro":
            self.wsdeck.run_macro(status.connection, status.name)
        elif status.state == "suspended":
            self.wsdeck.automation.connections[status.connection].resume_rule(status.name)
        self.refresh_rows()

    def action_cancel(self) -> None:
        status = self._current()
        if status is None or status.kind != "macro":
            return
        run = self.wsdeck.automation.macro_runs(status.connection, status.name)
        if run is not None and run.cancel():
            self.refresh_rows()
