"""The feed's scrollbar under a flood: always current, repainted only when its thumb moves."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from tui.core.events import ReceiveEvent
from tui.core.ring import EventRing
from tui.widgets.feed import EventFeed

T0 = 1_700_000_000.0


def receive(seq: int) -> ReceiveEvent:
    return ReceiveEvent("echo", T0 + seq / 1000, seq=seq, data=f"message {seq}", size=10)


class FeedApp(App[None]):
    def __init__(self, ring: EventRing) -> None:
        super().__init__()
        self.ring = ring

    def compose(self) -> ComposeResult:
        yield EventFeed(self.ring, utc=True, id="feed")


async def _flood(rows: int, flushes: int) -> tuple[list[float], bool]:
    """A following feed over ``rows`` events takes ``flushes`` pages of new rows: the
    scrollbar's repaints (its position at each), and whether its state kept up."""
    ring = EventRing(100_000)
    ring.extend([receive(i) for i in range(rows)])
    app = FeedApp(ring)
    async with app.run_test(size=(100, 30)) as pilot:
        feed = app.query_one(EventFeed)
        bar = feed.vertical_scrollbar
        painted: list[float] = []
        original = bar.render

        def render() -> Any:
            painted.append(bar.position)
            return original()

        bar.render = render  # type: ignore[method-assign]
        seq = rows
        for _ in range(20):  # until the thumb is drawn where the rows go on
            ring.extend([receive(seq)])
            seq += 1
            feed.events_added()
            feed.flush()
            await pilot.pause()
            if painted and painted[-1] == bar.position == feed.scroll_y == seq - feed.size.height:
                break
        assert painted[-1] == seq - feed.size.height
        painted.clear()
        current = True
        for _ in range(flushes):
            ring.extend([receive(seq + i) for i in range(30)])
            seq += 30
            feed.events_added()
            feed.flush()
            await pilot.pause()
            top = seq - feed.size.height
            current = current and bar.position == feed.scroll_y == top
            current = current and bar.window_virtual_size == seq
    return painted, current


async def test_new_rows_repaint_the_scrollbar_only_when_its_thumb_moves() -> None:
    # 20 000 rows: a page more moves the one-cell thumb by a sliver of an eighth of a cell.
    painted, current = await _flood(20_000, 10)
    assert painted == []
    assert current
    # 60 rows: the thumb is a third of the bar and shrinks with every page.
    painted, current = await _flood(60, 3)
    assert len(painted) >= 3
    assert current
