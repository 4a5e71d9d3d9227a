"""The dashboard started from a loader, as ``wsdeck --config F`` does: frame first, then load."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from textual.widgets import Static

from settings import WsdeckSettings
from tests.app.conftest import conn, settings_for, wait_until
from tui.app import WsdeckApp
from tui.demo_server import DemoServer
from tui.launch import LaunchError, OpenConnections
from tui.widgets.connection_preview import ConnectionPreview
from tui.widgets.connection_table import ConnectionTable


async def test_the_loading_frame_comes_first_then_the_dashboard(demo: DemoServer) -> None:
    frames: list[str] = []
    settings = settings_for(conn("echo", f"{demo.url}/echo", auto_start=True))

    def load() -> tuple[WsdeckSettings, Path]:
        # Called once the first frame is drawn: what that frame showed is still mounted.
        frames.append(str(app.query_one("#loading", Static).render()))
        return settings, Path("chosen.toml")

    app = WsdeckApp(load)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.ready and app.main.is_current)
        assert frames == ["loading the settings…"]
        assert app.config_path == Path("chosen.toml")
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: table.row_count == 1)
        await wait_until(pilot, lambda: app.hub.clients["echo"].state.value == "open")
        await app._quit()
    assert app.return_code == 0


async def test_the_first_frame_lists_the_preview_then_the_validated_table(
    demo: DemoServer,
) -> None:
    shown: list[tuple[str, bool]] = []
    settings = settings_for(
        conn("echo", f"{demo.url}/echo", auto_start=True), conn("other", f"{demo.url}/echo")
    )

    def load() -> tuple[WsdeckSettings, Path]:
        # Drawn before the load, and nothing acts on it: no connection exists yet.
        preview = app.query_one("#preview", ConnectionPreview)
        shown.append((str(preview.render()), app.ready))
        return settings, Path("chosen.toml")

    app = WsdeckApp(load, preview=["echo", "oth\x1b[2Jer"])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.ready and app.main.is_current)
        [(text, ready)] = shown
        assert not ready
        assert text.splitlines()[1:] == [" echo          … loading", " oth\\x1b[2Jer  … loading"]
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: table.names == ["echo", "other"])
        await app._quit()
    assert app.return_code == 0


async def test_a_launch_error_ends_the_app_with_2_and_keeps_the_lines() -> None:
    def load() -> tuple[WsdeckSettings, Path]:
        raise LaunchError(["wsdeck: f.toml: invalid settings (1 problem)", "  feed: bad"])

    app = WsdeckApp(load)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.launch_error is not None)
        assert not app.check_action("settings", ())  # nothing to edit
        assert app.check_action("request_quit", ())
    assert app.return_code == 2
    assert app.launch_error is not None
    assert app.launch_error.lines[1] == "  feed: bad"
    assert not app.ready


def test_open_connections_are_frozen_out_of_full_collections_as_they_double() -> None:
    gc.collect()
    gc.unfreeze()  # start from a known count (other tests may have frozen objects)
    try:
        settle = OpenConnections()
        assert not settle.opened(OpenConnections.FIRST - 1, now=0.0)  # few: nothing to do
        assert gc.get_freeze_count() == 0
        kept = [[index] for index in range(10_000)]  # long-lived, as a connection's objects
        assert settle.opened(OpenConnections.FIRST, now=1.0)
        assert gc.get_freeze_count() >= len(kept)
        assert not settle.opened(2 * OpenConnections.FIRST - 1, now=2.0)  # until they double
        assert settle.opened(2 * OpenConnections.FIRST, now=3.0)
    finally:
        gc.unfreeze()


class Node:
    """An object in a reference cycle, as a closed connection's objects are."""

    def __init__(self) -> None:
        self.me = self


def test_a_closed_connections_frozen_cycles_are_freed_at_the_next_refresh() -> None:
    gc.collect()
    gc.unfreeze()
    try:
        settle = OpenConnections()
        node = Node()
        alive = weakref.ref(node)
        assert settle.opened(OpenConnections.FIRST, now=0.0)  # frozen while in use
        del node  # the connection closes: its cycle is garbage, but frozen
        gc.collect()
        assert alive() is not None
        assert not settle.opened(OpenConnections.FIRST, now=OpenConnections.REFRESH - 1)
        assert settle.opened(OpenConnections.FIRST, now=OpenConnections.REFRESH)
        assert alive() is None
    finally:
        gc.unfreeze()
