"""The detail pane: every field of the highlighted event, its payload pretty-printed or dumped.

Payloads are untrusted and can be huge: JSON is only pretty-printed up to
:data:`JSON_MAX_BYTES` and :data:`JSON_MAX_DEPTH` levels, text and hex dumps stop after
:data:`SHOW_MAX_BYTES` with a note, every line goes through ``printable`` (pretty JSON
through its JSON twin, ``terminal_safe_json``) and is drawn as a plain ``Segment`` (never
markup), and only the visible lines are rendered.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.cells import chop_cells
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tui.core.codec import encode_base64, hexdump
from tui.core.display import printable
from tui.core.errors import close_code_name
from tui.core.events import (
    ErrorEvent,
    Event,
    PayloadEvent,
    PongEvent,
    StartEvent,
    StopEvent,
    terminal_safe_json,
)

__all__ = ["DetailLine", "DetailPane", "detail_lines"]

JSON_MAX_BYTES = 256 * 1024
"""Text payloads bigger than this are not parsed as JSON."""
JSON_MAX_DEPTH = 200
"""JSON nested deeper than this is shown raw."""
SHOW_MAX_BYTES = 64 * 1024
"""Text characters, or binary bytes, shown before "… N more bytes"."""


@dataclass(frozen=True, slots=True)
class DetailLine:
    """One source line of the pane and the component class that styles it."""

    text: str
    role: str = "body"


def _when(ts: float, utc: bool) -> str:
    moment = datetime.fromtimestamp(ts, UTC) if utc else datetime.fromtimestamp(ts).astimezone()
    return moment.isoformat(timespec="milliseconds")


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


def pretty_json(text: str, size: int) -> tuple[list[str] | None, str | None]:
    """Pretty-printed lines of a JSON object/array, or ``None`` and why not (``None``: not JSON)."""
    head = text[:64].lstrip()
    if not head or head[0] not in "[{":
        return None, None
    if size > JSON_MAX_BYTES:
        return None, (
            f"JSON not pretty-printed: {size} bytes is over the "
            f"{JSON_MAX_BYTES // 1024} KiB limit; showing raw text"
        )
    too_deep = f"too deeply nested to pretty-print (over {JSON_MAX_DEPTH} levels); showing raw text"
    try:
        value = json.loads(text)
    except RecursionError:
        return None, too_deep
    except ValueError:
        return None, None
    if _depth(value) > JSON_MAX_DEPTH:
        return None, too_deep
    try:
        pretty = json.dumps(value, indent=2, ensure_ascii=False)
    except (RecursionError, ValueError):
        return None, too_deep
    return pretty.split("\n"), None


def _more(remaining: int) -> DetailLine:
    return DetailLine(f"… {remaining} more bytes (limited to {SHOW_MAX_BYTES // 1024} KiB)", "note")


def _text_body(data: str, size: int) -> list[DetailLine]:
    lines: list[DetailLine] = []
    pretty, note = pretty_json(data, size)
    if note:
        lines.append(DetailLine(note, "note"))
    if pretty is not None:
        # JSON as json wrote it: its backslashes are all escapes, so the unsafe characters
        # get JSON escapes too (printable() would double every backslash).
        return lines + [DetailLine(terminal_safe_json(line)) for line in pretty]
    cut = data[:SHOW_MAX_BYTES]
    lines.extend(DetailLine(printable(line)) for line in cut.split("\n"))
    if len(cut) < len(data):
        lines.append(_more(size - len(cut.encode("utf-8", "surrogatepass"))))
    return lines


def _binary_body(data: bytes) -> list[DetailLine]:
    cut = data[:SHOW_MAX_BYTES]
    lines = [DetailLine(line) for line in hexdump(cut)]
    if len(cut) < len(data):
        lines.append(_more(len(data) - len(cut)))
    lines.append(DetailLine(""))
    lines.append(DetailLine("base64", "label"))
    lines.append(DetailLine(encode_base64(cut)))
    if len(cut) < len(data):
        lines.append(_more(len(data) - len(cut)))
    return lines


def detail_lines(event: Event | None, utc: bool = False) -> list[DetailLine]:
    """The pane's content for ``event``: a header, the fields, then the payload."""
    if event is None:
        return [DetailLine("No event highlighted.", "note")]
    size = f"  {event.size} B" if isinstance(event, PayloadEvent) else ""
    header = (
        f"#{event.seq}  {_when(event.ts, utc)}  {printable(event.connection)}  {event.EVENT}{size}"
    )
    lines = [DetailLine(header, "header")]

    def field(label: str, value: str) -> None:
        lines.append(DetailLine(f"{label}: {printable(value)}", "label"))

    if isinstance(event, StartEvent):
        field("url", event.url)
        field("subprotocol", event.subprotocol or "none")
        field("attempt", str(event.attempt))
    elif isinstance(event, StopEvent):
        code = "none" if event.code is None else str(event.code)
        field("code", f"{code} ({close_code_name(event.code)})")
        field("reason", event.reason or "(none)")
        field("by", event.by)
    elif isinstance(event, ErrorEvent):
        field("kind", event.kind)
        lines.append(DetailLine("message", "label"))
        lines.extend(DetailLine(printable(line)) for line in event.message.split("\n"))
    elif isinstance(event, PongEvent):
        field("round trip", f"{event.rtt * 1000:.3f} ms")
    elif isinstance(event, PayloadEvent):
        if isinstance(event.data, bytes):
            field("binary", f"{event.size} bytes")
            lines.extend(_binary_body(event.data))
        else:
            field("text", f"{event.size} bytes")
            lines.extend(_text_body(event.data, event.size))
    return lines


class DetailPane(ScrollView, can_focus=True):
    """Shows one event in full; long lines wrap, and only visible lines are drawn.

    While the feed follows a flood, :meth:`show` may be called for every repaint. Small
    events are shown at once; after an expensive one (a big JSON document) the next
    :meth:`show` waits so that building the pane stays under :attr:`MAX_BUSY` of the time.
    """

    MAX_BUSY: ClassVar[float] = 0.1
    """Largest share of wall time spent building the pane's content."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "detail--header",
        "detail--label",
        "detail--note",
        "detail--body",
    }

    DEFAULT_CSS = """
    DetailPane {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        & > .detail--header { text-style: bold; color: $text-primary; }
        & > .detail--label { color: $text-muted; }
        & > .detail--note { color: $text-warning; text-style: italic; }
        & > .detail--body { }
    }
    """

    def __init__(
        self,
        *,
        utc: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._utc = utc
        self._event: Event | None = None
        self._source: list[DetailLine] = detail_lines(None)
        self._wrapped: list[tuple[str, str]] = []
        self._wrap_width = -1
        self._pending: Event | None = None
        self._timer: Timer | None = None
        self._ready_at = 0.0

    @property
    def event(self) -> Event | None:
        """The event shown."""
        return self._event

    @property
    def text_lines(self) -> list[str]:
        """The unwrapped text lines shown (plain, already escaped)."""
        return [line.text for line in self._source]

    @property
    def limited(self) -> bool:
        """Whether the content was cut or not pretty-printed (a note says why)."""
        return any(line.role == "note" for line in self._source) and self._event is not None

    def show(self, event: Event | None) -> None:
        """Show ``event`` (``None``: nothing highlighted); may be deferred, the last one wins."""
        self._pending = event
        if self._timer is not None:
            return
        wait = self._ready_at - time.monotonic()
        if wait <= 0 or not self.is_mounted:
            self._show_pending()
        else:
            self._timer = self.set_timer(wait, self._show_pending, name="detail-show")

    def flush(self) -> None:
        """Show the last event passed to :meth:`show` now, even if it was deferred."""
        if self._timer is not None:
            self._timer.stop()
        self._show_pending()

    def _show_pending(self) -> None:
        self._timer = None
        event = self._pending
        if event is self._event and self._wrap_width >= 0:
            return
        started = time.monotonic()
        self._event = event
        self._source = detail_lines(event, self._utc)
        self._wrap_width = -1
        if self.is_mounted:
            self._rewrap()
            self.scroll_to(y=0, animate=False, force=True)
            self.refresh()
        finished = time.monotonic()
        self._ready_at = finished + (finished - started) * (1 / self.MAX_BUSY - 1)

    def on_mount(self) -> None:
        self._rewrap()

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()

    def _rewrap(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        if width == self._wrap_width:
            return
        self._wrap_width = width
        wrapped: list[tuple[str, str]] = []
        for line in self._source:
            if len(line.text) <= width and line.text.isascii():
                wrapped.append((line.text, line.role))
                continue
            wrapped.extend((piece, line.role) for piece in chop_cells(line.text, width) or [""])
        self._wrapped = wrapped
        self.virtual_size = Size(0, len(wrapped))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = int(self.scroll_y) + y
        base = self.rich_style
        if row >= len(self._wrapped):
            return Strip.blank(width, base)
        text, role = self._wrapped[row]
        style: Style = base + self.get_component_rich_style(f"detail--{role}", partial=True)
        return Strip([Segment(text, style)]).extend_cell_length(width, base).crop(0, width)
