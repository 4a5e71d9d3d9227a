"""The command palette: namespaced commands for every action (``connection: start echo``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from tui.core.client import State

if TYPE_CHECKING:
    from tui.app import WsdeckApp

Command = tuple[str, str, Callable[[], object]]


def _theme_commands(app: WsdeckApp) -> list[Command]:
    help_text = "Switch the colour theme (saved to the settings file)"
    return [
        (f"theme: {escape(theme)}", help_text, partial(app.choose_theme, theme))
        for theme in sorted(app.available_themes)
    ]


async def _search(provider: Provider, commands: list[Command], query: str) -> Hits:
    matcher = provider.matcher(query)
    for title, help_text, callback in commands:
        score = matcher.match(title)
        if score > 0:
            yield Hit(score, matcher.highlight(title), callback, help=help_text)


def _automation_commands(app: WsdeckApp) -> list[Command]:
    """Pause and resume (per connection and all), run and cancel macros, the screen."""
    automation = app.automation
    everything = "resume all" if automation.paused else "pause all"
    commands: list[Command] = [
        ("automation: show", "Every schedule, rule and macro (A)", app.action_automation),
        (f"automation: {everything}", "The panic button (!)", app.action_pause_automation),
    ]
    for name, connection in automation.connections.items():
        label = escape(name)
        verb = "resume" if connection.paused else "pause"
        help_text = "Schedules and reply rules of this connection (P)"
        commands.append(
            (f"automation: {verb} {label}", help_text, partial(app.toggle_automation, name))
        )
        for macro in connection.macros:
            run = automation.macro_runs(name, macro)
            if run is not None and run.running:
                title = f"macro: cancel {escape(macro)} on {label}"
                commands.append((title, escape(run.progress()), run.cancel))
            else:
                title = f"macro: run {escape(macro)} on {label}"
                steps = len(connection.macros[macro].steps)
                commands.append((title, f"{steps} steps", partial(app.run_macro, name, macro)))
    return commands


def _field_commands(app: WsdeckApp) -> list[Command]:
    """Adding a field (a dialog), plots, and removing the fields added for the run."""
    commands: list[Command] = []
    target = app.main.field_connection()
    if target is not None:
        commands.append(
            (
                f"field: add to {escape(target)}…",
                "A column of a JSON value for this run (fields = {…} in settings keeps it)",
                app.main.ask_field,
            )
        )
    every = app.connection_names()
    if every:
        commands.append(
            (
                "plot: rate of all connections",
                "Messages/s received, the 8 busiest",
                partial(app.open_plot, "rate", every),
            )
        )
    if app.analysis.fields.connections:
        with_fields = [name for name in every if app.analysis.fields.fields_of(name) is not None]
        commands.append(
            (
                "plot: fields of all connections",
                "Numeric fields over time",
                partial(app.open_plot, "fields", with_fields),
            )
        )
    for name in every:
        label = escape(name)
        if app.analysis.fields.fields_of(name) is not None:
            commands.append(
                (
                    f"plot: fields of {label}",
                    "Numeric fields over time (t)",
                    partial(app.open_plot, "fields", [name]),
                )
            )
        commands.append(
            (
                f"plot: rate of {label}",
                "Messages/s received over time",
                partial(app.open_plot, "rate", [name]),
            )
        )
        for field in app.analysis.added_fields(name):
            commands.append(
                (
                    f"field: remove {escape(field)} ({escape(name)})",
                    "Remove a field added from the palette",
                    partial(app.main.remove_field, name, field),
                )
            )
    return commands


class ThemeCommands(Provider):
    """Only the themes: Textual's "Theme" command, saving the choice like the palette's."""

    async def discover(self) -> Hits:
        for title, help_text, callback in _theme_commands(cast("WsdeckApp", self.app)):
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        async for hit in _search(self, _theme_commands(cast("WsdeckApp", self.app)), query):
            yield hit


class WsdeckCommands(Provider):
    """Connections, feed, settings, theme and app commands."""

    def _commands(self) -> list[Command]:
        app = cast("WsdeckApp", self.app)
        main = app.main
        commands: list[Command] = []
        for name, client in app.hub.clients.items():
            # Titles are parsed as markup by the palette: names must stay literal.
            label = escape(name)
            stopped = client.state is State.STOPPED
            if stopped:
                commands.append(
                    (f"connection: start {label}", "Client Start", partial(app.start, name))
                )
            else:
                commands.append(
                    (f"connection: stop {label}", "Client Stop", partial(app.stop, name))
                )
                commands.append(
                    (
                        f"connection: stop {label} with code…",
                        "Close with a code (1000, 3000-4999) and a reason",
                        partial(app.ask_stop, name),
                    )
                )
            if client.state is State.OPEN:
                commands.append(
                    (
                        f"connection: ping {label}",
                        "Send a ping; the round trip shows in the feed",
                        partial(app.ping, name),
                    )
                )
            commands.append(
                (f"connection: restart {label}", "Stop, then Start", partial(app.restart, name))
            )
            commands.append(
                (f"connection: select {label}", "Select in the table", partial(main.select, name))
            )
        commands += _automation_commands(app)
        commands += _field_commands(app)
        commands += [
            ("connections: start all", "Client Start for every stopped one", app.start_all),
            ("connections: stop all", "Client Stop for every active one (asks)", app.ask_stop_all),
            ("feed: search", "Filter the feed by text or regex", main.action_search),
            ("feed: filter", "Choose connections and kinds", main.action_filter),
            ("feed: export", "Write the filtered feed as JSON Lines", main.action_export),
            ("feed: clear", "Clear the events shown (under the filter)", main.action_clear_feed),
            ("feed: undo clear", "Show the last cleared events again", main.action_undo_clear),
            ("feed: follow", "Jump to the newest event and follow", main.follow_feed),
            ("feed: detail", "Show or hide the detail pane", main.action_detail),
            ("feed: copy event", "Copy the highlighted event (OSC 52)", main.copy_event),
            ("alerts: show", "Active and recent alerts of the watches", main.action_alerts),
            ("settings: edit", "Open the settings editor", app.action_settings),
            ("app: help", "Keys of the focused area", app.action_help),
            ("app: quit", "Quit wsdeck", app.action_request_quit),
        ]
        for alert in app.hub.watches.active.values():
            if not alert.acknowledged:
                what = f"{escape(alert.name)} on {escape(alert.connection)}"
                commands.append(
                    (
                        f"alerts: acknowledge {what}",
                        f"{alert.level}: stop its bell; it stays until cleared",
                        partial(app.hub.watches.acknowledge, alert),
                    )
                )
        if app.recording_stopped:
            commands.append(
                ("recording: retry", "Open the recording file again", app.retry_recording)
            )
        commands += _theme_commands(app)
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            if not title.startswith("theme: "):
                yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        async for hit in _search(self, self._commands(), query):
            yield hit
