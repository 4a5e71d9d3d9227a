"""SearchBar: posts a search intent, shows an invalid regex inline and refuses it."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.core.events import SendEvent
from tui.core.ring import EventRing, FeedFilter
from tui.widgets.feed import EventFeed
from tui.widgets.feed_search import SearchBar


class SearchApp(App[None]):
    def __init__(self, ring: EventRing) -> None:
        super().__init__()
        self.ring = ring
        self.searches: list[SearchBar.Search] = []
        self.cancelled = 0

    def compose(self) -> ComposeResult:
        yield SearchBar(id="search")
        yield EventFeed(self.ring)

    def on_search_bar_search(self, message: SearchBar.Search) -> None:
        self.searches.append(message)
        feed = self.query_one(EventFeed)
        feed.set_filter(message.apply_to(feed.filter))

    def on_search_bar_cancelled(self, message: SearchBar.Cancelled) -> None:
        self.cancelled += 1


def ring_of(texts: list[str]) -> EventRing:
    ring = EventRing(100)
    ring.extend([SendEvent("echo", 0.0, seq=i, data=t, size=len(t)) for i, t in enumerate(texts)])
    return ring


async def test_search_applies_to_the_feed_keeping_other_filters() -> None:
    app = SearchApp(ring_of(["ping 1", "pong 2", "PING 3"]))
    async with app.run_test(size=(100, 30)) as pilot:
        feed = app.query_one(EventFeed)
        feed.set_filter(FeedFilter(kinds={"send"}))
        app.query_one(SearchBar).focus()
        await pilot.press(*"ping", "enter")
        await pilot.pause()
        assert [m.search for m in app.searches] == ["ping"]
        assert app.searches[0].control is app.query_one(SearchBar)
        assert feed.filter == FeedFilter(kinds={"send"}, search="ping")
        assert [event.seq for event in feed.view] == [0, 2]

        await pilot.press("ctrl+t", "enter")
        await pilot.pause()
        assert [event.seq for event in feed.view] == [0]

        await pilot.press("escape")
        await pilot.pause()
        assert app.cancelled == 1


async def test_invalid_regex_is_shown_and_not_submitted() -> None:
    app = SearchApp(ring_of(["a"]))
    async with app.run_test(size=(100, 30)) as pilot:
        bar = app.query_one(SearchBar)
        bar.focus()
        await pilot.press("ctrl+r", "p", "(", "enter")
        await pilot.pause()
        assert bar.regex
        assert "invalid regular expression" in str(bar.border_subtitle)
        assert bar.has_class("-invalid")
        assert app.searches == []
        await pilot.press("ctrl+r")  # as text, "p(" is fine
        assert str(bar.border_subtitle) == ""
        await pilot.press("enter")
        await pilot.pause()
        assert [(m.search, m.regex) for m in app.searches] == [("p(", False)]
