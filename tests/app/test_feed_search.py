"""Search that finds without hiding (issue 12 item 4): the bar posts debounced intents and
shows an invalid regex inline; on the dashboard matches are highlighted as you type, counted
as ``3/120``, jumped to with n/N (enter/shift+enter in the bar) while every row stays shown,
"only matches" turns the search into a filter, and clearing keeps the highlighted event."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rich.style import Style
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.app.conftest import burst, conn, wait_until
from tests.app.test_feed import receive
from tui.core.events import SendEvent
from tui.core.ring import EventRing, FeedFilter
from tui.widgets.feed import EventFeed
from tui.widgets.feed_matches import highlight
from tui.widgets.feed_search import SearchBar


class SearchApp(App[None]):
    def __init__(self, ring: EventRing) -> None:
        super().__init__()
        self.ring = ring
        self.searches: list[SearchBar.Search] = []
        self.jumps: list[int] = []
        self.cancelled = 0

    def compose(self) -> ComposeResult:
        yield SearchBar(id="search")
        yield EventFeed(self.ring)

    def on_search_bar_search(self, message: SearchBar.Search) -> None:
        self.searches.append(message)

    def on_search_bar_jump(self, message: SearchBar.Jump) -> None:
        self.jumps.append(message.step)

    def on_search_bar_cancelled(self, message: SearchBar.Cancelled) -> None:
        self.cancelled += 1


def ring_of(texts: list[str]) -> EventRing:
    ring = EventRing(100)
    ring.extend([SendEvent("echo", 0.0, seq=i, data=t, size=len(t)) for i, t in enumerate(texts)])
    return ring


async def test_typing_searches_once_the_typing_pauses() -> None:
    app = SearchApp(ring_of(["a"]))
    async with app.run_test(size=(100, 30)) as pilot:
        bar = app.query_one(SearchBar)
        bar.focus()
        await pilot.pause()
        burst(app, *"ping")  # one terminal read, faster than the debounce: one search
        await wait_until(pilot, lambda: bool(app.searches))
        await pilot.pause(0.3)
        assert [(m.search, m.only) for m in app.searches] == [("ping", False)]
        assert app.searches[0].control is bar
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: len(app.searches) == 2)
        assert app.searches[-1].case_sensitive
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: len(app.searches) == 3)
        assert app.searches[-1].only
        assert app.searches[-1].apply_to(FeedFilter(kinds={"send"})) == FeedFilter(
            kinds={"send"}, search="ping", case_sensitive=True
        )
        await pilot.press("enter")
        await pilot.pause()
        assert app.jumps == [1]
        await pilot.press("escape")
        await pilot.pause()
        assert app.cancelled == 1


async def test_invalid_regex_is_shown_and_not_searched() -> None:
    app = SearchApp(ring_of(["a"]))
    async with app.run_test(size=(100, 30)) as pilot:
        bar = app.query_one(SearchBar)
        bar.focus()
        await pilot.press("ctrl+r", "p", "(")
        await pilot.pause(0.3)
        assert bar.regex
        assert "invalid regular expression" in str(bar.border_subtitle)
        assert bar.has_class("-invalid")
        assert all(m.search != "p(" for m in app.searches)
        await pilot.press("ctrl+r")  # as text, "p(" is fine
        await wait_until(pilot, lambda: any(m.search == "p(" for m in app.searches))
        assert str(bar.border_subtitle) == ""


def test_highlight_marks_spans_across_segments() -> None:
    from rich.segment import Segment
    from textual.strip import Strip

    mark = Style(underline=True)
    strip = Strip([Segment("ab", Style(bold=True)), Segment("cdef")], 6)
    out = highlight(strip, [(1, 3), (4, 5)], mark)
    assert out.text == "abcdef"
    marked = [seg.text for seg in out if seg.style is not None and seg.style.underline]
    assert marked == ["b", "c", "e"]
    assert out.cell_length == 6


def dashboard(make_app: Any, count: int = 300) -> Any:
    app = make_app(conn("echo", "ws://127.0.0.1:9/"))
    app.ring.extend(
        [
            receive(seq, data=f"msg {seq} {'needle' if seq % 25 == 0 else 'hay'}")
            for seq in range(1, count + 1)
        ]
    )
    return app


@asynccontextmanager
async def on_dashboard(
    make_app: Any, size: tuple[int, int] = (100, 30), **run: Any
) -> AsyncIterator[tuple[Any, Pilot[Any], EventFeed]]:
    """The dashboard with 300 events, 12 of them matching "needle": the App, pilot and feed."""
    app = dashboard(make_app)
    async with app.run_test(size=size, **run) as pilot:
        yield app, pilot, app.main.query_one(EventFeed)


async def find_needles(pilot: Pilot[Any], feed: EventFeed, *first: str) -> None:
    """Search for "needle" (after the keys ``first``) until its 12 matches are counted."""
    await pilot.press("slash", *first, *"needle")
    await wait_until(pilot, lambda: feed.match_count == 12 and not feed.matching)


def highlighted(feed: EventFeed) -> int | None:
    """The seq of the highlighted event."""
    return None if feed.highlighted is None else feed.highlighted.seq


def on_screen(feed: EventFeed) -> str:
    """The feed's rows on screen, as text."""
    return "\n".join(feed.render_line(y).text for y in range(feed.scrollable_content_region.height))


def status(app: Any) -> str:
    return str(app.main.query_one("#feed-status").render())


def marked_rows(feed: EventFeed) -> list[str]:
    """The rows on screen that show a highlighted match."""
    match = feed.get_component_rich_style("feed--match", partial=True)
    rows = []
    for y in range(feed.scrollable_content_region.height):
        strip = feed.render_line(y)
        if any(
            seg.style is not None
            and seg.style.underline == match.underline
            and seg.style.bold
            and "needle" in seg.text
            for seg in strip
        ):
            rows.append(strip.text)
    return rows


async def test_matches_are_highlighted_counted_and_jumped_to_without_hiding_rows(
    make_app: Any,
) -> None:
    async with on_dashboard(make_app) as (app, pilot, feed):
        await find_needles(pilot, feed)
        assert len(feed.view) == 300  # nothing hidden
        # Following: the newest event is highlighted, and it is a match.
        await wait_until(pilot, lambda: "search: needle 12/12" in status(app))
        assert marked_rows(feed)  # the visible matches are highlighted
        await pilot.press("enter")  # next: wraps to the oldest
        await wait_until(pilot, lambda: highlighted(feed) == 25)
        assert not feed.following
        await wait_until(pilot, lambda: "1/12" in status(app))
        assert "1/12" in str(app.main.query_one(SearchBar).border_subtitle)
        assert len(feed.view) == 300
        await pilot.press("tab", "tab")  # the composer, then the table
        await pilot.press("n", "n")
        await wait_until(pilot, lambda: highlighted(feed) == 75)
        await pilot.press("N")
        await wait_until(pilot, lambda: highlighted(feed) == 50)
        await wait_until(pilot, lambda: "2/12" in status(app))
        assert "msg 50 needle" in on_screen(feed)  # the match is on screen


async def test_a_search_without_matches_says_so(make_app: Any) -> None:
    async with on_dashboard(make_app) as (app, pilot, feed):
        await pilot.press("slash", *"nothinglikethis")
        await wait_until(
            pilot,
            lambda: (
                feed.search is not None
                and feed.search.search == "nothinglikethis"
                and not feed.matching
            ),
        )
        await pilot.pause()
        assert "no event matches search: nothinglikethis" in status(app)
        assert "300 events" in status(app)
        assert len(feed.view) == 300


async def test_only_matches_filters_and_clearing_keeps_the_highlighted_event(
    make_app: Any,
) -> None:
    async with on_dashboard(make_app) as (app, pilot, feed):
        await pilot.press("slash", *"needle", "ctrl+f")
        await wait_until(pilot, lambda: len(feed.view) == 12 and not feed.filtering)
        assert "12 shown" in status(app)
        await pilot.press("enter", "enter", "enter")  # the third match: msg 75
        await wait_until(pilot, lambda: highlighted(feed) == 75)
        await pilot.press("escape")  # clears the search and the filter
        await wait_until(pilot, lambda: len(feed.view) == 300 and not feed.filtering)
        await pilot.pause()
        assert feed.search is None
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 75  # still the highlighted event…
        assert "msg 75 needle" in on_screen(feed)  # …and on screen


async def test_clearing_a_filter_from_the_dialog_keeps_my_place(make_app: Any) -> None:
    async with on_dashboard(make_app) as (app, pilot, feed):
        feed.set_filter(FeedFilter(search="needle"))
        await wait_until(pilot, lambda: len(feed.view) == 12 and not feed.filtering)
        await pilot.press("2", "home", "down")  # the second match, paused
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 50
        app.main._set_filter(FeedFilter())  # what the filter dialog's "show all" returns
        await wait_until(pilot, lambda: len(feed.view) == 300 and not feed.filtering)
        await pilot.pause()
        assert feed.highlighted.seq == 50
        assert "msg 50 needle" in on_screen(feed)


def below_screen(feed: EventFeed) -> int:
    """The events shown that are newer than the feed's last row on screen: what End shows."""
    seqs = [int(seq) for seq in re.findall(r"msg (\d+) ", on_screen(feed))]
    return sum(1 for event in feed.view if event.seq > max(seqs))


def new_count(app: Any) -> int:
    found = re.search(r"paused — (\d+) new", status(app))
    assert found, status(app)
    return int(found[1])


async def test_paused_new_counts_what_end_shows_after_a_search_jump(make_app: Any) -> None:
    async with on_dashboard(make_app) as (app, pilot, feed):
        await find_needles(pilot, feed)
        await pilot.press("enter")  # wraps to the oldest match, msg 25, far from the end
        await wait_until(pilot, lambda: highlighted(feed) == 25)
        await pilot.pause()
        assert below_screen(feed) > 250
        assert new_count(app) == below_screen(feed)
        app.ring.extend([receive(seq, data=f"msg {seq} hay") for seq in range(301, 311)])
        app.main.events_arrived()
        await wait_until(pilot, lambda: len(feed.view) == 310)
        await pilot.pause()
        assert new_count(app) == below_screen(feed)
        await pilot.press("escape", "2", "end")  # End shows exactly those
        await wait_until(pilot, lambda: feed.following)
        assert below_screen(feed) == 0


async def test_paused_new_counts_what_end_shows_under_a_new_filter(make_app: Any) -> None:
    async with on_dashboard(make_app) as (app, pilot, feed):
        await pilot.press("2", "home")  # paused at the top
        await wait_until(pilot, lambda: not feed.following)
        app.main._set_filter(FeedFilter(search="0"))  # what the filter dialog returns
        await wait_until(pilot, lambda: len(feed.view) == 48 and not feed.filtering)
        await pilot.pause()
        assert not feed.following
        assert below_screen(feed) > 20
        assert new_count(app) == below_screen(feed)


async def test_the_status_shows_a_regex_as_typed_and_says_when_it_is_invalid(
    make_app: Any,
) -> None:
    async with on_dashboard(make_app) as (app, pilot, feed):
        await pilot.press("slash", "ctrl+r", *r"needle\b")
        await wait_until(pilot, lambda: feed.match_count == 12 and not feed.matching)
        await wait_until(pilot, lambda: "regex: needle\\b 12/12" in status(app))
        assert "\\\\" not in status(app)  # one backslash, as typed
        await pilot.press("(")  # invalid now: the old count must not stay
        await wait_until(pilot, lambda: "bad regex: missing )" in status(app))
        assert "12/12" not in status(app)
        # Nothing stays highlighted for an invalid regex (once the search's debounce has run).
        await wait_until(pilot, lambda: feed.search is None)
        await pilot.press("backspace")
        await wait_until(pilot, lambda: "regex: needle\\b 12/12" in status(app))
        assert "bad regex" not in status(app)


async def test_n_without_a_search_says_how_to_search(make_app: Any) -> None:
    from textual.widgets._toast import Toast

    async with on_dashboard(make_app, notifications=True) as (app, pilot, _):
        await pilot.press("n")
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)))
        notices = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert any("press / to search" in notice for notice in notices), notices


async def test_leaving_the_search_bar_folds_it_and_keeps_the_search(make_app: Any) -> None:
    async with on_dashboard(make_app, (80, 24)) as (app, pilot, feed):
        bar = app.main.query_one(SearchBar)
        rows = feed.region.height
        await find_needles(pilot, feed)
        assert feed.region.height < rows  # the bar takes rows while it is used
        await pilot.press("tab", "tab")  # the composer, then the table
        await wait_until(pilot, lambda: not bar.display)
        await pilot.pause()
        assert feed.region.height >= 10  # the feed gets its rows back…
        assert feed.search is not None  # …and the search stays: n jumps, the status counts
        assert "search: needle" in status(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: feed.match_number == 1)
        await pilot.press("slash")  # back, with the search as it was
        await wait_until(pilot, lambda: bool(bar.display) and app.focused is bar)
        assert bar.value == "needle"
