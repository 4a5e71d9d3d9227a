"""Keys typed ahead: each acts on what the previous one left on screen, and none is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.command import CommandPalette
from textual.message import Message
from textual.widgets import Input

from settings import WsdeckSettings
from tests.app.conftest import burst, conn, events_of, settings_for, wait_until
from tui import typeahead
from tui.app import WsdeckApp
from tui.core.client import State
from tui.demo_server import DemoServer
from tui.launch import LaunchError
from tui.screens.connection_form import ConnectionForm
from tui.screens.main import MainScreen
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


class Loading:
    """The App as ``wsdeck`` starts it, with ``keys`` typed before its first frame.

    The keys reach the App as it mounts, so they are taken while the first frame is drawn,
    before the settings are loaded; ``load`` may type more while they are validated.
    """

    def __init__(self, keys: tuple[str, ...], load: Callable[[WsdeckApp], WsdeckSettings]) -> None:
        def loader() -> tuple[WsdeckSettings, Path]:
            return load(self.app), Path("wsdeck.toml")

        self.app = WsdeckApp(loader, preview=list(NAMES))
        self.keys = keys
        self.routed: list[tuple[str, bool]] = []
        """Each key Textual routed to a widget, and whether the App was ready by then."""
        self._seen: list[Message] = []  # a key bubbles up as the same message

    def hook(self, message: Message) -> None:
        if isinstance(message, events.Mount) and self.keys:
            keys, self.keys = self.keys, ()
            burst(self.app, *keys)
        elif (
            isinstance(message, events.Key)
            and message.is_forwarded
            and not any(message is seen for seen in self._seen)
        ):
            self._seen.append(message)
            self.routed.append((message.key, self.app.ready))


async def test_keys_typed_while_the_settings_load_act_once_the_dashboard_is_up(
    demo: DemoServer,
) -> None:
    settings = settings_for(*(conn(n, demo.endpoint("/echo")) for n in NAMES))

    def load(app: WsdeckApp) -> WsdeckSettings:
        burst(app, "j", "s")  # typed while pydantic validates: the table is not there
        return settings

    loading = Loading(("j",), load)
    app = loading.app
    async with app.run_test(size=SIZE, message_hook=loading.hook) as pilot:
        await wait_until(pilot, lambda: app.ready and len(events_of(app, "start")) > 0)
        await wait_until(pilot, lambda: app.hub.get("gamma").state is State.OPEN)
        assert _requests(app, "start") == ["gamma"]
        assert app.main.query_one(ConnectionTable).selected == "gamma"
        assert loading.routed == [("j", True), ("j", True), ("s", True)]
        await app._quit()


async def test_keys_typed_while_the_settings_load_wait_for_a_slow_main_screen(
    demo: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a loaded machine the main screen can take longer than a key's settle timeout to
    # mount: the held keys are its, not the half-built screen's.
    mount = MainScreen.on_mount

    async def slow_mount(screen: MainScreen) -> None:
        await asyncio.sleep(1.5)  # the machine's slowness, not a wait for a condition
        mount(screen)

    monkeypatch.setattr(MainScreen, "on_mount", slow_mount)
    settings = settings_for(*(conn(n, demo.endpoint("/echo")) for n in NAMES))

    def load(app: WsdeckApp) -> WsdeckSettings:
        burst(app, "j", "s")
        return settings

    loading = Loading(("j",), load)
    app = loading.app
    async with app.run_test(size=SIZE, message_hook=loading.hook) as pilot:
        await wait_until(pilot, lambda: app.ready and len(events_of(app, "start")) > 0, 10)
        await wait_until(pilot, lambda: app.hub.get("gamma").state is State.OPEN)
        assert _requests(app, "start") == ["gamma"]
        assert app.main.query_one(ConnectionTable).selected == "gamma"
        await app._quit()


async def test_keys_past_the_limit_are_dropped_and_told(
    demo: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(typeahead, "KEY_LIMIT", 6)
    settings = settings_for(
        conn("alpha", demo.endpoint("/echo"), auto_start=True),
        *(conn(n, demo.endpoint("/echo")) for n in NAMES[1:]),
    )

    def load(app: WsdeckApp) -> WsdeckSettings:
        burst(app, "k", "k", "x", "x", "x")
        return settings

    # The first six go in order (start beta, back to alpha); the three stops do not.
    loading = Loading(("j", "s", "k", "k"), load)
    app = loading.app
    async with app.run_test(size=SIZE, message_hook=loading.hook) as pilot:
        await wait_until(pilot, lambda: app.ready and app.hub.get("beta").state is State.OPEN)
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: app._keys.held == 0 and table.selected == "alpha")
        [notice] = [n for n in app._notifications if n.title == "keys"]
        assert notice.message.startswith("3 keys typed ahead dropped: at most 6 wait")
        assert notice.severity == "warning"
        assert app.hub.get("alpha").state is State.OPEN
        assert _requests(app, "stop") == []
        await app._quit()


async def test_keys_the_app_refuses_to_queue_leave_room_for_later_ones(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key admitted by the gate but refused by the App's queue (its keys disabled, or the
    # App closing) never reaches the gate: it kept its place among the KEY_LIMIT on their
    # way for good, and once KEY_LIMIT had been refused every later key was dropped.
    monkeypatch.setattr(typeahead, "KEY_LIMIT", 3)
    app = make_app(*(conn(n, "ws://127.0.0.1:9/") for n in NAMES))
    async with app.run_test(size=SIZE) as pilot:
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: table.selected == "alpha")
        app.disable_messages(events.Key)
        assert not any(app.post_message(events.Key("j", "j")) for _ in range(5))
        app.enable_messages(events.Key)
        burst(app, "j", "j")
        await wait_until(pilot, lambda: table.selected == "gamma")
        assert not [n for n in app._notifications if n.title == "keys"]
        await app._quit()


async def test_an_app_far_behind_queues_no_more_keys_than_the_limit(
    demo: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The load blocks the App: every key the terminal delivers meanwhile queues for it.
    monkeypatch.setattr(typeahead, "KEY_LIMIT", 40)
    settings = settings_for(*(conn(n, demo.endpoint("/echo")) for n in NAMES))

    def load(app: WsdeckApp) -> WsdeckSettings:
        burst(app, *["j"] * 400)
        return settings

    loading = Loading((), load)
    app = loading.app
    queued: list[int] = []  # the App's queue as each key from the terminal reaches the App

    def hook(message: Message) -> None:
        loading.hook(message)
        if isinstance(message, events.Key) and not message.is_forwarded:
            queued.append(app._message_queue.qsize())

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await wait_until(pilot, lambda: app.ready and len(loading.routed) == 40)
        await wait_until(pilot, lambda: app._keys.held == 0)
        [notice] = [n for n in app._notifications if n.title == "keys"]
        assert notice.message.startswith("360 keys typed ahead dropped: at most 40 wait")
        assert len(queued) == 40
        assert max(queued) < 60  # not the 400 typed: those past the limit never queued
        await app._quit()


async def test_keys_typed_while_invalid_settings_load_act_on_nothing() -> None:
    # Help, settings, a quit: none of them runs on the loading frame, which closes again
    # with the problems (printed on the normal screen by the caller).
    def load(app: WsdeckApp) -> WsdeckSettings:
        burst(app, "comma", "j", "q")
        raise LaunchError(["wsdeck: wsdeck.toml: invalid settings (1 problem)", "  feed: bad"])

    loading = Loading(("question_mark", "f1"), load)
    app = loading.app
    async with app.run_test(size=SIZE, message_hook=loading.hook) as pilot:
        await wait_until(pilot, lambda: app.launch_error is not None)
        assert len(app.screen_stack) == 1  # no help over the loading frame
    assert loading.routed == []
    assert app.return_code == 2
