"""Keys typed ahead: each acts on what the previous one left on screen, and none is lost."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Input

from tests.app.conftest import burst, conn, events_of, wait_until
from tui.core.client import State
from tui.demo_server import DemoServer
from tui.screens.connection_form import ConnectionForm
from tui.widgets.connection_table import ConnectionTable

SIZE = (120, 40)
ROUNDS = 50
NAMES = ("alpha", "beta", "gamma")


def _requests(app: Any, kind: str) -> list[str]:
    return [e.connection for e in events_of(app, kind) if kind == "start" or e.by == "client"]


async def _three_open(pilot: Any, app: Any) -> ConnectionTable:
    table = app.main.query_one(ConnectionTable)
    await wait_until(pilot, lambda: all(c.state is State.OPEN for c in app.hub.clients.values()))
    return table


@pytest.mark.parametrize(
    ("keys", "start_row", "target", "kind"),
    [
        (("j", "x"), 0, "beta", "stop"),
        (("k", "k", "s"), 2, "alpha", "start"),
        (("j", "j", "j", "r"), 0, "gamma", "restart"),
    ],
)
async def test_a_burst_acts_on_the_row_it_moved_to(
    demo: DemoServer, make_app: Any, keys: tuple[str, ...], start_row: int, target: str, kind: str
) -> None:
    app = make_app(*(conn(n, demo.endpoint("/echo"), auto_start=True) for n in NAMES))
    async with app.run_test(size=SIZE) as pilot:
        table = await _three_open(pilot, app)
        hub = app.hub
        for round_ in range(ROUNDS):
            if kind == "start":
                hub.stop(target)
                await wait_until(pilot, lambda: hub.get(target).state is State.STOPPED)
            stops, starts = len(_requests(app, "stop")), len(_requests(app, "start"))
            table.move_cursor(row=start_row)
            burst(app, *keys)
            if kind in ("stop", "restart"):
                await wait_until(pilot, lambda n=stops: len(_requests(app, "stop")) > n)
                assert _requests(app, "stop")[stops:] == [target], f"round {round_}"
            if kind in ("start", "restart"):
                await wait_until(pilot, lambda n=starts: len(_requests(app, "start")) > n)
                assert _requests(app, "start")[starts:] == [target], f"round {round_}"
            # What the selected bar shows is the row the keys acted on, in the same frame.
            assert app.main.selected == table.selected == target
            assert str(app.main.query_one("#selected").render()).startswith(target)
            if kind == "stop":
                hub.start(target)
            await wait_until(pilot, lambda: hub.get(target).state is State.OPEN)


async def test_keys_typed_while_the_add_form_opens_land_in_it_in_order(
    tmp_path: Any, make_app: Any
) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "echo"\nurl = "ws://127.0.0.1:9/"\n')
    app = make_app(conn("echo", "ws://127.0.0.1:9/"), config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        url = "ws://127.0.0.1:9/x"
        burst(app, "comma", "a", *"echo2", "tab", *url)
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ConnectionForm) and bool(app.screen.query("#field-url")),
        )
        form = app.screen
        name, field = form.query_one("#field-name", Input), form.query_one("#field-url", Input)
        await wait_until(pilot, lambda: field.value == url)
        assert name.value == "echo2"


async def test_palette_keeps_a_burst_with_ctrl_u(make_app: Any) -> None:
    app = make_app(conn("echo", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "ctrl+p", *"feed", "ctrl+u", *"settings")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette_input = app.screen.query_one(Input)
        await wait_until(pilot, lambda: palette_input.value == "settings")


async def test_an_answer_typed_with_ctrl_q_reaches_the_question(
    demo: DemoServer, make_app: Any
) -> None:
    app = make_app(conn("echo", demo.endpoint("/echo"), auto_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.hub.get("echo").state is State.OPEN)
        burst(app, "ctrl+q", "y")
        await wait_until(pilot, lambda: not app.is_running)


async def test_a_burst_sends_to_the_row_it_moved_to(demo: DemoServer, make_app: Any) -> None:
    app = make_app(*(conn(n, demo.endpoint("/echo"), auto_start=True) for n in NAMES))
    async with app.run_test(size=SIZE) as pilot:
        table = await _three_open(pilot, app)
        for round_, (row, target) in enumerate([(0, "beta"), (1, "gamma"), (2, "gamma")]):
            app.main.query_one(ConnectionTable).focus()
            await wait_until(pilot, lambda: app.focused is table)
            table.move_cursor(row=row)
            burst(app, "j", "i", *f"m{round_}", "ctrl+j")  # down, compose, type, send
            await wait_until(pilot, lambda n=round_: len(events_of(app, "send")) > n)
            sent = events_of(app, "send")[round_]
            assert (sent.connection, sent.data) == (target, f"m{round_}")
