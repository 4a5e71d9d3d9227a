"""The settings screen: list, add, edit, duplicate and delete connections, saved to the file."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from tomlkit import TOMLDocument

from settings import (
    Connection,
    SettingsError,
    SettingsSaveError,
    WsdeckSettings,
    load_document,
    load_settings,
    save_settings,
)
from tui.screens.confirm import ConfirmScreen
from tui.screens.connection_form import ConnectionForm
from tui.widgets.footer import KeyFooter

__all__ = ["SettingsResult", "SettingsScreen"]

_COPY_SUFFIX = re.compile(r" copy(?: \d+)?$")
STATE_REFRESH = 1.0
"""Seconds between two looks at the connections' states while the list is shown."""


class ConnectionState(NamedTuple):
    """What the list says about a connection the App runs."""

    label: str
    """Its state as the table's badge says it (``open``, ``reconnecting in 3s``, …)."""
    running: bool
    """Whether it is not stopped (an edit can restart it; a delete stops it)."""


StateOf = Callable[[str], ConnectionState | None]


def _no_state(name: str) -> ConnectionState | None:
    return None


@dataclass(frozen=True)
class SettingsResult:
    """What the settings screen changed, compared with the settings it was opened with.

    Attributes:
        settings: the new settings for this session (the app's settings with the new
            connections; values from the environment or CLI are kept).
        restart: connections the user asked to restart so that their edits apply; a renamed
            connection is listed under its new name (its old name is in ``removed``).
        removed: names that no longer exist (stop them if they run).
        added: names that are new.
        changed: names whose settings changed.
    """

    settings: WsdeckSettings
    restart: frozenset[str]
    removed: frozenset[str]
    added: frozenset[str]
    changed: frozenset[str]


def _fingerprint(path: Path) -> str | None:
    """A hash of the file's bytes (``None`` if it does not exist), to notice outside edits."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"unreadable: {exc.errno}"


def copy_name(name: str, taken: Collection[str]) -> str:
    """``"NAME copy"``, or ``"NAME copy 2"``, ``"NAME copy 3"``... whichever is free.

    A copy of a copy counts on from the original name (``"a copy"`` gives ``"a copy 2"``).
    """
    base = _COPY_SUFFIX.sub("", name) or name
    candidate = f"{base} copy"
    number = 2
    while candidate in taken:
        candidate = f"{base} copy {number}"
        number += 1
    return candidate


class SettingsScreen(Screen[SettingsResult | None]):
    """Edit the connections and save each change to the settings file at once.

    Dismisses with a :class:`SettingsResult` when something was saved (or, in demo mode,
    applied to the session), else ``None``.

    The connections edited are the file's own (loaded without the environment, so values from
    ``WSDECK_*`` variables or CLI flags are never written to the file). Connections the app has
    that the file lacks (added by the command line or the environment) are kept for the
    session and their names stay reserved.
    """

    DEFAULT_CSS = """
    SettingsScreen {
        layout: vertical;
    }
    SettingsScreen #settings-title {
        text-style: bold;
        padding: 0 1;
    }
    SettingsScreen #settings-source {
        color: $text-muted;
        padding: 0 1;
    }
    SettingsScreen #settings-source.-demo, SettingsScreen #settings-source.-error {
        color: $warning;
        text-style: bold;
    }
    SettingsScreen #settings-source.-error {
        color: $error;
    }
    SettingsScreen #settings-list {
        height: 1fr;
    }
    SettingsScreen #settings-empty, SettingsScreen #settings-session {
        color: $text-muted;
        padding: 0 1;
    }
    SettingsScreen #settings-status {
        padding: 0 1;
    }
    SettingsScreen #settings-status.-error {
        color: $error;
    }
    SettingsScreen #settings-status.-ok {
        color: $success;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="settings.add", tooltip="Add a connection"),
        Binding("e", "edit", "Edit", id="settings.edit", tooltip="Edit the highlighted connection"),
        Binding(
            "d",
            "duplicate",
            "Duplicate",
            id="settings.duplicate",
            tooltip="Copy the highlighted connection under a new name",
        ),
        Binding(
            "delete,x",
            "delete",
            "Delete",
            id="settings.delete",
            key_display="del",
            tooltip="Delete the highlighted connection (asks first)",
        ),
        Binding("escape", "back", "Back", id="settings.back", tooltip="Back to the dashboard"),
    ]

    def __init__(
        self, settings: WsdeckSettings, path: Path | None, state_of: StateOf = _no_state
    ) -> None:
        """Create the screen.

        Args:
            settings: the app's current settings (the comparison base of the result).
            path: the settings file, or ``None`` when there is none (demo mode: changes apply
                to this session only and nothing is written).
            state_of: a connection's state now (asked again every second while the list
                is shown); editing a running one asks whether to restart it.
        """
        super().__init__()
        self.settings = settings
        self.path = path
        self._state_of = state_of
        self._states_shown: list[ConnectionState | None] = []
        self._connections: list[Connection] = list(settings.connections)
        self._session_only: list[Connection] = []
        self._file_settings: WsdeckSettings | None = None
        self._document: TOMLDocument | None = None
        self._fingerprint: str | None = None
        self._load_error: str | None = None
        self._restart: set[str] = set()
        self._saved = False
        self._busy = False

    # -- opening ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("Settings: connections", id="settings-title")
        yield Static("", id="settings-source")
        yield OptionList(id="settings-list")
        yield Static(
            Text("No connections yet: press a to add one."), id="settings-empty", markup=False
        )
        yield Static("", id="settings-session")
        yield Static("", id="settings-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_interval(STATE_REFRESH, self._refresh_states)
        if self.path is not None:
            self._open_file(self.path)
        source = self.query_one("#settings-source", Static)
        if self.path is None:
            source.update(
                Text(
                    "Demo mode: there is no settings file. Changes apply to this session "
                    "only; nothing is written to disk."
                )
            )
            source.add_class("-demo")
        elif self._load_error is not None:
            source.update(
                Text(
                    f"Cannot edit {self.path}: {self._load_error}. Fix the file and open the "
                    "settings again."
                )
            )
            source.add_class("-error")
        else:
            source.update(Text(f"File: {self.path} (each change is saved at once)"))
        session = self.query_one("#settings-session", Static)
        if self._session_only:
            names = ", ".join(connection.name for connection in self._session_only)
            session.update(Text(f"Not in the file, kept for this session only: {names}"))
        else:
            session.display = False
        self._show_list()

    def _open_file(self, path: Path) -> None:
        """Read the file's document, its settings (without the environment) and fingerprint."""
        for _ in range(3):
            before = _fingerprint(path)
            try:
                document = load_document(path)
                if before is None:
                    # No file yet: the defaults, built without validation so that nothing
                    # reads the environment (BaseSettings.__init__ would).
                    file_settings = WsdeckSettings.model_construct()
                else:
                    file_settings = load_settings(path, use_env=False)
            except SettingsError as exc:
                self._load_error = "; ".join(str(problem) for problem in exc.problems)
                return
            if _fingerprint(path) == before:
                break
        self._fingerprint = before
        self._document = document
        self._file_settings = file_settings
        self._connections = list(file_settings.connections)
        in_file = {connection.name for connection in self._connections}
        self._session_only = [c for c in self.settings.connections if c.name not in in_file]

    # -- the list -----------------------------------------------------------------------

    def _show_list(self, highlight: int | None = None) -> None:
        option_list = self.query_one("#settings-list", OptionList)
        previous = option_list.highlighted
        width = min(24, max((len(c.name) for c in self._connections), default=0))
        options = []
        self._states_shown = self._states()
        for connection, state in zip(self._connections, self._states_shown, strict=True):
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append(connection.name.ljust(width), style="bold")
            prompt.append("  ")
            prompt.append(connection.display_url)
            if state is not None:
                prompt.append(f"  ({state.label})", style="italic")
            options.append(Option(prompt))
        option_list.set_options(options)
        if self._connections:
            target = highlight if highlight is not None else previous or 0
            option_list.highlighted = max(0, min(target, len(self._connections) - 1))
        self.query_one("#settings-empty").display = not self._connections
        self.refresh_bindings()

    def _states(self) -> list[ConnectionState | None]:
        return [self._state_of(connection.name) for connection in self._connections]

    def _refresh_states(self) -> None:
        """Show state changes (a connection opening, failing, reconnecting) while open."""
        if not self._busy and self._states() != self._states_shown:
            self._show_list()

    def _running_state(self, name: str) -> ConnectionState | None:
        state = self._state_of(name)
        return state if state is not None and state.running else None

    def _highlighted(self) -> int | None:
        index = self.query_one("#settings-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self._connections):
            return None
        return index

    def _status(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#settings-status", Static)
        status.update(Text(message))
        status.set_class(error, "-error")
        status.set_class(not error, "-ok")
        if error:
            self.notify(message, severity="error", markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out what needs a connection or a readable file; nothing runs during a dialog."""
        if action in ("add", "edit", "duplicate", "delete"):
            if self._busy:
                return False
            if self._load_error is not None:
                return None
            if action != "add" and not self._connections:
                return None
        return True

    # -- actions ------------------------------------------------------------------------

    def action_add(self) -> None:
        """Open the form for a new connection."""
        self._busy = True
        self._add_flow()

    def action_edit(self) -> None:
        """Open the form for the highlighted connection."""
        index = self._highlighted()
        if index is not None:
            self._busy = True
            self._edit_flow(index)

    @on(OptionList.OptionSelected, "#settings-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.check_action("edit", ()):
            self.action_edit()

    def action_duplicate(self) -> None:
        """Copy the highlighted connection under a free ``NAME copy`` name, and save."""
        index = self._highlighted()
        if index is not None:
            self._busy = True
            self._duplicate_flow(index)

    def action_delete(self) -> None:
        """Delete the highlighted connection after a confirmation, and save."""
        index = self._highlighted()
        if index is not None:
            self._busy = True
            self._delete_flow(index)

    def action_back(self) -> None:
        """Leave, handing back what changed (``None`` if nothing was saved)."""
        if not self._busy:
            self.dismiss(self.result())

    # -- flows (workers, since they wait for dialogs) -----------------------------------

    def _names(self, *, without: int | None = None) -> set[str]:
        names = {c.name for i, c in enumerate(self._connections) if i != without}
        return names | {c.name for c in self._session_only}

    @work(group="settings-flow")
    async def _add_flow(self) -> None:
        try:
            form = ConnectionForm(taken_names=self._names())
            connection = await self.app.push_screen_wait(form)
            if connection is not None:
                new = [*self._connections, connection]
                if await self._commit(new, f"added {connection.name!r}"):
                    self._show_list(highlight=len(new) - 1)
        finally:
            self._done()

    @work(group="settings-flow")
    async def _edit_flow(self, index: int) -> None:
        try:
            old = self._connections[index]
            form = ConnectionForm(old, taken_names=self._names(without=index))
            connection = await self.app.push_screen_wait(form)
            if connection is None:
                return
            if connection == old:
                self._status(f"No changes to {old.name!r}.")
                return
            new = list(self._connections)
            new[index] = connection
            if not await self._commit(new, f"updated {connection.name!r}"):
                return
            self._show_list(highlight=index)
            state = self._running_state(old.name)
            if state is not None:
                await self._ask_restart(old.name, connection.name, state.label)
        finally:
            self._done()

    async def _ask_restart(self, old_name: str, new_name: str, state: str) -> None:
        renamed = f" (now named {new_name!r})" if new_name != old_name else ""
        question = f"{old_name!r}{renamed} is {state}. Restart it now to apply the changes?"
        restart = await self.app.push_screen_wait(ConfirmScreen(question, "Restart", "Later"))
        if restart:
            self._restart.add(new_name)
        else:
            self._restart.discard(new_name)

    @work(group="settings-flow")
    async def _duplicate_flow(self, index: int) -> None:
        try:
            old = self._connections[index]
            copy = old.model_copy(update={"name": copy_name(old.name, self._names())}, deep=True)
            new = [*self._connections[: index + 1], copy, *self._connections[index + 1 :]]
            if await self._commit(new, f"duplicated {old.name!r} as {copy.name!r}"):
                self._show_list(highlight=index + 1)
        finally:
            self._done()

    @work(group="settings-flow")
    async def _delete_flow(self, index: int) -> None:
        try:
            old = self._connections[index]
            state = self._running_state(old.name)
            running = f" It is {state.label} and will be stopped." if state is not None else ""
            question = f"Delete connection {old.name!r}?{running}"
            confirm = ConfirmScreen(question, "Delete", "Keep", default=False)
            if not await self.app.push_screen_wait(confirm):
                return
            new = [c for i, c in enumerate(self._connections) if i != index]
            if await self._commit(new, f"deleted {old.name!r}"):
                self._show_list(highlight=index)
        finally:
            self._done()

    def _done(self) -> None:
        self._busy = False
        self.refresh_bindings()

    # -- saving -------------------------------------------------------------------------

    async def _commit(self, connections: list[Connection], what: str) -> bool:
        """Save ``connections`` as the file's list; on success make them the screen's list.

        The new settings are the loaded ones with their connection list replaced
        (``model_copy``): each connection was validated by the model on its own (the form
        runs ``Connection.model_validate``) and the list is checked for duplicate names here.
        ``WsdeckSettings.model_validate`` is not used because BaseSettings validation runs
        its ``__init__``, which reads the environment and ``.env`` again.
        """
        names = [c.name for c in [*connections, *self._session_only]]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            self._status(f"Not saved: duplicate name {duplicates[0]!r}.", error=True)
            return False
        if self.path is not None:
            if not await self._save(self.path, connections):
                return False
            self._status(f"Saved to {self.path}: {what}.")
        else:
            self._status(f"Applied for this session only (demo mode, no file): {what}.")
        self._connections = connections
        self._saved = True
        return True

    async def _save(self, path: Path, connections: list[Connection]) -> bool:
        if self._file_settings is None or self._document is None:
            self._status(f"Not saved: cannot edit {path}: {self._load_error}", error=True)
            return False
        if _fingerprint(path) != self._fingerprint:
            question = (
                f"The settings file changed on disk since this screen opened:\n{path}\n"
                "Overwrite it with your version?"
            )
            overwrite = ConfirmScreen(question, "Overwrite", "Cancel", default=False)
            if not await self.app.push_screen_wait(overwrite):
                self._status(
                    "Not saved: the file on disk was left as it is. Close the settings and "
                    "open them again to edit the new version.",
                    error=True,
                )
                return False
        new = self._file_settings.model_copy(update={"connections": connections})
        try:
            save_settings(path, new, document=self._document)
        except (SettingsSaveError, OSError) as exc:
            self._status(f"Not saved, the file is unchanged: {exc}", error=True)
            return False
        self._file_settings = new
        self._fingerprint = _fingerprint(path)
        return True

    def result(self) -> SettingsResult | None:
        """What changed so far, or ``None`` when nothing was saved."""
        if not self._saved:
            return None
        final = [*self._connections, *self._session_only]
        before = {c.name: c for c in self.settings.connections}
        after = {c.name: c for c in final}
        changed = frozenset(n for n in after.keys() & before.keys() if after[n] != before[n])
        restart = frozenset(n for n in self._restart if n in after and after[n] != before.get(n))
        return SettingsResult(
            settings=self.settings.model_copy(update={"connections": final}),
            restart=restart,
            removed=frozenset(before.keys() - after.keys()),
            added=frozenset(after.keys() - before.keys()),
            changed=changed,
        )
