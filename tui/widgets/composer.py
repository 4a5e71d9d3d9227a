"""The Send composer: Incari's WebSocket Client Send node, with text/JSON/hex/base64 modes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Select, Static, TextArea

from settings.messages import Message
from tui.core.codec import PayloadError
from tui.widgets.composer_editor import PLACEHOLDERS, HistoryTextArea
from tui.widgets.composer_model import (
    MODES,
    Entry,
    History,
    Mode,
    format_json,
    is_mode,
    mode_for,
    next_mode,
    payload,
)

__all__ = ["MODES", "NOT_OPEN", "NO_CONNECTION", "Composer", "Mode"]

NOT_OPEN = "not open: start the connection first"
"""Shown when a send is forced while the connection is not open (Send is greyed then)."""

NO_CONNECTION = "no connection: choose one first"
"""Shown when a send is forced with no connection selected."""


class Composer(Widget):
    """Edits and validates one message for the selected connection and asks the App to send it.

    The App calls :meth:`set_target` whenever the selected connection or its state changes and
    handles :class:`Composer.SendRequested`; the widget never talks to a connection itself.
    """

    DEFAULT_CSS = """
    Composer {
        height: auto;
    }
    /* Folded to one line while the focus is elsewhere, so that the feed keeps its rows on
       a 24-row terminal; it grows with its text (up to a limit) while it has the focus. */
    Composer > #composer-editor {
        height: 1;
        border: none;
    }
    Composer > #composer-bar {
        display: none;
        height: 1;
        padding: 0 1;
    }
    Composer.-focused > #composer-editor {
        height: auto;
        min-height: 3;
        max-height: 10;
        border: tall $border;
    }
    Composer.-focused > #composer-bar {
        display: block;
    }
    Composer #composer-mode {
        width: 12;
    }
    Composer #composer-saved {
        width: 1fr;
        margin: 0 1;
    }
    Composer #composer-send {
        width: 8;
        min-width: 8;
    }
    Composer > #composer-error {
        height: auto;
        max-height: 3;
        padding: 0 1;
        color: $text-error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+j", "send", "Send", id="composer.send", show=True),
        Binding("ctrl+t", "cycle_mode", "Mode", id="composer.mode", show=True),
        Binding("ctrl+f", "format", "Format JSON", id="composer.format", show=True),
        Binding("ctrl+l", "clear", "Clear the editor", id="composer.clear", show=False),
        Binding("ctrl+o", "saved", "Saved messages", id="composer.saved", show=False),
    ]

    mode: reactive[Mode] = reactive[Mode]("text", init=False)
    """How the editor's text is read; ``ctrl+t`` cycles it."""

    @dataclass
    class SendRequested(TextualMessage):
        """The user asked to send a valid message; the App performs the send."""

        composer: Composer
        """The composer that asks."""
        connection: str
        """The name of the connection to send on."""
        data: str | bytes
        """A text frame (``str``, text and JSON modes) or a binary frame (``bytes``)."""
        mode: Mode
        """The mode the message was entered in."""

        @property
        def control(self) -> Composer:
            """The composer that asks."""
            return self.composer

    @dataclass
    class SendBlocked(TextualMessage):
        """A send was tried while the connection is not open (or none is selected)."""

        composer: Composer
        """The composer that refused."""
        connection: str | None
        """The selected connection, if any."""
        reason: str
        """The message shown inline."""

        @property
        def control(self) -> Composer:
            """The composer that refused."""
            return self.composer

    @dataclass
    class MacroRequested(TextualMessage):
        """The user chose a macro in the saved list; the App runs it."""

        composer: Composer
        """The composer that asks."""
        connection: str
        """The connection whose macro it is."""
        macro: str
        """The macro's name."""

        @property
        def control(self) -> Composer:
            """The composer that asks."""
            return self.composer

    def __init__(
        self,
        *,
        history_limit: int = 100,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create a composer with no target; Send stays disabled until :meth:`set_target`.

        Args:
            history_limit: Sent messages remembered per connection.
            name: The widget's name.
            id: The widget's id.
            classes: The widget's CSS classes.
        """
        super().__init__(name=name, id=id, classes=classes)
        self._connection: str | None = None
        self._is_open = False
        self._saved: dict[str, Message] = {}
        self._macros: tuple[str, ...] = ()
        self._history = History(history_limit)
        self._error = ""
        # The editor text when the error was shown: only a real edit clears it.
        self._error_text = ""

    def compose(self) -> ComposeResult:
        yield HistoryTextArea(
            self._history_step, id="composer-editor", placeholder=PLACEHOLDERS["text"]
        )
        with Horizontal(id="composer-bar"):
            yield Select(
                [(mode, mode) for mode in MODES],
                value="text",
                allow_blank=False,
                compact=True,
                id="composer-mode",
                tooltip="Message mode (ctrl+t)",
            )
            yield Select[object]([], prompt="saved messages", compact=True, id="composer-saved")
            yield Button("Send", id="composer-send", compact=True, variant="primary")
        yield Static("", id="composer-error", markup=False)

    def on_mount(self) -> None:
        # The editor is the composer's one tab stop: ctrl+t, ctrl+o and ctrl+j reach the rest.
        for control in self.query("#composer-bar > *"):
            control.can_focus = False
        self._sync_controls()

    # A class rather than :focus-within, which Textual 8.2.8 restyled only for some of the
    # ways the focus arrives (from the table, not from the feed).
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.add_class("-focused")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        # The focus may only be moving within (to the saved messages' list): look after it.
        self.call_after_refresh(self._show_focus)

    def _show_focus(self) -> None:
        self.set_class(self.has_focus_within, "-focused")

    @property
    def connection(self) -> str | None:
        """The connection messages are sent on, if one is selected."""
        return self._connection

    @property
    def is_open(self) -> bool:
        """Whether the target connection is open, which is what enables Send."""
        return self._is_open

    @property
    def text(self) -> str:
        """The editor's text."""
        return self.editor.text

    @property
    def error(self) -> str:
        """The inline error shown, or an empty string."""
        return self._error

    @property
    def editor(self) -> HistoryTextArea:
        """The message editor: the composer's one focus stop."""
        return self.query_one("#composer-editor", HistoryTextArea)

    @property
    def _can_send(self) -> bool:
        return self._connection is not None and self._is_open

    def set_target(
        self,
        connection: str | None,
        is_open: bool,
        saved: Mapping[str, Message],
        macros: Iterable[str] = (),
    ) -> None:
        """Point the composer at a connection.

        Args:
            connection: The selected connection's name, or None.
            is_open: Whether its state is ``open``; Send is enabled only then.
            saved: Its ``saved_messages`` (name → message), offered in the saved list.
            macros: Its macros' names, offered after the saved messages (``▶ name``).
        """
        if connection != self._connection:
            self._history.reset()
        could_send = self._can_send
        self._connection, self._is_open = connection, is_open
        macros = tuple(macros)
        saved_changed = dict(saved) != self._saved or macros != self._macros
        self._saved = dict(saved)
        self._macros = macros
        if self._can_send and self._error in (NOT_OPEN, NO_CONNECTION):
            self._show_error("")
        self._sync_controls(saved_changed)
        # Send's state is all check_action reads from the target. The footer is rebuilt (and
        # the whole screen laid out again) at each refresh_bindings: only when it changes,
        # not at every `j` between two open connections.
        if self._can_send != could_send:
            self.refresh_bindings()

    def focus_editor(self) -> None:
        """Put the keyboard focus in the message editor."""
        self.editor.focus()

    def load_message(self, message: Message) -> None:
        """Put ``message`` in the editor (undoable) with the mode it reads best in."""
        text, mode = mode_for(message)
        self._load(Entry(text, mode))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out Send when the connection is not open; hide Format outside JSON mode."""
        if action == "send":
            return True if self._can_send else None
        if action == "format":
            return self.mode == "json"
        return True

    def action_send(self) -> None:
        """Validate the editor and post :class:`SendRequested`, or show why not."""
        if self._connection is None or not self._is_open:
            reason = NOT_OPEN if self._connection is not None else NO_CONNECTION
            self._show_error(reason)
            self.post_message(self.SendBlocked(self, self._connection, reason))
            return
        text, mode = self.text, self.mode
        try:
            data = payload(text, mode)
        except PayloadError as exc:
            self._show_error(str(exc))
            return
        self.post_message(self.SendRequested(self, self._connection, data, mode))
        self._history.push(self._connection, Entry(text, mode))
        self.editor.clear()
        self._show_error("")

    def action_clear(self) -> None:
        """Empty the editor (an edit: ``ctrl+z`` brings the text back)."""
        editor = self.editor
        editor.replace("", (0, 0), editor.document.end)

    def action_saved(self) -> None:
        """Open the selected connection's saved messages (``enter`` loads one)."""
        saved = self.query_one("#composer-saved", Select)
        if saved.disabled:
            self.notify("No saved messages for this connection.", timeout=3)
            return
        saved.action_show_overlay()

    def action_cycle_mode(self) -> None:
        """Switch to the next mode (text → json → hex → base64 → text)."""
        self.mode = next_mode(self.mode)

    def action_format(self) -> None:
        """Pretty-print the editor's JSON with an indent of 2 (undoable)."""
        try:
            formatted = format_json(self.text)
        except PayloadError as exc:
            self._show_error(str(exc))
            return
        self._load(Entry(formatted, "json"))

    def watch_mode(self, mode: Mode) -> None:
        self._show_error("")
        self._sync_controls()
        self.refresh_bindings()

    @on(Select.Changed, "#composer-mode")
    def _mode_chosen(self, event: Select.Changed) -> None:
        # Stopped here so that an App-level Select handler (the connection picker) never sees it.
        event.stop()
        if is_mode(event.value):
            self.mode = event.value

    @on(Select.Changed, "#composer-saved")
    def _saved_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, tuple) and self._connection is not None:
            self.post_message(self.MacroRequested(self, self._connection, event.value[1]))
            event.select.clear()
            return
        message = self._saved.get(event.value) if isinstance(event.value, str) else None
        if message is None:
            return
        self.load_message(message)
        # Back to the prompt, so that the same message can be loaded again after editing.
        event.select.clear()
        self.editor.focus()

    @on(Button.Pressed, "#composer-send")
    def _send_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_send()
        self.editor.focus()

    @on(TextArea.Changed, "#composer-editor")
    def _edited(self, event: TextArea.Changed) -> None:
        event.stop()
        if self._error and event.text_area.text != self._error_text:
            self._show_error("")

    def on_key(self, event: events.Key) -> None:
        # A greyed binding never runs its action, so a forced ctrl+j would do nothing silently;
        # looking the key up in the active bindings keeps any keymap override working.
        if self._can_send:
            return
        active = self.screen.active_bindings.get(event.key)
        if active is not None and active.node is self and active.binding.action == "send":
            self.action_send()

    def _history_step(self, delta: int) -> bool:
        if self._connection is None:
            return False
        if delta < 0:
            entry = self._history.back(self._connection, Entry(self.text, self.mode))
        else:
            entry = self._history.forward(self._connection)
        if entry is None:
            return False
        self._load(entry)
        return True

    def _load(self, entry: Entry) -> None:
        self.mode = entry.mode
        editor = self.editor
        # An edit rather than load_text keeps the replaced draft one ctrl+z away.
        editor.replace(entry.text, (0, 0), editor.document.end, maintain_selection_offset=False)

    def _show_error(self, message: str) -> None:
        self._error = message
        self._error_text = self.text if message else ""
        try:
            line = self.query_one("#composer-error", Static)
        except NoMatches:
            return
        line.update(Text(message))
        line.display = bool(message)

    def _sync_controls(self, saved_changed: bool = True) -> None:
        try:
            editor = self.editor
            mode_select = self.query_one("#composer-mode", Select)
            saved_select = self.query_one("#composer-saved", Select)
            send = self.query_one("#composer-send", Button)
        except NoMatches:
            return  # not composed yet: on_mount syncs
        editor.placeholder = PLACEHOLDERS[self.mode]
        mode_select.value = self.mode
        send.disabled = not self._can_send
        if saved_changed:
            # Text objects: names come from the settings file and must never be read as markup.
            options: list[tuple[Text, object]] = [(Text(name), name) for name in self._saved]
            options += [(Text(f"▶ {name}"), ("macro", name)) for name in self._macros]
            saved_select.set_options(options)
            saved_select.disabled = not options
            saved_select.prompt = "saved messages" if options else "no saved messages"
        self.query_one("#composer-error", Static).display = bool(self._error)
