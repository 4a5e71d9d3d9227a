"""The main screen: connections table, node controls and composer, and the live event feed."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from rich.cells import cell_len
from rich.text import Span, Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Static

from tui.core.client import State, WsClient
from tui.core.display import counted, printable
from tui.core.events import Event, PayloadEvent, ReceiveEvent
from tui.core.fields import MISSING, format_value, sparkline
from tui.core.ring import FeedFilter
from tui.toasts import confine
from tui.widgets.alert_header import AlertHeader
from tui.widgets.automation_line import automation_line
from tui.widgets.composer import Composer
from tui.widgets.connection_table import ConnectionTable, badge, response_times, round_trip
from tui.widgets.detail import DetailPane
from tui.widgets.feed import EventFeed
from tui.widgets.feed_row import NAME_WIDTH
from tui.widgets.feed_search import SearchBar
from tui.widgets.feed_status import FeedStatus, match_text, shown_by
from tui.widgets.footer import KeyFooter
from tui.widgets.table_columns import RESPONSE, SPARK_BARS, spark_column

if TYPE_CHECKING:
    from tui.app import WsdeckApp

# Counters and badges change continuously: twice a second reads as live (top and htop take
# 1.5-3 s). At 4 a second, 500 connections x 10 msgs/s cost the App 60 µs of CPU per
# message instead of 52 (the plain client: 39), when each refresh repainted every visible
# cell of Textual's DataTable (the table now redraws only the lines that changed). Start,
# Stop and settings changes refresh at once, and the feed shows every event as it comes.
STATE_REFRESH = 0.5

MARK_TEXT = {"request": "↪ {rtt} ", "response": "↩ {rtt} ", "timeout": "⏱ timeout "}
"""How the feed marks a paired request, its response, and a request that timed out."""

FIELD_WIDTH = 16
"""Cells a field's value takes in the table at most."""

MIN_NAME_WIDTH = 4
"""The feed's name column is never narrower than this (``name`` plus room)."""


_NODE_ACTIONS = ("start", "stop", "restart")
_SELECTED_ACTIONS = (*_NODE_ACTIONS, "stop_code", "ping")  # act on the selected connection
_FLEET_ACTIONS = ("start_all", "stop_all")  # act on every connection


def _allowed(action: str, state: State | None) -> bool:
    """Whether a node control applies to the selected connection (``None``: none selected)."""
    if action == "start":
        return state is State.STOPPED
    if action in ("stop", "stop_code"):
        return state not in (None, State.STOPPED, State.CLOSING)
    if action == "ping":
        return state is State.OPEN
    return state is not None  # restart


def _fleet_allowed(action: str, clients: Iterable[WsClient]) -> bool:
    """Whether start all / stop all has a connection to act on."""
    if action == "start_all":
        return any(client.state is State.STOPPED for client in clients)
    return any(client.state not in (State.STOPPED, State.CLOSING) for client in clients)


class MainScreen(Screen[None]):
    """Everything an operator needs on one screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start", id="connection.start"),
        Binding("x", "stop", "Stop", id="connection.stop"),
        Binding("r", "restart", "Restart", id="connection.restart"),
        Binding("C", "stop_code", "Stop with code…", id="connection.stop_code", show=False),
        Binding("p", "ping", "Ping", id="connection.ping", show=False),
        Binding("S", "start_all", "Start all", id="connections.start_all", show=False),
        Binding("X", "stop_all", "Stop all…", id="connections.stop_all", show=False),
        Binding("i", "compose", "Compose", id="composer.focus"),
        Binding("slash", "search", "Search", id="feed.search"),
        Binding("f", "filter", "Filter", id="feed.filter"),
        Binding("e", "export", "Export", id="feed.export"),
        Binding("d", "detail", "Detail", id="feed.detail"),
        Binding("a", "alerts", "Alerts", id="alerts.show", show=False),
        Binding("v", "fields_view", "Fields / payload", id="feed.fields_view", show=False),
        Binding("t", "plot", "Plot", id="connection.plot", show=False),
        # One key per pane, as in k9s and lazygit; tab and shift+tab go round the panes only
        # (buttons have keys of their own).
        Binding("1", "pane('table')", "Go to the table", id="pane.table", show=False),
        Binding("2", "pane('feed')", "Go to the feed", id="pane.feed", show=False),
        Binding("3", "pane('composer')", "Go to the composer", id="pane.composer", show=False),
        Binding("4", "pane('detail')", "Go to the detail pane", id="pane.detail", show=False),
        Binding("tab", "cycle_pane(1)", "Next pane", id="main.next", show=False),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", id="main.previous", show=False),
        # The feed's follow keys from any pane (in the table ctrl+end goes to the last row);
        # not while typing, where `end` moves the text cursor.
        Binding("end", "follow", "Follow", id="main.follow", show=False, priority=True),
        Binding(
            "F", "toggle_follow", "Follow / pause the feed", id="feed.toggle_follow", show=False
        ),
        # On the key bar only while there is a search (see footer_shows); without one they
        # say how to start one.
        Binding("n", "next_match(1)", "Next match", id="feed.next_match"),
        Binding("N", "next_match(-1)", "Prev match", id="feed.previous_match"),
        # On the key bar outside the table: the way out of the composer's editor.
        Binding("escape", "back", "Back", id="main.back"),
        Binding("A", "automation", "Automation", id="automation.screen", show=False),
        Binding("P", "pause_automation", "Pause automation", id="automation.pause", show=False),
    ]

    @property
    def wsdeck(self) -> WsdeckApp:
        return cast("WsdeckApp", self.app)

    def compose(self) -> ComposeResult:
        yield AlertHeader()
        yield self._table
        with Horizontal(id="controls"):
            yield Static(id="selected")
            for label in ("Start", "Stop", "Restart"):
                button = Button(label, id=label.lower(), compact=True)
                button.can_focus = False  # s, x and r press it: tab stops at panes only
                yield button
        yield from self.compose_feed()
        with Vertical(id="compose-area"):
            yield Composer(id="composer")
        yield KeyFooter()

    def compose_feed(self) -> ComposeResult:
        """The feed and the detail pane side by side, the status line, the search bar."""
        app = self.wsdeck
        with Horizontal(id="body"):
            yield EventFeed(
                app.ring,
                receive_view=self._receive_view,
                utc=app.settings.feed.timestamps == "utc",
                id="feed",
            )
            yield DetailPane(id="detail")
        yield FeedStatus(id="feed-status")
        yield SearchBar(id="search")

    def __init__(self) -> None:
        # The table has the focus at first: set here, the class is in the first styling of
        # the screen; set as the focus moves there at mount, it restyled every widget again
        # (~15 % of the dashboard's first frame).
        super().__init__(classes="-toasts-below")
        # The table's cursor is the one selection: s/x/r/i and Send read it when the key is
        # handled. A copy kept from the table's RowHighlighted message lagged the cursor
        # (a burst "j x" stopped the row before j).
        self._table = ConnectionTable(id="connections")
        self._table.extra_cells = self._extra_cells
        # Last values shown, so that unchanged ones cost nothing (see refresh_state).
        self._bindings_key: tuple[object, ...] | None = None
        self._selected_shown: tuple[str, list[Span], str] | None = None
        self._events_at = float("-inf")  # when the App last said events arrived
        self._state_due = False  # a state refresh waits for the next feed repaint
        self._pane = "table"  # the pane that had the focus last: it gets it back
        self._fields_view = False  # the feed shows fields instead of payloads (v)
        self._marks_seen = 0  # the pairing marks' version the feed was drawn with
        self._failures_seen = 0  # analysis failures already told about
        self._before_search = "table"  # where escape in the search bar goes back to
        self._alerts_shown = -1  # the watches' version the header's count shows

    def on_mount(self) -> None:
        self.query_one(EventFeed).annotate = self._annotate
        self.query_one(DetailPane).pairing = self._pairing_line
        self.query_one("#detail").display = False
        self.query_one("#search").display = False
        self._fit_names()
        self.refresh_state()
        # Called synchronously as the cursor moves, so the selected bar, the node controls
        # and the composer's target change in the same frame as the highlight.
        self.watch(self._table, "cursor_row", self._cursor_moved, init=False)
        # Likewise the status line, in the same screen update as the feed's rows.
        self.watch(self.query_one(EventFeed), "status", self._feed_repainted, init=False)
        self.set_interval(STATE_REFRESH, self._state_tick)
        self.watch(self, "focused", self._focus_moved)
        self._table.focus()

    def _focus_moved(self, focused: Widget | None) -> None:
        # Notices go where they cover no focused pane (see app.tcss).
        self.set_class(focused is None or focused is self._table, "-toasts-below")
        self.call_after_refresh(self.fit_notices)
        pane = self._pane_of(focused)
        if pane is not None:
            self._pane = pane
        if pane not in (None, "search"):
            # Like less's prompt: the search stays (highlights, n/N, the status line's
            # count) and `/` brings the bar back with it; its three rows go back to the feed.
            self.query_one(SearchBar).display = False

    def on_screen_resume(self) -> None:
        """Back from a dialog or another screen: the focus goes where it was."""
        if not self._fit_detail():  # the terminal may have shrunk meanwhile
            # Read late: a full-screen detail's result may move the focus to the side pane.
            self.call_after_refresh(lambda: self.action_pane(self._pane))

    # -- panes -------------------------------------------------------------------------------

    def _panes(self) -> list[str]:
        """The panes on screen, in the order tab visits them."""
        panes = ["table", "feed"]
        if self.query_one(DetailPane).display:
            panes.append("detail")
        if self.query_one(SearchBar).display:
            panes.append("search")
        panes.append("composer")
        return panes

    def _pane_widget(self, pane: str) -> Widget:
        if pane == "composer":
            return self.query_one(Composer).editor
        return self.query_one(f"#{'connections' if pane == 'table' else pane}")

    def _pane_of(self, widget: Widget | None) -> str | None:
        """The pane ``widget`` is in (``None``: not in a pane, e.g. a dialog's)."""
        for pane in ("table", "feed", "detail", "search", "composer"):
            with contextlib.suppress(NoMatches):
                node = self.query_one(Composer) if pane == "composer" else self._pane_widget(pane)
                if widget is not None and (widget is node or node in widget.ancestors):
                    return pane
        return None

    def action_pane(self, pane: str) -> None:
        """Give ``pane`` the focus (one that is not on screen: the table)."""
        with contextlib.suppress(NoMatches):
            self._pane_widget(pane if pane in self._panes() else "table").focus()

    def action_cycle_pane(self, step: int) -> None:
        panes = self._panes()
        current = self._pane_of(self.focused)
        index = panes.index(current) if current in panes else -step
        self.action_pane(panes[(index + step) % len(panes)])

    def action_follow(self) -> None:
        self.follow_feed()

    def action_toggle_follow(self) -> None:
        """Follow the newest event, or pause where the feed is (like ``F`` in less)."""
        feed = self.query_one(EventFeed)
        if feed.following:
            feed.pause()
        else:
            feed.action_follow()

    @property
    def selected(self) -> str | None:
        """The connection under the table's cursor: what the node controls act on."""
        return self._table.selected

    def _receive_view(self, name: str) -> str:
        client = self.wsdeck.hub.clients.get(name)
        return client.settings.receive_view if client else "hex"

    # -- updates from the App ----------------------------------------------------------------

    def events_arrived(self) -> None:
        """New events are in the ring: let the feed catch up (it caps its own repaints)."""
        try:
            # query_one stops at the feed; a DOMQuery's truth test walked the whole DOM.
            feed = self.query_one(EventFeed)
        except NoMatches:
            return  # the app is shutting down and the widgets are already gone
        self._events_at = time.monotonic()
        if feed.events_added():
            self._feed_repainted()
        # Else the feed repaints within its interval, and its status line with it (see
        # on_mount). Updated now, the line cost a screen update of its own (~3 a second
        # under fan-in, each ~3 ms whatever it holds).

    def _feed_repainted(self) -> None:
        """The status line, and a due state refresh, in the feed's screen update."""
        if self._state_due:
            self.refresh_state()
        else:
            self._feed_status()

    def connections_changed(self) -> None:
        """Connections were added, removed or edited in the settings screen."""
        self._fit_names()
        self.refresh_state()

    def _fit_names(self) -> None:
        """The feed's name column as wide as the longest name (up to its limit)."""
        names = self.wsdeck.hub.clients
        widest = max((cell_len(printable(name)) for name in names), default=NAME_WIDTH)
        self.query_one(EventFeed).name_width = max(MIN_NAME_WIDTH, widest)

    def refresh_state(self) -> None:
        """Badges, counters, node controls and the composer's Send state."""
        # Shutting down, events and timers still arrive while the widgets go one by one.
        with contextlib.suppress(NoMatches):
            self._refresh_state()

    def _refresh_state(self) -> None:
        self._state_due = False
        self._show_alerts()
        self._extra_columns()
        self._table.sync(self.wsdeck.hub.clients)
        self._refresh_selection()
        self._feed_status()

    def _show_alerts(self) -> None:
        """The table's alert badges and the header's count of active alerts."""
        watches = self.wsdeck.hub.watches
        self._table.show_alerts(watches.badges())
        if watches.version != self._alerts_shown:
            self._alerts_shown = watches.version
            self.query_one(AlertHeader).show_counts(*watches.counts())

    def action_alerts(self) -> None:
        """The alerts screen; ``g`` there comes back with the event to show in the feed."""
        from tui.screens.alerts import AlertsScreen

        utc = self.wsdeck.settings.feed.timestamps == "utc"
        self.app.push_screen(AlertsScreen(self.wsdeck.hub.watches, utc=utc), self.show_event)

    def show_event(self, seq: int | None) -> None:
        """Highlight event ``seq`` in the feed (the feed pauses there)."""
        if seq is None:
            return
        if self.query_one(EventFeed).jump_to_seq(seq):
            self._pane = "feed"
            self.action_pane("feed")
        else:
            self.notify(
                "That event is no longer in the feed (dropped from memory, cleared or "
                "filtered out).",
                severity="warning",
                timeout=5,
            )

    def _extra_columns(self) -> None:
        """A column per field of any connection, response times once one was answered, and
        the alert badges while some connection has watches."""
        analysis = self.wsdeck.analysis
        names: dict[str, None] = {}
        sparklines: dict[str, None] = {}
        for name in self.wsdeck.hub.clients:
            fields = analysis.fields.fields_of(name)
            if fields is not None:
                names.update(dict.fromkeys(fields.names))
                sparklines.update(dict.fromkeys(analysis.sparklines(name)))
        pairings = analysis.pairings
        answered = any(
            (pairing := pairings.get(name)) is not None and pairing.rtts
            for name in self.wsdeck.hub.clients
        )
        alert = bool(self.wsdeck.hub.watches.watchers)
        self._table.set_extra_columns(list(names), answered, alert, list(sparklines))

    def _extra_cells(self, name: str) -> dict[str, str]:
        """The texts of ``name``'s field, sparkline and response columns."""
        analysis = self.wsdeck.analysis
        cells = {
            field: format_value(value, FIELD_WIDTH)
            for field, value in analysis.fields.latest(name).items()
        }
        for field in analysis.sparklines(name):
            # The last points of the series (bounded, kept by the analysis thread), drawn
            # when the table formats the row: at its refresh rate, for rows on screen only.
            series = analysis.fields.series(name, field)
            values = series.last(SPARK_BARS) if series is not None else []
            cells[spark_column(field)] = sparkline(values, SPARK_BARS) or MISSING
        pairing = analysis.pairings.get(name)
        if pairing is not None and pairing.rtts:
            cells[RESPONSE] = response_times(pairing.rtts)
        return cells

    def _refresh_selection(self) -> None:
        """The selected bar, the node controls, the composer's target and the keys."""
        hub = self.wsdeck.hub
        automations = self.wsdeck.automation
        client = hub.clients.get(self.selected) if self.selected else None
        self._show_selected(client)
        state = client.state if client else None
        for action in _NODE_ACTIONS:
            self.query_one(f"#{action}", Button).disabled = not _allowed(action, state)
        composer = self.query_one(Composer)
        saved = client.settings.saved_messages if client else {}
        automation = automations.connections.get(self.selected or "")
        macros = automation.macros if automation is not None else ()
        composer.set_target(self.selected, state is State.OPEN, saved, macros)
        # What check_action answers depends on these only (the selected connection's state,
        # not its name). refresh_bindings() makes the footer rebuild its keys (~10 ms and a
        # layout of the whole screen; see KeyFooter for the keys Textual's own Footer never
        # freed): at every refresh (then 4 a second) that was a third of a core, and at
        # every `j` between two open connections it held the key's repaint up.
        fleet = tuple(_fleet_allowed(action, hub.clients.values()) for action in _FLEET_ACTIONS)
        automated = self.selected in self.wsdeck.automation.connections
        bindings_key = (state, automated, *fleet)
        if bindings_key != self._bindings_key:
            self._bindings_key = bindings_key
            self.refresh_bindings()

    def _marks_changed(self) -> None:
        """Draw the feed's rows again once pairing marked events (at the state's pace);
        say so when the analysis thread met an error (it goes on)."""
        analysis = self.wsdeck.analysis
        if analysis.failures != self._failures_seen:
            self._failures_seen = analysis.failures
            message = f"fields and pairing skipped a batch: {analysis.failure}"
            self.notify(message, title="fields", severity="error", markup=False)
        version = analysis.pairings.marks.version
        if version != self._marks_seen:
            self._marks_seen = version
            self.query_one(EventFeed).redraw()
            detail = self.query_one(DetailPane)
            if detail.display:
                detail.rebuild()

    def _annotate(self, event: Event) -> tuple[str, str | None]:
        """A feed row's pairing mark, and its fields in the fields view."""
        analysis = self.wsdeck.analysis
        mark = analysis.pairings.marks.get(event.seq)
        lead = "" if mark is None else MARK_TEXT[mark.kind].format(rtt=round_trip(mark.rtt))
        if not self._fields_view or not isinstance(event, ReceiveEvent):
            return lead, None
        fields = analysis.fields.fields_of(event.connection)
        if fields is None:
            return lead, None
        # jq in the UI thread, for the rows drawn only (cached with the row).
        values = fields.extract(event.data)
        shown = (
            f"{name}={format_value(v, 24)}" for name, v in zip(fields.names, values, strict=True)
        )
        return lead, "  ".join(shown)

    def _pairing_line(self, event: Event) -> tuple[str, int] | None:
        """The detail pane's line about a paired event, and the other side's seq."""
        mark = self.wsdeck.analysis.pairings.marks.get(event.seq)
        if mark is None:
            return None
        rtt = round_trip(mark.rtt)
        if mark.kind == "timeout":
            return f"request: no response after {rtt}", 0
        other = "response" if mark.kind == "request" else "request"
        return f"{other}: #{mark.other} after {rtt} (enter goes to it)", mark.other

    @on(DetailPane.PairWanted)
    def _pair_wanted(self, message: DetailPane.PairWanted) -> None:
        if not self.query_one(EventFeed).jump_to_seq(message.seq):
            self.notify(
                f"#{message.seq} is no longer in the feed (evicted, cleared or filtered out)",
                severity="warning",
                markup=False,
            )

    def field_connection(self, event: Event | None = None) -> str | None:
        """The connection ``field: add`` adds to: that of ``event`` (the highlighted one by
        default) when it is a message, received or sent (the dialog is prefilled from its
        payload), else the table's selected one."""
        if event is None:
            event = self.query_one(EventFeed).highlighted
        names = self.wsdeck.connection_names()  # in review, the recorded ones
        if isinstance(event, PayloadEvent) and event.connection in names:
            return event.connection
        return self.selected

    def ask_field(self, pane: DetailPane | None = None) -> None:
        """The ``field: add`` dialog, prefilled from the path under the cursor of ``pane``
        (the detail pane beside the feed by default), else the message's first value."""
        from tui.core.fields import field_name, leaf_paths
        from tui.screens.field_add import FieldAddScreen

        if pane is None:
            side = self.query_one(DetailPane)
            pane = side if side.display else None
        event = pane.event if pane is not None else self.query_one(EventFeed).highlighted
        connection = self.field_connection(event)
        if connection is None:
            return
        path = pane.cursor_path if pane is not None else None
        if path is None and isinstance(event, PayloadEvent) and isinstance(event.data, str):
            first = leaf_paths(event.data, limit=1)
            path = first[0][1] if first else None
        add = partial(self.add_field, connection)
        name = field_name(path) if path else ""
        self.app.push_screen(FieldAddScreen(connection, name, path or "", add))

    @on(DetailPane.FieldWanted)
    def _field_wanted(self, message: DetailPane.FieldWanted) -> None:
        self.ask_field(message.pane)

    def add_field(self, connection: str, name: str, program: str) -> str | None:
        """Add a field to ``connection`` for this run; why it cannot be (``None``: added)."""
        problem = self.wsdeck.analysis.add_field(connection, name, program)
        if problem is None:
            self.notify(f"{connection}: field {name} = {program}", title="fields", markup=False)
            self.refresh_state()
        return problem

    def remove_field(self, connection: str, name: str) -> None:
        """Remove a field added from the palette."""
        self.wsdeck.analysis.remove_field(connection, name)
        self.refresh_state()

    def action_plot(self) -> None:
        """Plot the highlighted connection's numeric fields (or its rate, without fields)."""
        name = self.selected
        if name is None:
            return
        has_fields = self.wsdeck.analysis.fields.fields_of(name) is not None
        self.wsdeck.open_plot("fields" if has_fields else "rate", [name])

    def action_fields_view(self) -> None:
        """Show the fields of received messages instead of their payloads, or go back."""
        self._fields_view = not self._fields_view
        self.query_one(EventFeed).redraw()

    def _state_tick(self) -> None:
        """Refresh the state now, or with the next feed repaint while events arrive.

        Every screen update costs milliseconds whatever it holds; under fan-in the table's
        refreshes were screen updates of their own between the feed's 15.
        While events flow the feed repaints every REPAINT_INTERVAL, so the refresh waits
        for the next one (two intervals at most, allowing for the App's notices being late:
        then the fallback timer refreshes).
        """
        self._marks_changed()
        window = 2 * EventFeed.REPAINT_INTERVAL
        if time.monotonic() - self._events_at > window:
            self.refresh_state()
        else:
            self._state_due = True
            self.set_timer(window, self._refresh_state_if_due, name="state-fallback")

    def _refresh_state_if_due(self) -> None:
        if self._state_due:
            self.refresh_state()

    def _show_selected(self, client: WsClient | None) -> None:
        """The selected connection's name, badge and last error, above the feed."""
        selected = self.query_one("#selected", Static)
        if client is None:
            line = Text("no connection — press , to add one", style="italic")
        else:
            text, state_class = badge(client)
            line = Text.assemble((printable(client.name, 30), "bold"), "  ", text)
            if not client.settings.tls_verified:
                line.append("  ⚠ TLS not verified", style="bold reverse")
            if client.stats.last_error and client.state is not State.OPEN:
                line.append(f"  {printable(client.stats.last_error, 60)}", style="italic")
            line.append_text(automation_line(self.wsdeck.automation, client.name))
            if "url" not in self._table.columns_shown:
                # The table left the URL out to keep its counters whole: it is shown here.
                line.append(f"  {printable(client.url, 200)}")
            selected.set_classes(f"-{state_class}")
        shown = (line.plain, line.spans, str(line.style))
        if shown != self._selected_shown:
            self._selected_shown = shown
            # One line in a row of fixed height: no layout needed. A layout re-renders
            # every widget on the screen, and this runs at every state refresh.
            selected.update(line, layout=False)

    def _feed_status(self) -> None:
        with contextlib.suppress(NoMatches):  # shutting down: the line goes before the feed
            status = self.query_one("#feed-status", FeedStatus)
            feed = self.query_one(EventFeed)
            bar = self.query_one(SearchBar)
            search_error = bar.error if bar.display else ""
            status.show(feed, self.wsdeck.recording_stopped, search_error)
            if bar.display:
                bar.show_count(match_text(feed))

    # -- selection ---------------------------------------------------------------------------

    @on(ConnectionTable.ColumnsChanged)
    def _columns_changed(self) -> None:
        self.refresh_state()  # the selected bar shows the URL when the table does not

    def _cursor_moved(self) -> None:
        # What the selection decides, not the table: a sync samples every connection's
        # rate (5 000 connections: ~10 ms before the key's repaint).
        with contextlib.suppress(NoMatches):
            self._refresh_selection()

    def select(self, name: str) -> None:
        """Select ``name`` in the table (from the palette)."""
        self._table.select(name)

    # -- node controls ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "follow":
            # Not while typing: there `end` is the text's.
            return self._pane_of(self.focused) not in ("composer", "search")
        if action == "pane" and parameters == ("detail",):
            return self.query_one(DetailPane).display or None
        if action == "undo_clear":
            return self.query_one(EventFeed).can_undo_clear or None
        if action == "pause_automation":
            return self.selected in self.wsdeck.automation.connections or None
        if action in _FLEET_ACTIONS:
            return _fleet_allowed(action, self.wsdeck.hub.clients.values()) or None
        if action not in _SELECTED_ACTIONS:
            return True
        client = self.wsdeck.hub.clients.get(self.selected) if self.selected else None
        return _allowed(action, client.state if client else None) or None  # None: greyed

    def footer_shows(self, action: str) -> bool:
        """``n`` and ``N`` are on the key bar only while there is a search, ``esc`` only
        outside the table, where it goes back to (see FooterHints)."""
        if action == "next_match":
            return self.query_one(EventFeed).search is not None
        if action == "back":
            return self._pane_of(self.focused) not in (None, "table")
        return True

    def action_start(self) -> None:
        if self.selected:
            self.wsdeck.start(self.selected)

    def action_stop(self) -> None:
        if self.selected:
            self.wsdeck.stop(self.selected)

    def action_restart(self) -> None:
        if self.selected:
            self.wsdeck.restart(self.selected)

    def action_stop_code(self) -> None:
        if self.selected:
            self.wsdeck.ask_stop(self.selected)

    def action_ping(self) -> None:
        if self.selected:
            self.wsdeck.ping(self.selected)

    def action_automation(self) -> None:
        self.wsdeck.action_automation()

    def action_pause_automation(self) -> None:
        if self.selected:
            self.wsdeck.toggle_automation(self.selected)

    def action_start_all(self) -> None:
        self.wsdeck.start_all()

    def action_stop_all(self) -> None:
        self.wsdeck.ask_stop_all()

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#stop")
    def _stop_pressed(self) -> None:
        self.action_stop()

    @on(Button.Pressed, "#restart")
    def _restart_pressed(self) -> None:
        self.action_restart()

    @on(Composer.SendRequested)
    def _send(self, message: Composer.SendRequested) -> None:
        self.wsdeck.send(message.connection, message.data)

    @on(Composer.MacroRequested)
    def _run_macro(self, message: Composer.MacroRequested) -> None:
        self.wsdeck.run_macro(message.connection, message.macro)

    @on(Composer.SendBlocked)
    def _send_blocked(self, message: Composer.SendBlocked) -> None:
        # Send while not open is an error event of kind "send", like the Incari node.
        client = self.wsdeck.hub.clients.get(message.connection or "")
        if client is not None:
            self.run_worker(client.refuse_send(), group="refused-sends", exit_on_error=False)

    def action_compose(self) -> None:
        self.query_one(Composer).focus_editor()

    # -- feed tools --------------------------------------------------------------------------

    @on(EventFeed.Highlighted)
    def _highlighted(self, message: EventFeed.Highlighted) -> None:
        detail = self.query_one(DetailPane)
        if detail.display:
            detail.show(message.event)

    def action_clear_feed(self) -> None:
        """Clear what the feed shows (under its filter); ask first if it is over a screenful."""
        from tui.screens.confirm import ConfirmScreen

        feed = self.query_one(EventFeed)
        feed.view.finish()  # the count asked about is the count cleared
        count = len(feed.view)
        if not count:
            self.notify("Nothing to clear: the feed shows no events.", timeout=3)
            return
        # Events that arrive while the question is open are not part of what it offers.
        clear = partial(self._clear, self.wsdeck.ring.end)
        if count <= feed.scrollable_content_region.height:
            clear(True)
            return
        question = f"Clear {counted(count, 'event')}{shown_by(feed.filter)}? u undoes it."
        self.app.push_screen(ConfirmScreen(question, "Clear", "Keep", default=False), clear)

    def _clear(self, upto: int, confirmed: bool | None) -> None:
        if not confirmed:
            return
        feed = self.query_one(EventFeed)
        count = feed.clear(upto)
        kept = feed.view.uncleared  # what other filters would still show
        others = f"; {kept} others kept" if kept > 0 else ""
        # Names and search text come from settings and the operator: never markup.
        notice = f"Cleared {counted(count, 'event')}{shown_by(feed.filter)}{others}. u undoes it."
        self.notify(notice, markup=False)
        self._feed_status()

    def action_undo_clear(self) -> None:
        """Show again the events the last clear hid, those still in memory."""
        back = self.query_one(EventFeed).undo_clear()
        if back is None:
            self.notify("Nothing to undo.", timeout=3)
        elif back:
            self.notify(f"Restored {back} cleared events.")
        else:
            self.notify("The cleared events have left memory (the ring was full): none back.")
        self._feed_status()

    def follow_feed(self) -> None:
        """Jump to the newest event and follow."""
        self.query_one(EventFeed).action_follow()

    def copy_event(self) -> None:
        """Copy the highlighted event as a JSON line (OSC 52)."""
        self.query_one(EventFeed).copy_highlighted()

    def action_detail(self) -> None:
        from tui.screens.detail import wants_full_screen

        detail = self.query_one(DetailPane)
        if not detail.display and wants_full_screen(self.size):
            self._detail_full_screen()
            return
        detail.display = not detail.display
        if detail.display:
            detail.show(self.query_one(EventFeed).highlighted)

    def _detail_full_screen(self) -> None:
        """Show the highlighted event's detail full-screen; back beside the feed if it grows."""
        from tui.screens.detail import DetailScreen

        utc = self.wsdeck.settings.feed.timestamps == "utc"
        screen = DetailScreen(self.query_one(EventFeed).highlighted, utc=utc)

        def back(grown: bool | None) -> None:
            if grown:  # the terminal grew: the same event, beside the feed, keeps the focus
                detail = self.query_one(DetailPane)
                detail.display = True
                detail.show(screen.event)
                self._pane = "detail"

        self.app.push_screen(screen, back)

    def _fit_detail(self) -> bool:
        """A terminal shrunk under the side pane's minimum: its detail goes full-screen
        (returns whether it did)."""
        from tui.screens.detail import wants_full_screen

        detail = self.query_one(DetailPane)
        if detail.display and wants_full_screen(self.size):
            detail.display = False
            if self._pane == "detail":
                self._pane = "feed"
            self._detail_full_screen()
            return True
        return False

    async def _on_resize(self, event: events.Resize) -> None:
        if event.size != self.app.size:
            # A stale size, from a burst of resizes: Textual would lay the screen out at
            # it, and that layout posts the screen a Resize of its own; Textual drops one
            # only when another is right behind it, and the call below stands between
            # them, so two stale sizes answered each other for ever (a deaf dashboard).
            event.prevent_default()
            return
        self._fit_detail()
        self.call_after_refresh(self.fit_notices)

    def fit_notices(self) -> None:
        """Confine the notices to their band (see app.tcss): below the table while it has
        the focus, above the feed otherwise; a stack never runs into the focused pane."""
        if self.has_class("-toasts-below"):  # app.tcss keeps 3 rows free at the bottom
            room = self.size.height - 3 - self._table.region.bottom
        else:  # and 1 at the top, under the header
            room = self.query_one(EventFeed).region.y - 1
        confine(self, room)

    def action_search(self) -> None:
        search = self.query_one(SearchBar)
        if not search.display:
            self._before_search = self._pane
        search.display = True
        search.focus()

    @on(SearchBar.Search)
    def _search(self, message: SearchBar.Search) -> None:
        """Highlight the matches as typed; with "only matches", show only them."""
        feed = self.query_one(EventFeed)
        try:  # an invalid regex comes as no search (the status line says why)
            if message.only and message.search:
                feed.set_filter(message.apply_to(feed.filter))
            elif feed.filter.search:
                feed.set_filter(replace(feed.filter, search=""))  # back to every event
            feed.set_search(message.query)
        except ValueError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.refresh_bindings()  # n / N on the key bar
        self._feed_status()

    @on(SearchBar.Jump)
    def _search_jump(self, message: SearchBar.Jump) -> None:
        self.action_next_match(message.step)

    def action_next_match(self, step: int) -> None:
        """Highlight the next (1) or previous (-1) match; every row stays shown."""
        feed = self.query_one(EventFeed)
        if feed.search is None:
            self.notify("No search — press / to search the feed.", timeout=3)
        elif not feed.jump_to_match(step):
            self.app.bell()
        self._feed_status()

    @on(SearchBar.Cancelled)
    def _search_cancelled(self) -> None:
        """No search any more: every row shown, the highlighted event kept on screen."""
        feed = self.query_one(EventFeed)
        search = self.query_one(SearchBar)
        search.value = ""
        search.display = False
        feed.set_search(None)
        if feed.filter.search:
            feed.set_filter(replace(feed.filter, search=""))
        self.action_pane(self._before_search)
        self.refresh_bindings()
        self._feed_status()

    def action_back(self) -> None:
        self._table.focus()

    def action_filter(self) -> None:
        from tui.screens.filter import FilterScreen

        feed = self.query_one(EventFeed)
        names = list(self.wsdeck.hub.clients)
        self.app.push_screen(FilterScreen(feed.filter, names), self._set_filter)

    def _set_filter(self, result: FeedFilter | None) -> None:
        if result is not None:
            self.query_one(EventFeed).set_filter(result)
            self._feed_status()

    def action_export(self) -> None:
        from tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(), self._export)

    def _export(self, request: object) -> None:
        from tui.core.export import ExportRefused
        from tui.screens.export import ExportRequest

        if not isinstance(request, ExportRequest):
            return
        path = request.path
        try:
            count = self.query_one(EventFeed).export(path, create_folders=request.create_folders)
        except ExportRefused as exc:
            self.notify(f"export refused: {exc}", severity="error", markup=False)
        except OSError as exc:
            # The dialog is gone: name the path that failed, and how to try another.
            self.notify(
                f"export to {path} failed: {exc.strerror or exc} (e: export elsewhere)",
                severity="error",
                markup=False,
            )
        else:
            self.notify(f"exported {counted(count, 'event')} to {path}", markup=False)
