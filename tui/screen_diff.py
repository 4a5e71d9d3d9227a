"""Screen updates that write only the cells that changed, for terminals at the end of a link.

Textual repaints a dirty region by writing every cell of it again, each styled run with
its full colour sequence and a reset (in truecolour ~40 bytes a run). A feed that follows
a flood is dirty from top to bottom at every repaint although most of each row stays the
same (the time's first digits, the name, the glyph, the size, most of the payload): over
SSH at 10 000 messages/s that was ~140 KB/s. :class:`ScreenDiff` keeps what the terminal
shows, cell by cell, and turns each update into the changed cells only: one cursor move
per changed run, runs of one style written together under a single colour sequence.

An update that covers the whole screen (a resize, a resume, a full refresh) is written in
full and starts the record anew, so a terminal whose content was disturbed from outside
is repainted whole as before.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len, get_character_cell_size
from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.strip import Strip

__all__ = ["ScreenDiff"]

GAP = 4
"""Unchanged cells of the same style that a run takes along rather than moving the cursor
over them (a move costs 6-8 bytes)."""

_RESET = "\x1b[0m"

Run = tuple[int, int, int, str]
"""(y, x, end, text) of cells written together: line, first cell, the cell after the last."""


class ScreenDiff:
    """What the terminal shows, per line: a character (``""`` for the second cell of a wide
    one) and a style per cell; ``None`` where it is not known."""

    def __init__(self) -> None:
        self._chars: dict[int, list[str | None]] = {}
        self._styles: dict[int, list[Style | None]] = {}

    def reset(self) -> None:
        """Forget what the terminal shows: the next updates are written in full."""
        self._chars.clear()
        self._styles.clear()

    def wrap(self, update: CompositorUpdate) -> CompositorUpdate:
        """``update`` as it should be written: changed cells only, or in full (noted)."""
        if isinstance(update, ChopsUpdate):
            return _Diffed(self, update)
        if isinstance(update, LayoutUpdate):
            return _Noted(self, update)
        self.reset()
        return update

    def diff(self, update: ChopsUpdate, color_system: ColorSystem) -> str:
        """The terminal sequence that brings the screen up to date with ``update``."""
        if _covers_screen(update):
            self.reset()
        runs: dict[Style | None, list[Run]] = {}
        linked: list[tuple[Style, Run]] = []  # hyperlinks, written one by one
        chops, ends = update.chops, update.chop_ends
        for y, x1, x2 in update.spans:
            for end, (x, strip) in zip(ends[y], chops[y].items(), strict=False):
                if strip is None or x >= x2 or end <= x1:
                    continue
                for style, run in self._changes(y, x, strip):
                    if style is not None and style.link:
                        linked.append((style, run))
                        continue
                    same_style = runs.setdefault(style, [])
                    if same_style and same_style[-1][0] == y and same_style[-1][2] == run[1]:
                        # It goes on where the last one ended (across chops): no move.
                        last = same_style.pop()
                        run = (y, last[1], run[2], last[3] + run[3])
                    same_style.append(run)
        out: list[str] = []
        for style, style_runs in runs.items():
            ansi = Strip.render_ansi(style, color_system) if style is not None else ""
            out.append(f"\x1b[0;{ansi}m" if ansi else _RESET)
            for y, x, _, text in style_runs:
                out.append(f"\x1b[{y + 1};{x + 1}H{text}")
        for style, (y, x, _, text) in linked:
            out.append(f"{_RESET}\x1b[{y + 1};{x + 1}H")
            out.append(Strip.render_style(style, text, color_system))
        if out:
            out.append(_RESET)
        return "".join(out)

    def note(self, y: int, x: int, strips: Iterable[Strip]) -> None:
        """Record line ``y`` from column ``x`` as written in full."""
        for strip in strips:
            chars, styles = _cells(strip)
            if len(chars) != strip.cell_length:
                self._forget(y, x, strip.cell_length)
            else:
                self._store(y, x, chars, styles)
            x += strip.cell_length

    def _changes(self, y: int, x: int, strip: Strip) -> Iterable[tuple[Style | None, Run]]:
        """The runs of ``strip`` (at ``x`` on line ``y``) that differ from the screen."""
        chars, styles = _cells(strip)
        count = len(chars)
        if count != strip.cell_length:  # a character whose width we cannot place: all of it
            self._forget(y, x, strip.cell_length)
            for text, style, _ in strip:
                width = cell_len(text)
                yield style, (y, x, x + width, text)
                x += width
            return
        old_chars, old_styles = self._line(y, x + count)

        def same(i: int) -> bool:
            old = old_styles[x + i]
            return old_chars[x + i] == chars[i] and (old is styles[i] or old == styles[i])

        i = 0
        while i < count:
            if same(i):
                i += 1
                continue
            style = styles[i]
            start = i - 1 if chars[i] == "" and i else i  # the first cell of a wide character
            last = i
            j = i + 1
            while j < count and j - last <= GAP and (styles[j] is style or styles[j] == style):
                if not same(j):
                    last = j
                j += 1
            stop = last + 1
            if stop < count and chars[stop] == "":
                stop += 1  # the second cell of a wide character
            yield style, (y, x + start, x + stop, "".join(c for c in chars[start:stop] if c))
            i = stop
        self._store(y, x, chars, styles)

    def _line(self, y: int, width: int) -> tuple[list[str | None], list[Style | None]]:
        chars = self._chars.setdefault(y, [])
        styles = self._styles.setdefault(y, [])
        if len(chars) < width:
            chars.extend([None] * (width - len(chars)))
            styles.extend([None] * (width - len(styles)))
        return chars, styles

    def _store(self, y: int, x: int, chars: list[str], styles: list[Style | None]) -> None:
        old_chars, old_styles = self._line(y, x + len(chars))
        old_chars[x : x + len(chars)] = chars
        old_styles[x : x + len(styles)] = styles

    def _forget(self, y: int, x: int, width: int) -> None:
        old_chars, _ = self._line(y, x + width)
        old_chars[x : x + width] = [None] * width


def _cells(strip: Strip) -> tuple[list[str], list[Style | None]]:
    """One character and one style per cell; a wide character's second cell is ``""``."""
    chars: list[str] = []
    styles: list[Style | None] = []
    for text, style, _ in strip:
        if text.isascii():
            chars.extend(text)
            styles.extend([style] * len(text))
            continue
        for char in text:
            width = get_character_cell_size(char)
            if width == 0:
                if chars:
                    # A combining mark joins the character before it: a wide one's first
                    # cell, so that it is written again whenever that character is.
                    chars[-2 if chars[-1] == "" else -1] += char
                continue
            chars.append(char)
            styles.append(style)
            if width == 2:
                chars.append("")
                styles.append(style)
    return chars, styles


def _covers_screen(update: ChopsUpdate) -> bool:
    """Whether ``update`` repaints every cell of the screen."""
    height = len(update.chops)
    if len(update.spans) < height or not height:
        return False
    width = update.chop_ends[0][-1] if update.chop_ends[0] else 0
    lines = {y for y, x1, x2 in update.spans if x1 <= 0 and x2 >= width}
    return len(lines) == height


class _Diffed(CompositorUpdate):
    """A partial update written as the changed cells (worked out when it is written)."""

    def __init__(self, screen: ScreenDiff, update: ChopsUpdate) -> None:
        self.screen = screen
        self.update = update

    def render_segments(self, console: Console) -> str:
        return self.screen.diff(self.update, console._color_system or ColorSystem.TRUECOLOR)


class _Noted(CompositorUpdate):
    """A full update, written as Textual writes it and recorded as the screen's content."""

    def __init__(self, screen: ScreenDiff, update: LayoutUpdate) -> None:
        self.screen = screen
        self.update = update

    def render_segments(self, console: Console) -> str:
        update = self.update
        self.screen.reset()
        for y, strips in enumerate(update.strips, update.region.y):
            self.screen.note(y, update.region.x, strips)
        return update.render_segments(console)
