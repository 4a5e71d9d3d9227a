"""``field: add``: a dialog prefilled from the detail pane's cursor, checked as settings are,
keys typed in bursts; the field becomes a column and shows in the fields view."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from tests.app.conftest import burst, conn, events_of, run_in_palette, screen_text, wait_until
from tui.core.events import SendEvent
from tui.demo_server import DemoServer
from tui.screens.field_add import FieldAddScreen
from tui.widgets.connection_table import ConnectionTable
from tui.widgets.detail import DetailPane
from tui.widgets.feed import EventFeed


async def _dialog(pilot: Any) -> None:
    app = pilot.app
    await wait_until(
        pilot, lambda: isinstance(app.screen, FieldAddScreen) and bool(app.screen.query(Input))
    )


def _inputs(app: Any) -> tuple[str, str]:
    screen = app.screen
    assert isinstance(screen, FieldAddScreen)
    return (
        screen.query_one("#field-name", Input).value,
        screen.query_one("#field-jq", Input).value,
    )


def _error(app: Any) -> str:
    return str(app.screen.query_one("#field-error", Static).render())


async def _paused_on_a_message(pilot: Any, app: Any) -> EventFeed:
    await wait_until(pilot, lambda: len(events_of(app, "receive", "ticker")) >= 2)
    feed = app.main.query_one(EventFeed)
    feed.focus()
    await pilot.press("up")  # pause on a received message
    await wait_until(pilot, lambda: feed.highlighted is not None)
    return feed


async def test_plus_in_the_detail_pane_adds_the_value_under_its_cursor(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(conn("ticker", demo.endpoint("/ticker?rate=20"), auto_start=True))
    async with app.run_test(size=(160, 40)) as pilot:
        feed = await _paused_on_a_message(pilot, app)
        await pilot.press("d")
        detail = app.main.query_one(DetailPane)
        shown = feed.highlighted
        assert shown is not None
        await wait_until(pilot, lambda: detail.event is not None and detail.event.seq == shown.seq)
        # seq, ts, sine, counter, temperature: five values down, then one back and on again.
        burst(app, "4", "j", "j", "j", "j", "j", "k", "j", "plus")
        await _dialog(pilot)
        assert detail.cursor_path == ".temperature"
        assert _inputs(app) == ("temperature", ".temperature")
        # An invalid program: the settings' message, at its field, in the dialog.
        burst(app, "tab", "ctrl+u", *".temperature |||", "enter")
        await wait_until(pilot, lambda: "invalid jq program" in _error(app))
        assert _error(app).startswith("jq: invalid jq program: syntax error")
        assert isinstance(app.screen, FieldAddScreen)  # still open, to be corrected
        # A name the table has already: the same, at the name.
        burst(app, "ctrl+u", *".temperature * 10", "shift+tab", "ctrl+u", *"rate", "enter")
        await wait_until(pilot, lambda: _error(app).startswith("name: 'rate' is a column"))
        burst(app, "ctrl+u", *"temp10", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, FieldAddScreen))
        assert app.analysis.added_fields("ticker") == {"temp10": ".temperature * 10"}
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: "temp10" in table.columns_shown)
        await wait_until(pilot, lambda: table.get_cell("ticker", "temp10")[:1].isdigit())
        await pilot.press("v")  # the fields view shows it too
        await wait_until(pilot, lambda: "temp10=" in screen_text(app))


async def test_the_palette_opens_the_dialog_with_the_messages_first_value(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(conn("ticker", demo.endpoint("/ticker?rate=20"), auto_start=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await _paused_on_a_message(pilot, app)
        await run_in_palette(pilot, "field: add to ticker")
        await _dialog(pilot)
        assert _inputs(app) == ("seq", ".seq")
        burst(app, "escape")  # leaves without adding
        await wait_until(pilot, lambda: not isinstance(app.screen, FieldAddScreen))
        assert app.analysis.added_fields("ticker") == {}
        await run_in_palette(pilot, "field: add to ticker")
        await _dialog(pilot)
        burst(app, "enter")
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: "seq" in table.columns_shown)
        await run_in_palette(pilot, "field: remove seq")
        await wait_until(pilot, lambda: "seq" not in table.columns_shown)


async def test_plus_in_the_full_screen_detail_opens_the_dialog_over_it(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(conn("ticker", demo.endpoint("/ticker?rate=20"), auto_start=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await _paused_on_a_message(pilot, app)
        burst(app, "d", "j", "j", "j", "plus")  # 80x24: the detail is full-screen
        await _dialog(pilot)
        assert _inputs(app) == ("sine", ".sine")
        burst(app, "enter")
        await wait_until(pilot, lambda: app.analysis.added_fields("ticker") == {"sine": ".sine"})


async def test_a_field_from_a_sent_message_goes_to_its_connection_not_the_selected_one(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(
        conn("alpha", demo.endpoint("/echo"), auto_start=True),
        conn("beta", demo.endpoint("/echo"), auto_start=True),
    )
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_until(pilot, lambda: len(events_of(app, "start")) == 2)
        # Send on beta, then back to alpha in the table: alpha is the selected connection.
        burst(app, "j", "i", *'{"op": "sub"}', "ctrl+j", "escape", "k")
        await wait_until(pilot, lambda: len(events_of(app, "receive", "beta")) == 1)
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: table.selected == "alpha")
        feed = app.main.query_one(EventFeed)
        feed.focus()
        for _ in range(10):  # up to the sent message (the echo came after it)
            await pilot.press("up")
            if isinstance(feed.highlighted, SendEvent):
                break
        sent = feed.highlighted
        assert isinstance(sent, SendEvent)
        assert sent.connection == "beta"
        burst(app, "d", "4", "j", "plus")
        await _dialog(pilot)
        assert "beta" in str(app.screen.query_one("#field-title", Static).render())
        assert _inputs(app) == ("op", ".op")
        burst(app, "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, FieldAddScreen))
        assert app.analysis.added_fields("beta") == {"op": ".op"}
        assert app.analysis.added_fields("alpha") == {}
