"""The detail pane: every field of the highlighted event, its payload pretty-printed or dumped.

Payloads are untrusted and can be huge: JSON is only pretty-printed up to
:data:`JSON_MAX_BYTES` and :data:`JSON_MAX_DEPTH` levels, text and hex dumps stop after
:data:`SHOW_MAX_BYTES` with a note, every line goes through ``printable`` (pretty JSON
through its JSON twin, ``terminal_safe_json``) and is drawn as a plain ``Segment`` (never
markup), and only the visible lines are rendered.

The pane fits its width: the hex dump has 16 or 8 bytes a line, whichever fits, and is
never wrapped; JSON deeper than :data:`JSON_FOLD_DEPTH` levels is folded (``z`` unfolds);
long text wraps, or scrolls sideways (``w``).

``j``/``k`` move a cursor over the lines of a JSON payload that hold a value; the jq path
of the value under it (:attr:`DetailPane.cursor_path`) prefills the ``field: add`` dialog.
The paths are only worked out once the cursor is first moved on an event.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
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
from tui.core.fields import jq_path
from tui.widgets.clipboard import copy_event, copy_payload

__all__ = ["DetailLine", "DetailPane", "detail_lines", "hex_bytes_for"]

JSON_MAX_BYTES = 256 * 1024
"""Text payloads bigger than this are not parsed as JSON."""
JSON_MAX_DEPTH = 200
"""JSON nested deeper than this is shown raw."""
SHOW_MAX_BYTES = 64 * 1024
"""Text characters, or binary bytes, shown before "… N more bytes"."""
JSON_FOLD_DEPTH = 4
"""JSON objects and arrays nested deeper than this are shown as ``{… 3 keys}`` until unfolded."""
HEX_WIDE = 16
HEX_NARROW = 8
"""Bytes per hex dump line: 16 when the pane has room for such a line, else 8."""


def hex_line_width(per_line: int) -> int:
    """Cells of one hex dump line: offset, the bytes in hex, the ASCII column."""
    return 8 + 2 + per_line * 3 - 1 + 2 + per_line


def hex_bytes_for(width: int) -> int:
    """Bytes per hex dump line for a pane ``width`` cells wide."""
    return HEX_WIDE if width >= hex_line_width(HEX_WIDE) else HEX_NARROW


@dataclass(frozen=True, slots=True)
class DetailLine:
    """One source line of the pane, the component class that styles it, and whether it wraps."""

    text: str
    role: str = "body"
    wrap: bool = True


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


def _folded(value: dict[str, Any] | list[Any]) -> str:
    count = len(value)
    if isinstance(value, dict):
        return f"{{… {count} {'key' if count == 1 else 'keys'}}}"
    return f"[… {count} {'item' if count == 1 else 'items'}]"


def _fold_lines(value: Any, fold_depth: int, paths: list[str | None] | None = None) -> list[str]:
    """Lines like ``json.dumps(value, indent=2)``, with containers deeper than
    ``fold_depth`` on one line as ``{… N keys}`` / ``[… N items]``.

    With ``paths``, the jq path of the value each line starts is appended to it, line by
    line (``None`` for the lines that close a container, and for the whole document's).

    Recursive: only called on values whose depth was checked against JSON_MAX_DEPTH.
    """
    out: list[str] = []

    def line(text: str, keys: tuple[str | int, ...] | None) -> None:
        out.append(text)
        if paths is not None:
            paths.append(jq_path(keys) if keys else None)

    def emit(item: Any, depth: int, lead: str, trail: str, keys: tuple[str | int, ...]) -> None:
        pad = "  " * (depth - 1)
        if not isinstance(item, dict | list) or not item:
            line(f"{pad}{lead}{json.dumps(item, ensure_ascii=False)}{trail}", keys)
        elif depth > fold_depth:
            line(f"{pad}{lead}{_folded(item)}{trail}", keys)
        elif isinstance(item, dict):
            line(f"{pad}{lead}{{", keys)
            last = len(item) - 1
            for index, (key, child) in enumerate(item.items()):
                name = json.dumps(key, ensure_ascii=False)
                emit(child, depth + 1, f"{name}: ", "," if index < last else "", (*keys, key))
            line(f"{pad}}}{trail}", None)
        else:
            line(f"{pad}{lead}[", keys)
            last = len(item) - 1
            for index, child in enumerate(item):
                emit(child, depth + 1, "", "," if index < last else "", (*keys, index))
            line(f"{pad}]{trail}", None)

    emit(value, 1, "", "", ())
    return out


def json_line_paths(text: str, size: int, fold_depth: int | None) -> list[str | None] | None:
    """The jq path of the value on each line :func:`pretty_json` shows for ``text`` (``None``
    where a line holds none); ``None`` when ``text`` is not shown as pretty JSON."""
    if pretty_json(text, size, fold_depth=1).lines is None:  # its checks, folded cheaply
        return None
    paths: list[str | None] = []
    # Unfolded, json.dumps(indent=2) and _fold_lines give the same lines.
    _fold_lines(json.loads(text), fold_depth or JSON_MAX_DEPTH + 1, paths)
    return paths


@dataclass(frozen=True, slots=True)
class PrettyJson:
    """The outcome of trying to pretty-print a text payload as JSON."""

    lines: list[str] | None
    """The pretty lines, or ``None``: shown as raw text."""
    note: str | None = None
    """Why a JSON document is shown raw."""
    folded: bool = False
    """Whether some structures were folded (``z`` unfolds them)."""


def pretty_json(text: str, size: int, fold_depth: int | None = JSON_FOLD_DEPTH) -> PrettyJson:
    """Pretty-printed lines of a JSON object/array, folded beyond ``fold_depth`` (``None``: not)."""
    head = text[:64].lstrip()
    if not head or head[0] not in "[{":
        return PrettyJson(None)
    if size > JSON_MAX_BYTES:
        return PrettyJson(
            None,
            f"JSON not pretty-printed: {size} bytes is over the "
            f"{JSON_MAX_BYTES // 1024} KiB limit; showing raw text",
        )
    too_deep = f"too deeply nested to pretty-print (over {JSON_MAX_DEPTH} levels); showing raw text"
    try:
        value = json.loads(text)
    except RecursionError:
        return PrettyJson(None, too_deep)
    except ValueError:
        return PrettyJson(None)
    depth = _depth(value)
    if depth > JSON_MAX_DEPTH:
        return PrettyJson(None, too_deep)
    if fold_depth is not None and depth > fold_depth:
        return PrettyJson(_fold_lines(value, fold_depth), folded=True)
    try:
        pretty = json.dumps(value, indent=2, ensure_ascii=False)  # the C encoder: fast
    except (RecursionError, ValueError):
        return PrettyJson(None, too_deep)
    return PrettyJson(pretty.split("\n"))


def _more(remaining: int) -> DetailLine:
    return DetailLine(f"… {remaining} more bytes (limited to {SHOW_MAX_BYTES // 1024} KiB)", "note")


def _text_body(data: str, size: int, fold_depth: int | None) -> list[DetailLine]:
    lines: list[DetailLine] = []
    pretty = pretty_json(data, size, fold_depth)
    if pretty.note:
        lines.append(DetailLine(pretty.note, "note"))
    if pretty.folded:
        lines.append(DetailLine(f"folded beyond level {fold_depth}; z unfolds", "hint"))
    if pretty.lines is not None:
        # JSON as json wrote it: its backslashes are all escapes, so the unsafe characters
        # get JSON escapes too (printable() would double every backslash).
        return lines + [DetailLine(terminal_safe_json(line)) for line in pretty.lines]
    cut = data[:SHOW_MAX_BYTES]
    lines.extend(DetailLine(printable(line)) for line in cut.split("\n"))
    if len(cut) < len(data):
        lines.append(_more(size - len(cut.encode("utf-8", "surrogatepass"))))
    return lines


def _binary_body(data: bytes, hex_bytes: int) -> list[DetailLine]:
    cut = data[:SHOW_MAX_BYTES]
    lines = [DetailLine(line, wrap=False) for line in hexdump(cut, hex_bytes)]
    if len(cut) < len(data):
        lines.append(_more(len(data) - len(cut)))
    lines.append(DetailLine(""))
    lines.append(DetailLine("base64", "label"))
    lines.append(DetailLine(encode_base64(cut)))
    if len(cut) < len(data):
        lines.append(_more(len(data) - len(cut)))
    return lines


def detail_lines(
    event: Event | None,
    utc: bool = False,
    *,
    hex_bytes: int = HEX_WIDE,
    fold_depth: int | None = JSON_FOLD_DEPTH,
) -> list[DetailLine]:
    """The pane's content for ``event``: a header, the fields, then the payload.

    ``hex_bytes``: bytes per hex dump line; ``fold_depth``: JSON levels shown before
    folding (``None``: everything unfolded).
    """
    if event is None:
        return [DetailLine("No event highlighted.", "note")]
    size = f"  {event.size} B" if isinstance(event, PayloadEvent) else ""
    # Two short lines: one of ~55 cells wrapped in a pane beside the feed, cutting `19 B`.
    header = f"#{event.seq}  {printable(event.connection)}  {event.EVENT}{size}"
    lines = [DetailLine(header, "header"), DetailLine(_when(event.ts, utc), "header")]

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
            lines.extend(_binary_body(event.data, hex_bytes))
        else:
            field("text", f"{event.size} bytes")
            lines.extend(_text_body(event.data, event.size, fold_depth))
    return lines


class DetailPane(ScrollView, can_focus=True):
    """Shows one event in full; only visible lines are drawn.

    While the feed follows a flood, :meth:`show` may be called for every repaint. Small
    events are shown at once; after an expensive one (a big JSON document) the next
    :meth:`show` waits so that building the pane stays under :attr:`MAX_BUSY` of the time.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("z", "unfold", "Unfold", id="detail.unfold"),
        Binding("w", "wrap", "Wrap", id="detail.wrap"),
        Binding("y", "copy", "Copy", id="detail.copy", show=False),
        Binding("Y", "copy_payload", "Copy payload", id="detail.copy_payload", show=False),
        Binding("enter", "pair", "Request/response", id="detail.pair", show=False),
        Binding("j", "path_down", "Next value", id="detail.path_down", show=False),
        Binding("k", "path_up", "Previous value", id="detail.path_up", show=False),
        Binding("plus", "add_field", "Add field", id="detail.add_field", show=False),
    ]

    @dataclass
    class PairWanted(Message):
        """Enter on a paired request or response: the feed should highlight the other."""

        pane: DetailPane
        """The pane it was asked in."""
        seq: int
        """The other event's seq."""

        @property
        def control(self) -> DetailPane:
            """Alias for :attr:`pane`."""
            return self.pane

    @dataclass
    class FieldWanted(Message):
        """``+``: add a field of the value under the cursor (or of the first one)."""

        pane: DetailPane
        """The pane it was asked in."""

        @property
        def control(self) -> DetailPane:
            """Alias for :attr:`pane`."""
            return self.pane

    MAX_BUSY: ClassVar[float] = 0.1
    """Largest share of wall time spent building the pane's content."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "detail--header",
        "detail--label",
        "detail--note",
        "detail--hint",
        "detail--body",
        "detail--cursor",
    }

    DEFAULT_CSS = """
    DetailPane {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        &.-nowrap { overflow-x: auto; }
        & > .detail--header { text-style: bold; color: $text-primary; }
        & > .detail--label { color: $text-muted; }
        & > .detail--note { color: $text-warning; text-style: italic; }
        & > .detail--hint { color: $text-muted; text-style: italic; }
        & > .detail--body { }
        /* Reversed as well as coloured: the cursor shows in monochrome too. */
        & > .detail--cursor { text-style: reverse bold; }
    }
    """

    wrap: reactive[bool] = reactive(True, init=False)
    """Whether long lines wrap (else the pane scrolls sideways). Hex dumps never wrap."""
    unfolded: reactive[bool] = reactive(False, init=False)
    """Whether deep JSON is shown in full instead of folded."""

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
        self._hex_bytes = HEX_WIDE
        self._source: list[DetailLine] = detail_lines(None)
        self._wrapped: list[tuple[str, str]] = []
        self._origin: list[int] = []  # the source line of each wrapped row
        self._paths: list[str | None] | None = None  # of each source line, once asked for
        self._cursor: int | None = None  # the source line under the value cursor
        self._wrap_width = -1
        self._pending: Event | None = None
        self._timer: Timer | None = None
        self._ready_at = 0.0
        self.pairing: Callable[[Event], tuple[str, int] | None] | None = None
        """Gives an event's pairing line (``response to #12 after 3.2 ms``) and the other
        event's seq (0: none), for events that pairing marked."""

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

    @property
    def folded(self) -> bool:
        """Whether some JSON structures are folded."""
        return any(line.role == "hint" for line in self._source)

    @property
    def cursor_path(self) -> str | None:
        """The jq path of the value under the cursor (``None``: no cursor)."""
        if self._cursor is None or self._paths is None:
            return None
        return self._paths[self._cursor]

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
        self._build(scroll_home=True)
        finished = time.monotonic()
        self._ready_at = finished + (finished - started) * (1 / self.MAX_BUSY - 1)

    def _build(self, *, scroll_home: bool = False) -> None:
        """Make the source lines of the shown event with the current options, and lay them out."""
        fold = None if self.unfolded else JSON_FOLD_DEPTH
        was_folded = self.folded
        self._source = detail_lines(
            self._event, self._utc, hex_bytes=self._hex_bytes, fold_depth=fold
        )
        paired = self._paired()
        if paired is not None:
            self._source.insert(2, DetailLine(paired[0], "label"))
        self._paths = None
        self._cursor = None
        if self.is_mounted and self.folded != was_folded:
            self.refresh_bindings()  # z applies or not; only then (a footer rebuild costs ms)
        self._wrap_width = -1
        if self.is_mounted:
            self._rewrap()
            if scroll_home:
                self.scroll_to(x=0, y=0, animate=False, force=True)
            self.refresh()

    def rebuild(self) -> None:
        """Build the content again (the shown event's pairing line changed)."""
        self._build()

    def on_mount(self) -> None:
        self._rewrap()

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()

    def watch_wrap(self, wrap: bool) -> None:
        self.set_class(not wrap, "-nowrap")
        self._wrap_width = -1
        self._rewrap()
        self.scroll_to(x=0, animate=False, force=True)
        self.refresh()

    def watch_unfolded(self) -> None:
        self._build()

    def action_wrap(self) -> None:
        self.wrap = not self.wrap

    def action_unfold(self) -> None:
        """Unfold all deep JSON, or fold it again."""
        self.unfolded = not self.unfolded

    def action_copy(self) -> None:
        copy_event(self, self._event)

    def action_copy_payload(self) -> None:
        copy_payload(self, self._event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unfold":  # greyed when there is nothing to fold or unfold
            return True if self.unfolded or self.folded else None
        if action == "copy":
            return True if self._event is not None else None
        if action == "copy_payload":
            return True if isinstance(self._event, PayloadEvent) else None
        if action == "pair":
            paired = self._paired()
            return True if paired is not None and paired[1] else None
        if action in ("path_down", "path_up", "add_field"):
            event = self._event
            return True if isinstance(event, PayloadEvent) and isinstance(event.data, str) else None
        return True

    def _paired(self) -> tuple[str, int] | None:
        event = self._event
        if event is None or self.pairing is None:
            return None
        return self.pairing(event)

    def _value_lines(self) -> list[int]:
        """The source lines that hold a value of the JSON payload, in order."""
        if self._paths is None:
            event, paths = self._event, None
            if isinstance(event, PayloadEvent) and isinstance(event.data, str):
                fold = None if self.unfolded else JSON_FOLD_DEPTH
                paths = json_line_paths(event.data, event.size, fold)
            # The pretty lines end the source (detail_lines puts nothing after them).
            found: list[str | None] = paths or []
            lead: list[str | None] = [None] * (len(self._source) - len(found))
            self._paths = lead + found
        return [index for index, path in enumerate(self._paths) if path is not None]

    def _move_cursor(self, step: int) -> None:
        lines = self._value_lines()
        if not lines:
            return
        if self._cursor is None:
            self._cursor = lines[0] if step > 0 else lines[-1]
        else:
            at = lines.index(self._cursor) + step
            self._cursor = lines[max(0, min(len(lines) - 1, at))]
        row = self._origin.index(self._cursor)
        height = self.scrollable_content_region.height
        if not self.scroll_y <= row < self.scroll_y + height:
            self.scroll_to(y=max(0, row - height // 2), animate=False, force=True)
        self.refresh()

    def action_path_down(self) -> None:
        """The cursor to the next value of the JSON payload."""
        self._move_cursor(1)

    def action_path_up(self) -> None:
        """The cursor to the previous value of the JSON payload."""
        self._move_cursor(-1)

    def action_add_field(self) -> None:
        """Ask for a field of the value under the cursor."""
        self.post_message(self.FieldWanted(self))

    def action_pair(self) -> None:
        """Ask for the other side of the shown request or response."""
        paired = self._paired()
        if paired is not None and paired[1]:
            self.post_message(self.PairWanted(self, paired[1]))

    def _rewrap(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        hex_bytes = hex_bytes_for(width)
        if hex_bytes != self._hex_bytes:
            self._hex_bytes = hex_bytes
            if isinstance(self._event, PayloadEvent) and isinstance(self._event.data, bytes):
                self._build()  # the dump is laid out again for the new width
                return
        if width == self._wrap_width:
            return
        self._wrap_width = width
        wrapped: list[tuple[str, str]] = []
        origin: list[int] = []
        widest = 0
        wrap = self.wrap
        for index, line in enumerate(self._source):
            text = line.text
            if not (wrap and line.wrap) or (len(text) <= width and text.isascii()):
                wrapped.append((text, line.role))
                origin.append(index)
                if not wrap:
                    widest = max(widest, cell_len(text))
                continue
            pieces = chop_cells(text, width) or [""]
            wrapped.extend((piece, line.role) for piece in pieces)
            origin.extend([index] * len(pieces))
        self._wrapped = wrapped
        self._origin = origin
        self.virtual_size = Size(widest, len(wrapped))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._wrap_width:
            # The content region narrows and widens with the scrollbars, without a Resize.
            self._rewrap()
        row = int(self.scroll_y) + y
        base = self.rich_style
        if row >= len(self._wrapped):
            return Strip.blank(width, base)
        text, role = self._wrapped[row]
        style: Style = base + self.get_component_rich_style(f"detail--{role}", partial=True)
        if self._cursor is not None and self._origin[row] == self._cursor:
            style += self.get_component_rich_style("detail--cursor", partial=True)
        left = int(self.scroll_x)
        strip = Strip([Segment(text, style)])
        return strip.crop(left, left + width).extend_cell_length(width, base)
