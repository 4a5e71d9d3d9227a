"""A partial screen update renders only the widgets it covers (tui.compositor_fix), and
writes the same cells as Textual's own rendering of every widget."""

from __future__ import annotations

from typing import Any

import pytest
from rich.segment import Segment
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.widget import Widget

from tests.app.conftest import conn, wait_until
from tui import compositor_fix
from tui.core.events import ReceiveEvent
from tui.widgets.feed import EventFeed
from tui.widgets.feed_status import FeedStatus
from tui.widgets.footer import KeyFooter

SIZE = (100, 30)


def _written(update: ChopsUpdate) -> list[tuple[int, int, list[Segment]]]:
    """What an update writes: each chop inside its line's dirty spans."""
    written = []
    for y, x1, x2 in update.spans:
        for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
            if strip is not None and x < x2 and end > x1:
                written.append((y, x, list(strip)))
    return written


async def _following_feed(app: Any, pilot: Any, count: int) -> EventFeed:
    app.ring.extend([ReceiveEvent("api", 1.0 + i, i, f"message {i}", 9) for i in range(count)])
    app.main.events_arrived()
    feed: EventFeed = app.main.query_one(EventFeed)
    await wait_until(pilot, lambda: feed.virtual_size.height == count)
    await pilot.pause()
    return feed


async def test_a_feed_repaint_renders_neither_the_footer_nor_the_table(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(conn("api", "ws://127.0.0.1:9/"))
    assert not compositor_fix.render_only_what_changed()  # the App applied it already
    async with app.run_test(size=SIZE) as pilot:
        feed = await _following_feed(app, pilot, 40)
        rendered: list[str] = []
        original = Widget.render_lines

        def render_lines(self: Widget, crop: Region) -> Any:
            rendered.append(type(self).__name__)
            return original(self, crop)

        monkeypatch.setattr(Widget, "render_lines", render_lines)
        monkeypatch.setattr(KeyFooter, "render_lines", render_lines)
        monkeypatch.setattr(EventFeed, "render_lines", render_lines)
        app.ring.extend([ReceiveEvent("api", 50.0, 50, "one more", 8)])
        app.main.events_arrived()
        feed.flush()
        await wait_until(pilot, lambda: "EventFeed" in rendered)
        assert "KeyFooter" not in rendered
        assert "ConnectionTable" not in rendered
        # Behind the feed, its scrollbar and its status line: covered where they changed.
        assert "MainScreen" not in rendered
        assert "Horizontal" not in rendered


async def test_a_partial_update_writes_what_rendering_every_widget_wrote(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(conn("api", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        feed = await _following_feed(app, pilot, 60)
        status = app.main.query_one(FeedStatus)
        compositor = app.screen._compositor
        updates = []
        for get_renders in (compositor_fix._ORIGINAL, compositor_fix._get_renders):
            monkeypatch.setattr(Compositor, "_get_renders", get_renders)
            feed.refresh()
            compositor._dirty_regions.update({feed.region, status.region})
            update = compositor.render_partial_update()
            assert isinstance(update, ChopsUpdate)
            updates.append(_written(update))
        original, fixed = updates
        assert fixed == original
        assert len({y for y, _, _ in fixed}) == feed.region.height + 1  # the rows, the status


def test_a_region_is_hidden_only_where_regions_in_front_cover_it() -> None:
    rows = Region(10, 5, 20, 6)
    assert compositor_fix._hidden(rows, [Region(0, 0, 40, 8), Region(10, 8, 20, 3)])
    assert compositor_fix._hidden(rows, [Region(10, 5, 20, 6)])
    assert not compositor_fix._hidden(rows, [])
    assert not compositor_fix._hidden(rows, [Region(0, 0, 40, 8), Region(10, 9, 20, 3)])  # a gap
    assert not compositor_fix._hidden(rows, [Region(11, 0, 40, 20)])  # narrower on the left
    assert not compositor_fix._hidden(rows, [Region(0, 0, 29, 20)])  # narrower on the right


def test_a_textual_whose_method_has_another_shape_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another Textual's method (the pin is textual>=8.2.8,<8.3): the fix must not replace it.
    def other(self: Compositor, crop: Region | None = None) -> Any:
        return iter(())

    monkeypatch.setattr(compositor_fix, "_ORIGINAL", other)
    monkeypatch.setattr(Compositor, "_get_renders", other)
    assert not compositor_fix.render_only_what_changed()
    assert Compositor._get_renders is other
