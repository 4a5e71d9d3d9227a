"""The plot screen: numeric fields, or messages per second, of connections over time, live.

Drawn by plotext through textual-plotext (imported here only, when the screen first opens:
~40 ms that the dashboard's start does not pay). Each line has a marker of its own as well
as a colour, so 16 colours, ``NO_COLOR`` and monochrome still tell the lines apart; the
x axis is the wall clock over the last minutes, the y axis scales to what is shown. The
plot is drawn again :data:`REFRESH` times a second at most, however fast values arrive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Static
from textual_plotext import PlotextPlot

from tui.core.display import printable
from tui.core.fields_store import FieldStore
from tui.core.rates import RateHistory
from tui.widgets.footer import KeyFooter

__all__ = [
    "MAX_LINES",
    "WINDOWS",
    "Line",
    "Mode",
    "PlotScreen",
    "Source",
    "field_lines",
    "rate_lines",
]

Mode = Literal["fields", "rate"]

WINDOWS: tuple[float, ...] = (60.0, 300.0, 900.0)
"""The spans of time the plot can show, in seconds (``+`` and ``-`` go between them)."""

REFRESH = 2.0
"""Redraws a second at most while values arrive."""

MAX_LINES = 8
"""Lines in one plot at most: beyond, the busiest (rates) or the first (fields) are shown."""

MARKERS: tuple[str, ...] = ("•", "+", "x", "*", "o", "#", "=", "%")
"""One marker per line, in order: they tell lines apart without colour."""

COLOURS: tuple[str, ...] = (
    "cyan+",
    "magenta+",
    "green+",
    "yellow+",
    "red+",
    "blue+",
    "white",
    "cyan",
)
"""One colour per line, from the 16 a basic terminal has."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the plot: its label (printable), and its points' times and values."""

    label: str
    times: list[float]
    values: list[float]


def _until(line: Line, now: float) -> Line:
    """``line`` without its points after ``now`` (after a step back, times may be out of
    order: each point is looked at)."""
    if all(ts <= now for ts in line.times):
        return line
    kept = [(ts, value) for ts, value in zip(line.times, line.values, strict=True) if ts <= now]
    return Line(line.label, [ts for ts, _ in kept], [value for _, value in kept])


Source = Callable[[float], list[Line]]
"""Gives the lines to draw, with their points since the given time."""


def field_lines(store: FieldStore, names: Sequence[str], since: float) -> list[Line]:
    """The numeric fields of connections ``names`` (the connection in the label when several)."""
    wanted = set(names)
    lines: list[Line] = []
    for connection, field in store.plottable():
        series = store.series(connection, field)
        if connection not in wanted or series is None:
            continue
        label = field if len(wanted) == 1 else f"{connection}.{field}"
        times, values = series.since(since)
        lines.append(Line(printable(label, 30), times, values))
    return lines[:MAX_LINES]


def rate_lines(rates: RateHistory, names: Iterable[str], since: float) -> list[Line]:
    """Received messages per second of ``names``: the :data:`MAX_LINES` busiest."""
    lines: list[Line] = []
    for name in names:
        series = rates.series(name)
        if series is not None:
            times, values = series.since(since)
            lines.append(Line(printable(name, 30), times, values))
    lines.sort(key=lambda line: -sum(line.values[-10:]))
    return lines[:MAX_LINES]


def _clock_label(ts: float, utc: bool) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(ts) if utc else time.localtime(ts))


class PlotScreen(Screen[None]):
    """A live line chart of fields or rates; ``escape`` goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="plot.close"),
        Binding("plus,equals_sign", "window(1)", "Longer", id="plot.longer"),
        Binding("minus", "window(-1)", "Shorter", id="plot.shorter"),
        Binding("m", "mode", "Fields / rate", id="plot.mode"),
        Binding("f", "only", "One line / all", id="plot.only"),
    ]

    DEFAULT_CSS = """
    PlotScreen #plot-note { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(
        self,
        sources: dict[Mode, Source],
        subject: str,
        *,
        mode: Mode = "fields",
        clock: Callable[[], float] = time.time,
        utc: bool = False,
    ) -> None:
        """Plot ``sources[mode]`` of ``subject`` (the connections, for the note line).

        ``clock`` gives the wall-clock time (tests freeze it); ``utc``: the axis in UTC.
        """
        super().__init__()
        self._sources = sources
        self._subject = subject
        self.mode: Mode = mode
        self.window = WINDOWS[0]
        self._clock = clock
        self._utc = utc
        self.only: int | None = None
        """The one line shown (its index among the lines), or ``None``: all of them."""
        self.lines: list[Line] = []
        """What the plot shows now."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="plot-note", markup=False)
        yield PlotextPlot(id="plot")
        yield KeyFooter()  # fits the width: Quit and Help stay, no key is cut

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(1 / REFRESH, self.redraw, name="plot-refresh")

    def action_window(self, step: int) -> None:
        """Show a longer (``step`` 1) or shorter (-1) span of time."""
        index = min(max(WINDOWS.index(self.window) + step, 0), len(WINDOWS) - 1)
        self.window = WINDOWS[index]
        self.redraw()

    def action_mode(self) -> None:
        """Plot the fields, or the message rates."""
        self.mode = "rate" if self.mode == "fields" else "fields"
        self.only = None
        self.redraw()

    def action_only(self) -> None:
        """Show each line alone in turn (its own scale), then all of them again."""
        count = len(self._sources[self.mode](self._clock() - self.window))
        self.only = 0 if self.only is None else self.only + 1
        if self.only >= count:
            self.only = None
        self.redraw()

    def redraw(self) -> None:
        """Read the lines again and draw them."""
        now = self._clock()
        start = now - self.window
        # The wall clock can step back past points already taken: plotext fails on a line
        # whose points are all right of the axis's end, so they wait until "now" catches up.
        lines = [_until(line, now) for line in self._sources[self.mode](start)]
        if self.only is not None and self.only < len(lines):
            lines = [lines[self.only]]
        self.lines = lines
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        what = "fields" if self.mode == "fields" else "messages/s received"
        minutes = f"{self.window / 60:g} min"
        note = f"{what} of {self._subject}, last {minutes}"
        if not any(line.times for line in self.lines):
            note = f"no {'numeric field values' if self.mode == 'fields' else 'rates'} yet — {note}"
        self.query_one("#plot-note", Static).update(note)
        for index, line in enumerate(self.lines):
            if not line.times:
                continue  # plotext fails on a line without points; its marker stays its own
            plt.plot(
                [ts - now for ts in line.times],
                line.values,
                label=line.label,
                marker=MARKERS[index % len(MARKERS)],
                color=COLOURS[index % len(COLOURS)],
            )
        plt.xlim(-self.window, 0)
        ticks = [-self.window * share for share in (1.0, 0.75, 0.5, 0.25, 0.0)]
        plt.xticks(ticks, [_clock_label(now + tick, self._utc) for tick in ticks])
        plot.refresh()
