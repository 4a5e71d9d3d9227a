"""Writing only the changed cells leaves a terminal showing exactly what Textual's own full
repaint of the same updates shows (checked on a terminal emulator, cell by cell)."""

from __future__ import annotations

import random
import re

import pyte
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from tui.screen_diff import ScreenDiff

WIDTH, HEIGHT = 40, 8
CUTS = [0, 13, 29, WIDTH]  # three chops per line, as three widgets side by side
STYLES = [
    Style(color="#ffffff", bgcolor="#1e1e1e"),
    Style(color="#57a5e2", bgcolor="#1e1e1e"),
    Style(color="#8ad4a1", bgcolor="#1e1e1e", bold=True),
    Style(color="#8ad4a1", bgcolor="#000000"),
    Style(reverse=True),
    Style(color="#57a5e2", underline=True, link="https://example.com/"),
    Style(italic=True),
    None,
]
CHARS = "abcxyz .:-0123456789"
WIDE = "世界漢字"


class Terminal:
    """A terminal emulator fed with what would be written to the terminal."""

    def __init__(self) -> None:
        self.screen = pyte.Screen(WIDTH, HEIGHT)
        self.stream = pyte.Stream(self.screen)

    def write(self, data: str) -> None:
        self.stream.feed(data)

    def cells(self) -> list[list[tuple[str, str, str, bool, bool, bool, bool]]]:
        buffer = self.screen.buffer
        return [
            [
                (c.data, c.fg, c.bg, c.bold, c.reverse, c.underscore, c.italics)
                for c in (buffer[y][x] for x in range(WIDTH))
            ]
            for y in range(HEIGHT)
        ]


def _random_line(rng: random.Random) -> list[tuple[str, Style | None]]:
    """One line of cells: (character, style), a wide character followed by ("", style)."""
    cells: list[tuple[str, Style | None]] = []
    while len(cells) < WIDTH:
        style = rng.choice(STYLES)
        for _ in range(rng.randint(1, 12)):
            room = WIDTH - len(cells)
            if room >= 2 and rng.random() < 0.15:
                cells += [(rng.choice(WIDE), style), ("", style)]
            elif room >= 1:
                cells.append((rng.choice(CHARS), style))
    return cells


def _strip(cells: list[tuple[str, Style | None]]) -> Strip:
    segments = [Segment(char, style) for char, style in cells if char]
    return Strip(Segment.simplify(segments), len(cells))


def _chops(line: list[tuple[str, Style | None]]) -> dict[int, Strip | None]:
    """The line cut at CUTS; a cut that splits a wide character moves after it."""
    chops: dict[int, Strip | None] = {}
    start = 0
    for cut in CUTS[1:]:
        end = cut if cut == WIDTH or line[cut][0] != "" else cut + 1
        if end > start:
            chops[start] = _strip(line[start:end])
            start = end
    return chops


def _update(
    lines: list[list[tuple[str, Style | None]]], spans: list[tuple[int, int, int]]
) -> ChopsUpdate:
    chops: list[dict[int, Strip | None]] = []
    ends: list[list[int]] = []
    for line in lines:
        line_chops = _chops(line)
        chops.append(line_chops)
        ends.append([*list(line_chops)[1:], WIDTH])
    return ChopsUpdate(chops, spans, ends)


def _changed(rng: random.Random, line: list[tuple[str, Style | None]]) -> tuple[int, int]:
    """Change a random stretch of ``line`` in place; its (x1, x2), widened over any wide
    character it cuts (as a widget's region never cuts one)."""
    fresh = _random_line(rng)
    x1 = rng.randrange(WIDTH)
    x2 = rng.randint(x1 + 1, WIDTH)
    while x1 > 0 and (line[x1][0] == "" or fresh[x1][0] == ""):
        x1 -= 1
    while x2 < WIDTH and (line[x2][0] == "" or fresh[x2][0] == ""):
        x2 += 1
    line[x1:x2] = fresh[x1:x2]
    return x1, x2


def test_diffed_updates_leave_the_same_screen_as_full_ones() -> None:
    rng = random.Random(16)
    console = Console(color_system="truecolor", force_terminal=True, width=WIDTH)
    full, diffed = Terminal(), Terminal()
    screen = ScreenDiff()
    lines = [_random_line(rng) for _ in range(HEIGHT)]
    first = LayoutUpdate(
        [list(_chops(line).values()) for line in lines], Region(0, 0, WIDTH, HEIGHT)
    )  # type: ignore[misc]
    full.write(first.render_segments(console))
    diffed.write(screen.wrap(first).render_segments(console))
    written_full = written_diffed = 0
    for frame in range(300):
        spans = []
        for y in sorted(rng.sample(range(HEIGHT), rng.randint(1, HEIGHT))):
            x1, x2 = _changed(rng, lines[y])
            if frame % 50 == 49:
                x1, x2 = 0, WIDTH  # now and then the whole screen
            spans.append((y, x1, x2))
        update = _update(lines, spans)
        data_full = update.render_segments(console)
        data_diffed = screen.wrap(update).render_segments(console)
        full.write(data_full)
        diffed.write(data_diffed)
        written_full += len(data_full)
        written_diffed += len(data_diffed)
        assert diffed.cells() == full.cells(), f"frame {frame}"
    assert written_diffed < written_full / 2


def test_a_feed_row_that_scrolled_by_is_written_as_its_changed_digits() -> None:
    """The case it is for: every row of a following feed changes, a few cells each."""
    console = Console(color_system="truecolor", force_terminal=True, width=WIDTH)
    screen = ScreenDiff()
    time, payload = STYLES[0], STYLES[2]

    def row(seq: int) -> list[tuple[str, Style | None]]:
        cells = [(c, time) for c in "12:00:01.5 "]
        return cells + [(c, payload) for c in f"{seq:08d} ......................"[: WIDTH - 11]]

    def lines(first: int) -> list[list[tuple[str, Style | None]]]:
        return [row(first + y) for y in range(HEIGHT)]

    every = [(y, 0, WIDTH) for y in range(HEIGHT - 1)]  # not the whole screen
    screen.wrap(_update(lines(1000), every)).render_segments(console)
    data = screen.wrap(_update(lines(1750), every)).render_segments(console)
    # One colour sequence for all the rows, then per row one move and its two new digits
    # (00001000 -> 00001750, 00001001 -> 00001751...).
    assert data.count("\x1b[0;") == 1
    assert re.findall(r"\x1b\[(\d+);(\d+)H(\d+)", data) == [
        (str(y + 1), str(11 + 5 + 1), "75") for y in range(HEIGHT - 1)
    ]
    assert len(_update(lines(1750), every).render_segments(console)) > 10 * len(data)


def test_other_updates_start_the_record_anew() -> None:
    console = Console(color_system="truecolor", force_terminal=True, width=WIDTH)
    screen = ScreenDiff()
    lines = [[("a", STYLES[0])] * WIDTH for _ in range(HEIGHT)]
    spans = [(0, 0, WIDTH)]
    assert screen.wrap(_update(lines, spans)).render_segments(console)
    assert not screen.wrap(_update(lines, spans)).render_segments(console)  # nothing changed
    screen.reset()  # e.g. a renderable that is not a compositor update went out
    assert "a" * WIDTH in screen.wrap(_update(lines, spans)).render_segments(console)
    # A repaint of the whole screen (a resize, a resume) is written whole.
    everything = [(y, 0, WIDTH) for y in range(HEIGHT)]
    data = screen.wrap(_update(lines, everything)).render_segments(console)
    assert data.count("a" * WIDTH) == HEIGHT


def _write_both(lines_seq: list[list[list[tuple[str, Style | None]]]]) -> tuple[Terminal, Terminal]:
    """Each frame of ``lines_seq`` (all lines dirty, not the whole screen) written in full
    to one terminal and through a :class:`ScreenDiff` to another."""
    console = Console(color_system="truecolor", force_terminal=True, width=WIDTH)
    full, diffed = Terminal(), Terminal()
    screen = ScreenDiff()
    for lines in lines_seq:
        update = _update(lines, [(y, 0, WIDTH) for y in range(len(lines) - 1)])
        full.write(update.render_segments(console))
        diffed.write(screen.wrap(update).render_segments(console))
    return full, diffed


def _line(text: str, style: Style | None = STYLES[0]) -> list[tuple[str, Style | None]]:
    """A line of ``text`` (wide characters and combining marks allowed), padded."""
    from rich.cells import get_character_cell_size

    cells: list[tuple[str, Style | None]] = []
    for char in text:
        width = get_character_cell_size(char)
        if width == 0:
            last = -2 if cells and cells[-1][0] == "" else -1
            cells[last] = (cells[last][0] + char, style)
        else:
            cells.append((char, style))
            if width == 2:
                cells.append(("", style))
    return cells + [(" ", style)] * (WIDTH - len(cells))


def test_a_wide_character_with_a_mark_keeps_the_mark_when_it_changes() -> None:
    # Only the base changes: the diff must write the mark again with it.
    first = [_line("ab 世\u0301 cd")] * HEIGHT
    second = [_line("ab 界\u0301 cd")] * HEIGHT
    full, diffed = _write_both([first, second])
    assert diffed.cells() == full.cells()


def test_hyperlinks_and_attributes_leave_no_style_behind() -> None:
    link = Style(color="#57a5e2", link="https://example.com/", underline=True)
    bold = Style(bold=True, reverse=True)
    frames = [
        [_line("plain text here", None)] * HEIGHT,
        [_line("plain", None)[:5] + _line("LINK!", link)[:5] + _line(" tail", None)[: WIDTH - 10]]
        * HEIGHT,
        [_line("BOLD!", bold)[:5] + _line("plain", None)[:5] + _line(" tail", None)[: WIDTH - 10]]
        * HEIGHT,
        [_line("plain text here", None)] * HEIGHT,
    ]
    full, diffed = _write_both(frames)
    assert diffed.cells() == full.cells()
