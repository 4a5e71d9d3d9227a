"""The screen diff inside the real dashboard: every update Textual hands to ``_display``
goes through :class:`~tui.screen_diff.ScreenDiff`, and the terminal it leaves (on an
emulator that, like xterm and tmux, blanks the other half of a wide character written
over) is the terminal Textual's own writing of the same updates leaves.

It wraps Textual's private ``textual._compositor`` updates: when a Textual release changes
their shape, these tests fail (rather than the dashboard drawing a wrong screen)."""

from __future__ import annotations

import inspect
from typing import Any

import pyte
import pytest
from rich.color import ColorSystem
from rich.console import Console
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.app import App
from textual.geometry import Region
from textual.strip import Strip
from wcwidth import wcwidth

from tests.app.conftest import conn, wait_until
from tui.demo_server import DemoServer
from tui.screens.help import HelpScreen

SIZE = (100, 30)


class XtermScreen(pyte.Screen):  # type: ignore[misc]
    """pyte, with what real terminals do to a wide character written over in part."""

    def draw(self, data: str) -> None:
        for char in data:
            width = wcwidth(char)
            x, line = self.cursor.x, self.buffer[self.cursor.y]
            if width > 0 and x < self.columns:
                if line[x].data == "" and x:  # the second half: the first goes blank
                    line[x - 1] = line[x - 1]._replace(data=" ")
                after = x + width
                if after < self.columns and line[after].data == "":
                    line[after] = line[after]._replace(data=" ")
            super().draw(char)


class Terminal:
    def __init__(self, width: int, height: int) -> None:
        self.screen = XtermScreen(width, height)
        self.stream = pyte.Stream(self.screen)
        self.write("\x1b[?7l")  # no auto-wrap: Textual turns it off in application mode

    def write(self, data: str) -> None:
        self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def cells(self) -> list[tuple[Any, ...]]:
        return [
            (y, x, c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse, c.strikethrough)
            for y, line in sorted(self.screen.buffer.items())
            for x, c in sorted(line.items())
        ]


class Recorder:
    """Writes every update the App displays to two terminals: as Textual writes it, and
    as the screen diff writes it."""

    def __init__(self, app: Any, width: int, height: int, colours: str) -> None:
        self.console = Console(color_system=colours, force_terminal=True, width=width)
        self.full = Terminal(width, height)
        self.diffed = Terminal(width, height)
        self.kinds: list[str] = []
        self.bytes_full = self.bytes_diffed = 0
        diff = app._screen_diff
        wrap = diff.wrap

        def recording_wrap(update: CompositorUpdate) -> CompositorUpdate:
            wrapped = wrap(update)
            data_full = update.render_segments(self.console)
            data_diffed = wrapped.render_segments(self.console)
            self.full.write(data_full)
            self.diffed.write(data_diffed)
            self.bytes_full += len(data_full)
            self.bytes_diffed += len(data_diffed)
            self.kinds.append(type(update).__name__)
            return wrapped

        diff.wrap = recording_wrap

    def resize(self, width: int, height: int) -> None:
        for terminal in (self.full, self.diffed):
            terminal.screen.resize(height, width)

    def check(self) -> None:
        assert self.diffed.cells() == self.full.cells()


@pytest.mark.parametrize(
    ("colours", "no_color"), [("truecolor", False), ("standard", True)], ids=["truecolor", "16"]
)
async def test_the_dashboard_draws_the_same_screen_through_the_diff(
    demo: DemoServer, make_app: Any, monkeypatch: pytest.MonkeyPatch, colours: str, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(
        conn("漢字-echo", demo.endpoint("/echo"), auto_start=True),
        conn("e\u0301cho-😀", demo.endpoint("/echo"), auto_start=True),
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        recorder = Recorder(app, *SIZE, colours)
        await wait_until(pilot, lambda: all(c.state == "open" for c in app.hub.clients.values()))
        payloads = [
            "plain ascii",
            "世界漢字 wide",
            "e\u0301 combining",
            "世\u0301 a mark on a wide one",
            # Not a skin tone modifier: Rich gives it no width, terminals two cells or none.
            "😀 emoji 👍 and ZWJ 👨\u200d👩\u200d👧",
            "narrow after wide: 世a界b",
            "x" * 300,
        ]

        async def shown(text: str) -> None:
            await wait_until(pilot, lambda: text in recorder.full.text())
            recorder.check()

        for round_ in range(3):
            for text in payloads:
                await app.hub.send("漢字-echo", f"{round_} {text}")
                await app.hub.send("e\u0301cho-😀", f"{text} {round_}")
            await app.hub.send("漢字-echo", f"end of round {round_}")
            await shown(f"end of round {round_}")
        app.notify("a toast over the feed: 世界", timeout=10)
        await shown("a toast")
        await pilot.press("f1")  # a screen over the dashboard
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        recorder.check()
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        recorder.resize(80, 24)
        await pilot.resize_terminal(80, 24)
        for text in payloads:
            await app.hub.send("漢字-echo", text[::-1])
        await app.hub.send("漢字-echo", "the last one")
        await shown("the last one")
        assert "ChopsUpdate" in recorder.kinds
        assert "LayoutUpdate" in recorder.kinds
        assert recorder.bytes_diffed < recorder.bytes_full


def test_textual_updates_have_the_shape_the_diff_reads() -> None:
    # Private API of textual._compositor (see tui/screen_diff.py): the attributes read.
    chops = ChopsUpdate([{0: None}], [(0, 0, 1)], [[1]])
    assert (chops.chops, chops.spans, chops.chop_ends) == ([{0: None}], [(0, 0, 1)], [[1]])
    assert issubclass(LayoutUpdate, CompositorUpdate)
    layout = LayoutUpdate([], Region(0, 0, 1, 1))
    assert (layout.strips, layout.region) == ([], Region(0, 0, 1, 1))
    # And the private parts around them: App._display is overridden, Strip's style
    # rendering and the console's colour system are called.
    assert list(inspect.signature(App._display).parameters) == ["self", "screen", "renderable"]
    assert list(inspect.signature(Strip.render_ansi).parameters) == ["style", "color_system"]
    assert list(inspect.signature(Strip.render_style).parameters) == [
        "style",
        "text",
        "color_system",
    ]
    assert Console(color_system="256")._color_system is ColorSystem.EIGHT_BIT
