"""The plot screen: fields and rates over time, at 80x24 and 120x40, in colour and without."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from tests.app.conftest import conn, run_in_palette, screen_text, wait_until
from tui.demo_server import DemoServer
from tui.screens.plot import WINDOWS, Line, PlotScreen

T0 = 1_795_600_000.0  # a fixed moment; the axis is in UTC


def _lines(since: float) -> list[Line]:
    """A temperature drifting up and a sine, a point every second for the last 90 s."""
    times = [T0 - 90 + second for second in range(91)]
    shown = [ts for ts in times if ts >= since]
    temperature = [21 + (ts - T0 + 90) / 60 for ts in shown]
    sine = [20 + 3 * math.sin((ts - T0) / 10 * 2 * math.pi) for ts in shown]
    return [Line("ticker.temp", shown, temperature), Line("ticker.sine", shown, sine)]


def _rates(since: float) -> list[Line]:
    times = [T0 - 60 + second for second in range(61)]
    return [
        Line("ticker", times, [2.0] * 61),
        Line("flood", times, [float(s % 7) for s in range(61)]),
    ]


class PlotHost(App[None]):
    """The plot screen alone, on fixed lines and a frozen clock."""

    def on_mount(self) -> None:
        sources: dict[Any, Callable[[float], list[Line]]] = {"fields": _lines, "rate": _rates}
        self.push_screen(PlotScreen(sources, "2 connections", clock=lambda: T0, utc=True))


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_plot_of_two_fields(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    assert snap_compare(PlotHost(), terminal_size=size, run_before=_settle)


def test_plot_lines_keep_apart_under_no_color(
    snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = PlotHost()
    assert app.no_color

    async def rates(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("m")  # the message rates: two lines, • and +
        await _settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=rates)


async def test_keys_change_the_span_the_mode_and_the_lines_shown() -> None:
    app = PlotHost()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlotScreen)
        assert screen.window == WINDOWS[0]
        assert [len(line.times) for line in screen.lines] == [61, 61]  # the last minute
        await pilot.press("plus")
        assert screen.window == WINDOWS[1]
        assert [len(line.times) for line in screen.lines] == [91, 91]
        await pilot.press("minus", "minus")
        assert screen.window == WINDOWS[0]
        await pilot.press("f")
        assert [line.label for line in screen.lines] == ["ticker.temp"]
        await pilot.press("f")
        assert [line.label for line in screen.lines] == ["ticker.sine"]
        await pilot.press("f")
        assert len(screen.lines) == 2
        await pilot.press("m")
        assert screen.mode == "rate"
        assert [line.label for line in screen.lines] == ["ticker", "flood"]
        assert "messages/s received of 2 connections, last 1 min" in screen_text(app)  # type: ignore[arg-type]
        await pilot.press("escape")
        assert not isinstance(app.screen, PlotScreen)


async def test_t_plots_the_highlighted_connection_live(demo: DemoServer, make_app: Any) -> None:
    ticker = conn(
        "ticker",
        demo.endpoint("/ticker?rate=20"),
        auto_start=True,
        fields={"temp": ".temperature", "sine": ".sine", "status": ".status"},
    )
    app = make_app(ticker)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.analysis.fields.series("ticker", "sine") is not None)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, PlotScreen))
        screen = app.screen
        assert isinstance(screen, PlotScreen)
        # Text fields are not plotted; the numeric ones grow while the screen is open.
        assert [line.label for line in screen.lines] == ["temp", "sine"]
        first = len(screen.lines[0].times)
        await wait_until(pilot, lambda: len(screen.lines[0].times) > first)
        await pilot.press("escape")
        await run_in_palette(pilot, "plot: rate of all connections")
        await wait_until(pilot, lambda: isinstance(app.screen, PlotScreen))
        screen = app.screen
        assert isinstance(screen, PlotScreen)
        assert screen.mode == "rate"
        await wait_until(pilot, lambda: bool(screen.lines) and len(screen.lines[0].times) >= 2)
        assert screen.lines[0].label == "ticker"


async def test_points_after_the_clock_are_left_out_not_a_crash() -> None:
    # The wall clock can step back (NTP on an operator console) past points already
    # received; plotext raised IndexError on a point right of the axis's end.
    def ahead(since: float) -> list[Line]:
        return [
            Line("ticker.temp", [T0 - 10, T0 - 5, T0 + 3], [1.0, 2.0, 3.0]),
            Line("ticker.sine", [T0 + 3, T0 + 30], [3.0, 4.0]),  # all of it ahead
        ]

    class AheadHost(App[None]):
        def on_mount(self) -> None:
            self.push_screen(
                PlotScreen({"fields": ahead, "rate": _rates}, "ticker", clock=lambda: T0)
            )

    app = AheadHost()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlotScreen)
        assert [(line.times, line.values) for line in screen.lines] == [
            ([T0 - 10, T0 - 5], [1.0, 2.0]),
            ([], []),
        ]
