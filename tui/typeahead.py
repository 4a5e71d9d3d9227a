"""Typed-ahead keys reach the widget that has the focus once the keys before them are handled.

Textual routes a key to the focused widget when the App takes it from its queue, then the
widget handles it in its own queue and unhandled keys bubble back up to the App's bindings.
Keys that arrive together (typeahead, paste, a slow SSH link delivering a burst) were all
routed before the first one ran: after ``,`` (open the settings) the next keys still went to
the table, after ``tab`` in a form the next letters still went to the field being left, and a
``y`` typed after ``ctrl+q`` never reached the question.

:class:`KeyGate` routes one key at a time. After routing a key it sends a
:class:`KeyHandled` marker down the same path: messages are handled in order in each queue,
so when the marker has bubbled up to the App the key has been handled everywhere it went.
A printable key typed into a text field or editor cannot move the focus, so the key after
it goes on at once. Any other key waits until its marker is back, until tasks that are
ready have had a turn (an action may push a screen from a worker: ``push_screen_wait``
needs one, and the App's task does not yield while its queue holds messages), and until
the screen and the focus have stayed the same across a screen refresh (a pushed screen
sets its focus once it is mounted).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message
from textual.widgets import Input, TextArea

if TYPE_CHECKING:
    from textual.app import App

SETTLE_TIMEOUT = 1.0
"""Longest a key waits for the one before it (a marker can be lost with a closing widget)."""

Route = Callable[[events.Event], Awaitable[None]]


@dataclass
class KeyHandled(Message):
    """Follows a key along its route; at the App it means the key was handled."""

    serial: int
    """Which routed key this marker follows."""


class KeyGate:
    """Holds keys and pastes that arrive while an earlier key is still being handled."""

    def __init__(self, app: App[Any], route: Route) -> None:
        """Gate the input of ``app``; ``route`` is Textual's own routing of one event."""
        self._app = app
        self._route = route
        self._held: deque[events.Key | events.Paste] = deque()
        self._serial = 0
        self._waiting: int | None = None  # the serial of the key being handled
        self._deadline = 0.0
        self._seen: tuple[object, object] | None = None  # the screen and focus last seen

    @property
    def held(self) -> int:
        """Keys and pastes waiting for their turn."""
        return len(self._held)

    async def take(self, event: events.Key | events.Paste) -> None:
        """Route ``event`` now, or hold it until the events before it are handled."""
        if self._waiting is not None or self._held:
            self._held.append(event)
            return
        await self._send(event)

    async def _send(self, event: events.Key | events.Paste) -> None:
        app = self._app
        target = app.focused or app.screen
        await self._route(event)
        if not isinstance(event, events.Key):
            return  # a paste goes to one widget and never moves the focus
        if event.is_printable and isinstance(target, Input | TextArea):
            # Typed text: it cannot move the focus, so the next key need not wait for it
            # (waiting for a refresh after every character made a typed URL crawl).
            return
        self._serial += 1
        self._waiting = self._serial
        self._deadline = time.monotonic() + SETTLE_TIMEOUT
        if event.is_forwarded:
            marker = KeyHandled(self._serial)
            marker.set_sender(app)
            if not target.post_message(marker):
                self.handled(self._serial)
        else:
            self.handled(self._serial)  # an App-level (priority) binding ran it already
        app.set_timer(SETTLE_TIMEOUT, self._give_up, name="typeahead-timeout")

    def handled(self, serial: int) -> None:
        """The marker of key ``serial`` reached the App: release the next once settled."""
        if serial == self._waiting:
            self._seen = self._focus()
            self._app.call_after_refresh(self._release, serial)

    def _focus(self) -> tuple[object, object]:
        app = self._app
        return app.screen, app.focused

    async def _release(self, serial: int) -> None:
        if serial != self._waiting:
            return
        await asyncio.sleep(0)  # a worker the key started runs up to its first wait
        if serial != self._waiting:
            return
        now = self._focus()
        settled = now == self._seen and self._app.screen.is_mounted
        if not settled and time.monotonic() < self._deadline:
            self._seen = now
            self._app.call_after_refresh(self._release, serial)
            return
        self._waiting = None
        while self._held and self._waiting is None:
            await self._send(self._held.popleft())

    async def _give_up(self) -> None:
        if self._waiting is not None and time.monotonic() >= self._deadline:
            await self._release(self._waiting)
