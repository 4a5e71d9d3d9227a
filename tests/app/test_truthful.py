"""What the dashboard says is what is so: quit question, settings list, clear and undo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import OptionList

from tests.app.conftest import conn, wait_until
from tui.core.client import State
from tui.core.events import ReceiveEvent
from tui.core.ring import FeedFilter
from tui.demo_server import DemoServer
from tui.screens.confirm import ConfirmScreen
from tui.screens.settings_screen import SettingsScreen
from tui.widgets.feed import EventFeed

SIZE = (120, 40)
T0 = 1_700_000_000.0


def _notices(app: Any) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


def _feed_events(app: Any, *names_and_counts: tuple[str, int]) -> None:
    """Put events in the ring as the drain would, and tell the screen."""
    batch = []
    for name, count in names_and_counts:
        batch += [
            ReceiveEvent(name, T0 + i, seq=i, data=f"{name} {i}", size=4) for i in range(count)
        ]
    app.ring.extend(batch)
    app.main.events_arrived()


async def test_the_quit_question_counts_every_active_connection(
    demo: DemoServer, make_app: Any
) -> None:
    names = ["echo", "ticker", "binary", "broken", "fifth"]
    app = make_app(*(conn(n, demo.endpoint("/echo"), auto_start=True) for n in names))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot, lambda: all(c.state is State.OPEN for c in app.hub.clients.values())
        )
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen.question
        assert "5 connections: echo, ticker, binary, broken and 1 more" in question
        await pilot.press("n")


async def test_the_settings_list_shows_each_connections_real_state(
    demo: DemoServer, make_app: Any, tmp_path: Path
) -> None:
    config = tmp_path / "wsdeck.toml"
    refused = "ws://127.0.0.1:9/"
    config.write_text(
        f'[[connections]]\nname = "up"\nurl = "{demo.endpoint("/echo")}"\n'
        f'[[connections]]\nname = "idle"\nurl = "{refused}"\n'
        f'[[connections]]\nname = "retrying"\nurl = "{refused}"\n'
        "reconnect = { enabled = true, initial_delay = 30 }\n"
    )
    app = make_app(
        conn("up", demo.endpoint("/echo"), auto_start=True),
        conn("idle", refused),
        conn(
            "retrying", refused, auto_start=True, reconnect={"enabled": True, "initial_delay": 30}
        ),
        config_path=config,
    )
    async with app.run_test(size=SIZE) as pilot:
        hub = app.hub
        await wait_until(pilot, lambda: hub.get("up").state is State.OPEN)
        await wait_until(pilot, lambda: hub.get("retrying").state is State.RECONNECTING)
        await pilot.press("comma")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        options = app.screen.query_one("#settings-list", OptionList)
        await wait_until(pilot, lambda: options.option_count == 3)

        def prompts() -> list[str]:
            return [str(options.get_option_at_index(i).prompt) for i in range(3)]

        up, idle, retrying = prompts()
        assert up.endswith("(● open)")
        assert idle.endswith("(○ stopped)")  # never connected: not "open"
        assert "(↻ reconnecting in" in retrying
        hub.stop("up")
        await wait_until(pilot, lambda: prompts()[0].endswith("(○ stopped)"))  # kept up to date


async def test_clear_under_a_filter_clears_what_it_shows_and_u_undoes_it(make_app: Any) -> None:
    app = make_app(conn("a", "ws://127.0.0.1:9/"), conn("b", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        _feed_events(app, ("a", 3), ("b", 4))
        feed = app.main.query_one(EventFeed)
        await wait_until(pilot, lambda: len(feed.view) == 7)
        feed.set_filter(FeedFilter(connections={"a"}))
        feed.focus()
        await pilot.press("c")  # three rows: less than a screenful, no question
        await wait_until(pilot, lambda: len(feed.view) == 0)
        assert not isinstance(app.screen, ConfirmScreen)
        notice = _notices(app)[-1]
        assert "Cleared 3 events shown by the connections: a filter; 4 others kept" in notice
        feed.set_filter(FeedFilter())
        await wait_until(pilot, lambda: len(feed.view) == 4)  # b's events were not cleared
        await pilot.press("u")
        await wait_until(pilot, lambda: len(feed.view) == 7)
        assert "Restored 3 cleared events" in _notices(app)[-1]


async def test_clearing_more_than_a_screenful_asks_first(make_app: Any) -> None:
    app = make_app(conn("a", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        _feed_events(app, ("a", 200))
        feed = app.main.query_one(EventFeed)
        await wait_until(pilot, lambda: len(feed.view) == 200)
        feed.focus()
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Clear 200 events? u undoes it." in app.screen.question
        await pilot.press("enter")  # the default is Keep
        await wait_until(pilot, lambda: app.screen is app.main)
        assert len(feed.view) == 200
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        _feed_events(app, ("a", 5))  # arrive while the question is open: not offered
        await pilot.press("y")
        await wait_until(pilot, lambda: len(feed.view) == 5)
        assert "Cleared 200 events; 5 others kept. u undoes it." in _notices(app)[-1]
        app.main.action_undo_clear()  # the palette's "feed: undo clear"
        await wait_until(pilot, lambda: len(feed.view) == 205)
