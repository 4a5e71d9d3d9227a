"""The event inspector full-screen: what ``d`` opens when the side pane would not fit."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.screen import Screen

from tui.core.events import Event
from tui.widgets.detail import DetailPane
from tui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from tui.app import WsdeckApp

FULL_SCREEN_BELOW = Size(100, 30)
"""A terminal narrower or shorter than this shows the detail full-screen: beside the feed
the pane would get ~35 columns at 80 (not even an 8-byte hex dump line) and ~6 rows at 24."""


def wants_full_screen(size: Size) -> bool:
    """Whether a screen of ``size`` shows the detail full-screen instead of beside the feed."""
    return size.width < FULL_SCREEN_BELOW.width or size.height < FULL_SCREEN_BELOW.height


class DetailScreen(Screen[bool]):
    """One event in full, over the whole terminal; ``d`` (or ``escape``) goes back.

    It dismisses itself with ``True`` when the terminal grows enough for the side pane,
    so the main screen shows :attr:`event` beside the feed instead.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # The main screen's id: a keymap that moves "d" moves it here too.
        Binding("d", "dismiss", "Back to feed", id="feed.detail"),
        Binding("escape", "dismiss", "Back", id="detail.close", show=False),
    ]

    DEFAULT_CSS = """
    DetailScreen DetailPane { height: 1fr; }
    """

    def __init__(self, event: Event | None, *, utc: bool = False) -> None:
        super().__init__()
        self.event = event
        self._utc = utc

    def compose(self) -> ComposeResult:
        yield DetailPane(utc=self._utc, id="detail-full")
        yield KeyFooter()

    def on_mount(self) -> None:
        pane = self.query_one(DetailPane)
        pane.show(self.event)
        pane.focus()

    @on(DetailPane.FieldWanted)
    def _field_wanted(self, message: DetailPane.FieldWanted) -> None:
        # The main screen adds fields; its dialog opens over this screen.
        message.stop()
        cast("WsdeckApp", self.app).main.ask_field(message.pane)

    def on_resize(self, event: events.Resize) -> None:
        # is_current: a resize can arrive twice, and a second dismiss would pop the main screen.
        if self.is_current and not wants_full_screen(event.size):
            self.dismiss(True)
