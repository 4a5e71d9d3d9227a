"""Textual messages that carry core events from the App's drain worker to the widgets."""

from __future__ import annotations

from textual.message import Message


class EventsArrived(Message):
    """New events are in the App's ring.

    Widgets read the ring itself, so one notification covers any number of batches:
    ``can_replace`` lets Textual drop an older copy that is still queued, which keeps
    the UI at one update per frame however fast events arrive.
    """

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EventsArrived)
