"""The feed's rows and its status line built finished (tui.widgets.line_finish) put on
screen exactly what Textual's styles cache made of them: in every state of the feed, under
every line filter Textual has; and widgets or Textuals the shortcut does not fit are left
to Textual."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rich.segment import Segment
from textual._styles_cache import StylesCache
from textual.filter import DimFilter, LineFilter
from textual.widget import Widget

from tests.app.conftest import conn, wait_until
from tui.core.events import ErrorEvent, Event, ReceiveEvent, SendEvent, StartEvent
from tui.core.ring import FeedFilter
from tui.widgets import feed_status, feed_view, line_finish
from tui.widgets.connection_table import ConnectionTable
from tui.widgets.feed import EventFeed
from tui.widgets.feed_status import FeedStatus

SIZE = (100, 30)
Screen = list[list[Segment]]


def events(start: int, count: int) -> list[Event]:
    """Rows of every look: text, binary, long, sent, errors, starts."""
    made: list[Event] = []
    for seq in range(start, start + count):
        name = f"c{seq % 3}"
        kind = seq % 5
        if kind == 0:
            made.append(ReceiveEvent(name, 1.0 + seq, seq, f"needle {seq} " + "x" * seq, 9 + seq))
        elif kind == 1:
            made.append(ReceiveEvent(name, 1.0 + seq, seq, bytes([seq % 256, 0, 255]), 3))
        elif kind == 2:
            made.append(SendEvent(name, 1.0 + seq, seq, f"sent {seq}", 6))
        elif kind == 3:
            made.append(ErrorEvent(name, 1.0 + seq, seq, message=f"broken {seq}"))
        else:
            made.append(StartEvent(name, 1.0 + seq, seq))
    return made


def screen(app: Any) -> Screen:
    """Every line on screen, as the terminal gets it (runs of one style joined)."""
    return [list(Segment.simplify(strip)) for strip in app.screen._compositor.render_strips()]


def by_textual(app: Any, monkeypatch: pytest.MonkeyPatch) -> Screen:
    """The screen with the feed's and the status line's lines finished by Textual's
    styles cache."""
    with monkeypatch.context() as patch:
        patch.setattr(feed_view, "line_finish", lambda widget: None)
        patch.setattr(feed_status, "line_finish", lambda widget: None)
        app.main.query_one(FeedStatus).refresh()
        drawn = screen(app)
    return drawn


async def compare(app: Any, pilot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Draw the screen both ways (the shortcut's first, then Textual's, then the
    shortcut's again after Textual's) and require the same cells and styles."""
    await pilot.pause()
    widgets = (app.main.query_one(EventFeed), app.main.query_one(FeedStatus))
    finished = screen(app)
    assert all(widget._finish is not None for widget in widgets)  # the shortcut was taken
    textual = by_textual(app, monkeypatch)
    assert all(widget._finish is None for widget in widgets)
    assert finished == textual
    assert screen(app) == textual


async def filled_app(make_app: Callable[..., Any], **sections: Any) -> Any:
    """The App with 60 events in its ring, not shown yet (see :func:`shown`)."""
    app = make_app(*(conn(f"c{i}", "ws://127.0.0.1:9/") for i in range(3)), **sections)
    app.ring.extend(events(0, 60))
    return app


async def shown(app: Any, pilot: Any) -> EventFeed:
    """The feed, once it shows the App's events."""
    app.main.events_arrived()
    feed: EventFeed = app.main.query_one(EventFeed)
    await wait_until(pilot, lambda: feed.virtual_size.height == 60)
    await pilot.pause()
    return feed


async def test_a_following_feed_focused_and_blurred(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = await filled_app(make_app)
    async with app.run_test(size=SIZE) as pilot:
        feed = await shown(app, pilot)
        feed.focus()
        await compare(app, pilot, monkeypatch)
        app.main.query_one(ConnectionTable).focus()
        await compare(app, pilot, monkeypatch)


async def test_a_paused_feed_with_dropped_rows_and_a_search(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = await filled_app(make_app, feed={"max_events": 60})
    async with app.run_test(size=SIZE) as pilot:
        feed = await shown(app, pilot)
        feed.focus()
        await pilot.press("home", "down", "down")
        app.ring.extend(events(60, 10))  # evicts the rows on screen: dimmed, "dropped"
        app.main.events_arrived()
        feed.flush()
        await wait_until(pilot, lambda: len(feed._rows.ghosts) == 10)
        await compare(app, pilot, monkeypatch)
        feed.set_search(FeedFilter(search="needle"))
        await wait_until(pilot, lambda: not feed.matching and feed.match_count > 0)
        await compare(app, pilot, monkeypatch)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "ansi-dark"])
async def test_themes(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, theme: str
) -> None:
    app = await filled_app(make_app)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = theme
        await shown(app, pilot)
        await compare(app, pilot, monkeypatch)


async def test_no_color_and_the_dim_filter(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = await filled_app(make_app, feed={"max_events": 60})
    async with app.run_test(size=SIZE) as pilot:
        assert app.no_color
        app.theme = "nord"  # no grey backgrounds: Monochrome changes every colour
        app._filters.append(DimFilter())
        feed = await shown(app, pilot)
        feed.focus()
        await pilot.press("home", "down")
        app.ring.extend(events(60, 5))
        app.main.events_arrived()
        feed.flush()
        await wait_until(pilot, lambda: bool(feed._rows.ghosts))
        await compare(app, pilot, monkeypatch)


async def test_a_repaint_beside_the_rows_reuses_them(make_app: Callable[..., Any]) -> None:
    # The scrollbar's repaint covers the feed's region: its rows are kept, by line, until
    # the feed refreshes (as Textual's styles cache keeps them).
    app = await filled_app(make_app)
    async with app.run_test(size=SIZE) as pilot:
        feed = await shown(app, pilot)
        await pilot.pause()
        drawn: list[int] = []
        original = feed.render_line

        def render_line(y: int) -> Any:
            drawn.append(y)
            return original(y)

        feed.render_line = render_line  # type: ignore[method-assign]
        feed.vertical_scrollbar.refresh()
        await pilot.pause()
        screen(app)
        assert drawn == []
        feed.refresh()
        screen(app)
        assert len(drawn) == feed.scrollable_content_region.height


async def test_content_lines_skip_the_styles_cache(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = await filled_app(make_app)
    async with app.run_test(size=SIZE) as pilot:
        feed = await shown(app, pilot)
        through: list[int] = []
        original = StylesCache.render_line

        def render_line(self: StylesCache, styles: Any, y: int, *args: Any) -> Any:
            if self is feed._styles_cache:
                through.append(y)
            return original(self, styles, y, *args)

        monkeypatch.setattr(StylesCache, "render_line", render_line)
        feed.refresh()
        screen(app)
        assert through == [0]  # the border above the rows only


# -- what the shortcut leaves to Textual ------------------------------------------------------


class OwnFilter(LineFilter):
    def apply(self, segments: list[Segment], background: Any) -> list[Segment]:
        return segments


async def test_widgets_and_filters_it_does_not_fit_are_left_to_textual(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = await filled_app(make_app)
    async with app.run_test(size=SIZE) as pilot:
        feed = await shown(app, pilot)
        assert line_finish.line_finish(feed) is not None
        for rule, value in (
            ("border_left", ("solid", "red")),
            ("outline_top", ("solid", "red")),
            ("tint", "red 20%"),
            ("text_opacity", 0.5),
            ("opacity", 0.5),
            ("hatch", ("cross", "red")),
            ("scrollbar_visibility", "hidden"),
        ):
            setattr(feed.styles, rule, value)
            await pilot.pause()
            assert line_finish.line_finish(feed) is None, rule
            feed.styles.clear_rule(rule)
            await pilot.pause()
            assert line_finish.line_finish(feed) is not None, rule
        feed.styles.padding = (0, 1)  # the feed's rows are built unpadded
        await pilot.pause()
        screen(app)
        assert feed._finish is None
        feed.styles.clear_rule("padding")
        await pilot.pause()
        screen(app)
        assert feed._finish is not None
        app._filters.append(OwnFilter())
        assert line_finish.line_finish(feed) is None


def test_a_textual_whose_styles_cache_has_another_shape_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another Textual's StylesCache (the pin is textual>=8.2.8,<8.3): no shortcut.
    assert line_finish.SHAPE_KNOWN
    monkeypatch.setattr(line_finish, "SHAPE_KNOWN", False)
    assert line_finish.line_finish(Widget()) is None
