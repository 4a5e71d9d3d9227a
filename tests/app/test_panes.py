"""Navigation like k9s and lazygit (issue 12 item 3): a key per pane, tab round the panes
only, the focus back where it was after any dialog or screen, the feed's follow keys from
the table."""

from __future__ import annotations

import re
from typing import Any

from textual.widget import Widget
from textual.widgets import Button, Select

from tests.app.conftest import conn, wait_until
from tests.app.test_feed import receive, screen_rows
from tui.screens.detail import DetailScreen
from tui.screens.filter import FilterScreen
from tui.screens.help import HelpScreen
from tui.screens.settings_screen import SettingsScreen
from tui.widgets.composer import Composer
from tui.widgets.connection_table import ConnectionTable
from tui.widgets.detail import DetailPane
from tui.widgets.feed import EventFeed


def started(make_app: Any, events: int = 60) -> Any:
    app = make_app(conn("echo", "ws://127.0.0.1:9/"), conn("other", "ws://127.0.0.1:9/"))
    app.ring.extend([receive(seq) for seq in range(1, events + 1)])
    return app


def pane(app: Any) -> str:
    """Which pane has the focus: table, feed, composer or detail."""
    focused: Widget | None = app.focused
    main = app.main
    for name, widget in (
        ("table", main.query_one(ConnectionTable)),
        ("feed", main.query_one(EventFeed)),
        ("composer", main.query_one(Composer)),
        ("detail", main.query_one(DetailPane)),
    ):
        if focused is widget or (focused is not None and widget in focused.ancestors):
            return name
    return repr(focused)


async def test_a_key_per_pane(make_app: Any) -> None:
    app = started(make_app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert pane(app) == "table"
        await pilot.press("2")
        assert pane(app) == "feed"
        await pilot.press("3")
        assert pane(app) == "composer"
        await pilot.press("1")  # in the composer a digit is text
        assert app.main.query_one(Composer).text == "1"
        await pilot.press("escape", "2")
        assert pane(app) == "feed"
        await pilot.press("4")  # no detail pane on screen: nothing happens
        assert pane(app) == "feed"
        await pilot.press("d", "4")
        assert pane(app) == "detail"
        await pilot.press("1")
        assert pane(app) == "table"


async def test_tab_goes_round_the_panes_only(make_app: Any) -> None:
    app = started(make_app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            seen.append(pane(app))
        assert seen == ["feed", "composer", "table", "feed"]
        await pilot.press("d")  # the detail pane joins the round while it is shown
        seen = []
        for _ in range(4):
            await pilot.press("shift+tab")
            seen.append(pane(app))
        assert seen == ["table", "composer", "detail", "feed"]
        # Buttons and the composer's controls are reached with their own keys.
        assert not any(b.focusable for b in app.main.query(Button))
        assert not any(s.focusable for s in app.main.query(Select))


async def test_the_focus_comes_back_after_every_dialog_and_screen(make_app: Any) -> None:
    app = started(make_app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("2")  # the feed
        for key, screen, close in (
            ("f", FilterScreen, "escape"),
            ("f1", HelpScreen, "escape"),
            ("comma", SettingsScreen, "escape"),
            ("d", DetailScreen, "d"),  # full-screen at 80x24
        ):
            await pilot.press(key)
            await wait_until(pilot, lambda: isinstance(app.screen, screen))  # noqa: B023
            await pilot.press(close)
            await wait_until(pilot, lambda: app.screen is app.main)
            await wait_until(pilot, lambda: pane(app) == "feed")
            await pilot.press("k")  # j/k move the pane the operator was in
            assert pane(app) == "feed", key
        await pilot.press("1", "comma")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        await wait_until(pilot, lambda: pane(app) == "table")


async def test_end_and_f_follow_the_feed_from_the_table(make_app: Any) -> None:
    app = started(make_app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        feed = app.main.query_one(EventFeed)
        await pilot.press("2", "up", "up", "1")
        assert pane(app) == "table"
        assert not feed.following
        await pilot.press("end")
        assert feed.following
        assert pane(app) == "table"
        assert feed.highlighted is not None
        assert feed.highlighted.seq == 60
        await pilot.press("F")  # like less: F toggles following
        assert not feed.following
        await pilot.press("F")
        assert feed.following
        await pilot.press("3", "a", "end")  # in the composer `end` is the text cursor's
        assert app.main.query_one(Composer).editor.cursor_location == (0, 1)


async def test_a_resize_moves_the_detail_between_side_pane_and_full_screen(
    make_app: Any,
) -> None:
    app = started(make_app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("2", "k", "k", "k", "d")
        feed = app.main.query_one(EventFeed)
        shown = feed.highlighted
        assert shown is not None
        assert app.main.query_one(DetailPane).display
        await pilot.resize_terminal(60, 20)  # under 100x30: the detail goes full-screen
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen))
        full = app.screen.query_one(DetailPane)
        assert full.has_focus
        await wait_until(pilot, lambda: full.event == shown)
        await pilot.press("escape")  # back: the feed has the whole width and the focus
        await wait_until(pilot, lambda: pane(app) == "feed")
        assert not app.main.query_one(DetailPane).display
        assert feed.region.width == 60
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.resize_terminal(120, 40)  # grown: the same event beside the feed
        await wait_until(pilot, lambda: app.screen is app.main)
        side = app.main.query_one(DetailPane)
        assert side.display
        await wait_until(pilot, lambda: pane(app) == "detail")
        await wait_until(pilot, lambda: side.event == shown)
        assert feed.highlighted == shown


async def test_a_shrink_keeps_the_highlighted_feed_row_in_view(make_app: Any) -> None:
    app = started(make_app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("2", *["k"] * 3)  # near the bottom of a tall feed
        feed = app.main.query_one(EventFeed)
        shown = feed.highlighted
        await pilot.resize_terminal(60, 20)
        await wait_until(pilot, lambda: feed.size.height <= 10)
        await pilot.pause()
        assert shown is not None
        assert feed.highlighted == shown
        rows = screen_rows(feed)
        assert any(re.search(rf"message {shown.seq}\b", row) for row in rows), rows
