"""The status line under the feed: one line, cut to its width (never wrapped)."""

from __future__ import annotations

from typing import Any

from tests.app.conftest import conn, wait_until
from tui.core.ring import FeedFilter
from tui.widgets.feed import EventFeed
from tui.widgets.feed_status import FeedStatus


async def test_a_status_wider_than_the_line_is_cut_at_its_width(make_app: Any) -> None:
    app = make_app(conn("api", "ws://127.0.0.1:9/"))
    async with app.run_test(size=(60, 24)) as pilot:
        status = app.main.query_one(FeedStatus)
        words = "alpha beta gamma delta epsilon zeta"
        app.main.query_one(EventFeed).set_filter(FeedFilter(search=words))
        await wait_until(pilot, lambda: "search: alpha" in str(status.render()))
        text = str(status.render())
        assert len(text) > status.size.width
        # Cut mid-word where the width ends: a Static wrapped at the last space before it.
        assert status.render_line(0).text == text[: status.size.width]
