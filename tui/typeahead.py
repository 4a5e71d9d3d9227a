"""Typed-ahead keys reach the widget that has the focus once the keys before them are handled.

Textual routes a key to the focused widget when the App takes it from its queue, then the
widget handles it in its own queue and unhandled keys bubble back up to the App's bindings.
Keys that arrive together (typeahead, paste, a slow SSH link delivering a burst) were all
routed before the first one ran: after ``,`` (open the settings) the next keys still went to
the table, after ``tab`` in a form the next letters still went to the field being left, and a
``y`` typed after ``ctrl+q`` never reached the question.

:class:`KeyGate` routes one key at a time. After routing a key it sends a
:class:`KeyHandled` marker down the same path, twice: messages are handled in order in
each queue, so when the first marker has bubbled up to the App the key has been handled
everywhere it went, and when the second has, so have the messages the key caused on that
path (an Input's ``Changed``, which a form's save reads). The next key waits until then,
until tasks that are ready have had a turn (an action may push a screen from a worker:
``push_screen_wait`` needs one, and the App's task does not yield while its queue holds
messages), and until the screen and the focus have stayed the same across a screen
refresh (a pushed screen sets its focus once it is mounted).

Typed text (a printable key or a paste into a text field or editor) cannot move the focus,
so more text goes on at once behind it; only the next other key (``tab``, ``ctrl+s``)
waits for the text before it.

Keys typed while the dashboard loads (``wsdeck`` draws a first frame, then validates the
settings) are held too, all of them, and go in order once :meth:`KeyGate.open` is called and
the dashboard's screen and focus have settled: ``wsdeck`` then ``j j s`` at once starts the
third connection. Quit is held like the rest: the load blocks the event loop, so no key could
act sooner, and a quit routed ahead of held keys would ask its question before they ran. If the
load fails, the gate never opens: the App exits with the settings' problems and the held keys
go with it (Textual discards what the terminal still holds, so none reaches the shell).

At most :data:`KEY_LIMIT` keys are on their way at once: queued for the App behind its other
messages, or held here. The App asks :meth:`KeyGate.admit` before queueing one, so an App far
behind does not queue keys without limit; later ones are dropped, counted, and the count is
told in a notice when the next key is taken (the first ones go in order).
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
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from textual.app import App

SETTLE_TIMEOUT = 1.0
"""Longest a key waits after the last one routed (a marker is lost with a closing widget)."""

KEY_LIMIT = 4096
"""Most keys and pastes on their way at once: far more than a burst, the typeahead of a load
or a paste a terminal types as keys (one read of the terminal is 4 KiB), and a few MB."""

Route = Callable[[events.Event], Awaitable[None]]


@dataclass
class KeyHandled(Message):
    """Follows a key along its route; back at the App (``hops`` 0) the key was handled."""

    serial: int
    """Which routed key this marker follows."""
    target: MessagePump
    """Where the key was routed."""
    hops: int
    """Trips still to make down the route after this one."""


class KeyGate:
    """Holds keys and pastes that arrive while an earlier key is still being handled."""

    def __init__(self, app: App[Any], route: Route, *, closed: bool = False) -> None:
        """Gate the input of ``app``; ``route`` is Textual's own routing of one event.

        A ``closed`` gate holds every key until :meth:`open` is called.
        """
        self._app = app
        self._route = route
        self._held: deque[events.Key | events.Paste] = deque()
        self._serial = 0
        self._waiting: int | None = None  # the serial of the last key routed, until settled
        self._text_only = False  # whether everything in flight is typed text
        self._deadline = 0.0
        self._seen: tuple[object, object] | None = None  # the screen and focus last seen
        self._before: tuple[object, object] | None = None  # and before the last key
        self._closed = closed
        self._on_way = 0  # admitted and not yet routed: queued for the App, or held
        self.dropped = 0
        """Keys and pastes dropped since the last notice, past :data:`KEY_LIMIT`."""

    @property
    def held(self) -> int:
        """Keys and pastes waiting for their turn."""
        return len(self._held)

    def _is_text(self, event: events.Key | events.Paste) -> bool:
        """Typed text for a text field or editor: it cannot move the focus."""
        if isinstance(event, events.Paste):
            return True
        # Imported here: TextArea's modules cost the dashboard's first frame ~15 ms, and no
        # key is handled before that frame (by then the composer has imported them).
        from textual.widgets import Input, TextArea

        return event.is_printable and isinstance(self._app.focused, Input | TextArea)

    def _may_go(self, event: events.Key | events.Paste) -> bool:
        if self._closed:
            return False
        return self._waiting is None or (self._text_only and self._is_text(event))

    def admit(self) -> bool:
        """Whether a key or paste from the terminal may queue for the App (it then goes to
        :meth:`take`); past :data:`KEY_LIMIT` on their way it is dropped and counted."""
        if self._on_way >= KEY_LIMIT:
            self.dropped += 1  # the first keys are kept: later ones depend on them
            return False
        self._on_way += 1
        return True

    def refused(self) -> None:
        """A key or paste admitted was not queued after all (the App is closing, or has
        its keys disabled): it never comes to :meth:`take`, so it is no longer on its way."""
        self._on_way -= 1

    async def take(self, event: events.Key | events.Paste) -> None:
        """Route ``event`` now, or hold it until the events before it are handled."""
        if self.dropped:
            self._tell_dropped()
        if self._held or not self._may_go(event):
            self._held.append(event)  # admitted: within KEY_LIMIT
            return
        await self._send(event)

    def open(self) -> None:
        """The dashboard is up: the held keys go, in order, once its screen and focus settle."""
        if not self._closed:
            return
        self._closed = False
        self._serial += 1
        self._waiting, self._text_only = self._serial, False
        self._deadline = time.monotonic() + SETTLE_TIMEOUT
        self._before, self._seen = None, self._focus()
        # Both run in the App's queue, behind the wait for the pushed screen's mount that
        # Textual puts there (App._get_screen: call_next(await_mount)): however long the
        # mount takes, the keys cannot go to a half-built screen (tested with a slow one).
        self._app.call_after_refresh(self._release, self._serial)
        self._app.set_timer(SETTLE_TIMEOUT, self._give_up, name="typeahead-timeout")

    async def _send(self, event: events.Key | events.Paste) -> None:
        self._on_way -= 1
        app = self._app
        target = app.focused or app.screen
        text = self._is_text(event)
        self._before = self._focus()
        await self._route(event)
        self._serial += 1
        self._deadline = time.monotonic() + SETTLE_TIMEOUT
        self._waiting, self._text_only = self._serial, text
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._settle(self._serial)  # an App-level (priority) binding ran it already
        else:
            self._follow(self._serial, target, hops=1)
        app.set_timer(SETTLE_TIMEOUT, self._give_up, name="typeahead-timeout")

    def _follow(self, serial: int, target: MessagePump, hops: int) -> None:
        marker = KeyHandled(serial, target, hops)
        marker.set_sender(self._app)
        if not target.post_message(marker):  # the widget is closing: nothing more to wait for
            self._settle(serial)

    def marker_back(self, marker: KeyHandled) -> None:
        """A marker reached the App: send it down again, or settle its key."""
        if marker.serial != self._waiting:
            return  # text typed after it is in flight: that one's marker counts
        if marker.hops:
            self._follow(marker.serial, marker.target, marker.hops - 1)
        else:
            self._settle(marker.serial)

    def _settle(self, serial: int) -> None:
        """Release the next key once the screen and focus have settled."""
        if serial == self._waiting:
            self._app.call_later(self._check, serial)

    async def _check(self, serial: int) -> None:
        await asyncio.sleep(0)  # a worker the key started runs up to its first wait
        if serial != self._waiting:
            return
        now = self._seen = self._focus()
        if now is None or (now == self._before and self._app.screen.is_mounted):
            await self._release(serial)  # nothing moved: no need to wait for a refresh
        else:
            self._app.call_after_refresh(self._release, serial)

    def _focus(self) -> tuple[object, object] | None:
        app = self._app
        if not app.screen_stack:
            return None  # shutting down
        return app.screen, app.focused

    async def _release(self, serial: int) -> None:
        if serial != self._waiting:
            return
        await asyncio.sleep(0)  # a worker the key started runs up to its first wait
        if serial != self._waiting:
            return
        now = self._focus()
        settled = now is None or (now == self._seen and self._app.screen.is_mounted)
        if not settled and time.monotonic() < self._deadline:
            self._seen = now
            self._app.call_after_refresh(self._release, serial)
            return
        self._waiting = None
        self._seen = self._before = None  # no references to screens that may be closing
        while self._held and self._may_go(self._held[0]):
            await self._send(self._held.popleft())

    def _tell_dropped(self) -> None:
        count, self.dropped = self.dropped, 0
        message = (
            f"{count} key{'s' * (count != 1)} typed ahead dropped: at most {KEY_LIMIT} wait"
            " while the dashboard catches up; the first ones go in order."
        )
        self._app.notify(message, title="keys", severity="warning", timeout=10, markup=False)

    async def _give_up(self) -> None:
        if self._waiting is not None and time.monotonic() >= self._deadline:
            await self._release(self._waiting)
