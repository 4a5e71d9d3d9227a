"""Feed rows are built as segments directly; they must be what a rich ``Text`` renders."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text

from tui.core.display import GLYPHS, clock, printable, summary
from tui.core.events import (
    ErrorEvent,
    Event,
    PayloadEvent,
    ReceiveEvent,
    SendEvent,
    StartEvent,
    StopEvent,
)
from tui.widgets.feed_row import (
    BINARY_TAG,
    NAME_WIDTH,
    PREFIX_WIDTH,
    SIZE_WIDTH,
    RowStyles,
    fit,
    row_strip,
    size_label,
)

T0 = 1_700_000_000.0

STYLES = RowStyles(
    base=Style(color="white", bgcolor="black"),
    time=Style(dim=True),
    name=Style(color="cyan"),
    size=Style.null(),  # a column without a style of its own
    kinds={
        "start": Style(color="blue"),
        "stop": Style(color="yellow"),
        "receive": Style(color="green"),
        "send": Style(color="magenta"),
        "error": Style(color="red", bold=True),
    },
    cursor=Style(bgcolor="blue", reverse=True),
)

EVENTS: list[Event] = [
    ReceiveEvent("echo", T0, seq=1, data="hello", size=5),
    ReceiveEvent("界面-connection-with-a-long-name", T0, seq=2, data="数据 " * 40, size=9999),
    ReceiveEvent("bin", T0, seq=3, data=b"\x00\x01\xff" * 30, size=90),
    SendEvent("echo", T0, seq=4, data="[bold]x[/] \x1b[2J", size=123_456),
    StartEvent("echo", T0, url="ws://127.0.0.1/"),
    StopEvent("echo", T0, code=1000, reason="bye"),
    ErrorEvent("echo", T0, kind="connect", message="refused"),
]


def text_row(event: Event, width: int, cursor: bool) -> Text:
    """The reference: the same runs as a rich Text, truncated and padded to ``width``."""
    kind_style = STYLES.kinds[event.EVENT]
    text = Text(style=STYLES.base, no_wrap=True, end="")
    text.append(clock(event.ts) + " ", STYLES.time)
    text.append(fit(printable(event.connection), NAME_WIDTH) + " ", STYLES.name)
    text.append(GLYPHS[event.EVENT] + " ", kind_style + Style(bold=True))
    size = size_label(event.size) if isinstance(event, PayloadEvent) else ""
    text.append(size.rjust(SIZE_WIDTH) + " ", STYLES.size)
    room = width - PREFIX_WIDTH
    if room > 0 and isinstance(event, PayloadEvent) and isinstance(event.data, bytes):
        tag = fit(BINARY_TAG, min(room, len(BINARY_TAG)))
        text.append(tag, kind_style + Style(bold=True))
        room -= len(tag)
    if room > 0:
        text.append(fit(summary(event, "hex", limit=room), room), kind_style)
    text.truncate(width, overflow="ellipsis", pad=True)
    if cursor:
        text.stylize(STYLES.cursor)
    return text


@pytest.mark.parametrize("cursor", [False, True])
@pytest.mark.parametrize("width", [1, 10, 20, PREFIX_WIDTH - 1, PREFIX_WIDTH, 38, 41, 80, 131])
def test_rows_are_the_segments_rich_text_renders(width: int, cursor: bool) -> None:
    console = Console(width=200)
    for event in EVENTS:
        expected = list(text_row(event, width, cursor).render(console))
        strip = row_strip(event, width, STYLES, view="hex", cursor=cursor)
        assert list(strip) == expected, (event, width)
        assert strip.cell_length == width


def test_styles_are_added_once_per_kind_of_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """A following feed draws hundreds of rows a second: the styles of a row's runs are
    worked out once per (kind, cursor, dropped), not added up again for every row."""
    styles = replace(STYLES)  # a fresh copy: nothing worked out yet
    first = [list(row_strip(e, 80, styles, cursor=e.seq == 2)) for e in EVENTS]
    additions = 0
    add = Style.__add__

    def counting_add(self: Style, other: Style | None) -> Style:
        nonlocal additions
        additions += 1
        return add(self, other)

    monkeypatch.setattr(Style, "__add__", counting_add)
    for _ in range(100):
        again = [list(row_strip(e, 80, styles, cursor=e.seq == 2)) for e in EVENTS]
    assert again == first
    assert additions == 0
    dropped = row_strip(EVENTS[0], 80, styles, dropped=True)
    assert all(segment.style is not None and segment.style.dim for segment in dropped)
    assert "dropped" in dropped.text


@pytest.mark.parametrize(
    "text",
    ["", "hello", "x" * 40, "a\\b c", "数据 数据", "é" * 12, "tab\there", "\u200bzero", "12345678"],
)
@pytest.mark.parametrize("width", [-1, 0, 1, 2, 7, 8, 9, 12, 40])
def test_fit_pads_or_cuts_to_exactly_width_cells(text: str, width: int) -> None:
    """Plain ASCII takes a shortcut (one cell per character); every text ends up as rich
    measures and cuts it."""
    from rich.cells import cell_len, set_cell_size

    if width <= 0:
        expected = ""
    elif cell_len(text) <= width:
        expected = set_cell_size(text, width)
    else:
        expected = set_cell_size(text, width - 1) + "…"
    assert fit(text, width) == expected


@pytest.mark.parametrize("utc", [False, True])
def test_the_time_column_reads_as_strftime_would(utc: bool) -> None:
    from datetime import UTC, datetime

    for step in range(2000):
        ts = T0 + step * 37.0137  # hours, minutes, seconds and milliseconds all move
        moment = datetime.fromtimestamp(ts, UTC) if utc else datetime.fromtimestamp(ts)
        expected = moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
        assert clock(ts, utc) == expected
