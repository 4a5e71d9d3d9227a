"""What ``y`` and ``Y`` put on the clipboard (OSC 52): the event's JSON line, or its payload."""

from __future__ import annotations

from textual.widget import Widget

from tui.core.codec import encode_base64
from tui.core.events import Event, PayloadEvent, encode_line


def copy_event(widget: Widget, event: Event | None) -> str | None:
    """Copy ``event`` as its JSON Lines record and say so; returns what was copied."""
    if event is None:
        return None
    line = encode_line(event)
    widget.app.copy_to_clipboard(line)
    widget.notify("Copied the event to the clipboard", timeout=2)
    return line


def copy_payload(widget: Widget, event: Event | None) -> str | None:
    """Copy ``event``'s payload alone (text as is, binary as base64); returns what was copied.

    Only events with a payload (send, receive) have one: for others nothing is copied.
    """
    if not isinstance(event, PayloadEvent):
        return None
    if isinstance(event.data, str):
        text, what = event.data, "payload"
    else:
        text, what = encode_base64(event.data), "payload (base64)"
    widget.app.copy_to_clipboard(text)
    widget.notify(f"Copied the {what} to the clipboard", timeout=2)
    return text
