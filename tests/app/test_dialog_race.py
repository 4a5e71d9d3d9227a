"""A dialog closed before it finished opening (a key typed while it opens, a quit in the
same burst) must not crash the dashboard: nothing of it is looked up in ``on_mount``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.app.conftest import conn
from tui.app import WsdeckApp
from tui.screens.confirm import ConfirmScreen

OPENERS: dict[str, Callable[[WsdeckApp], None]] = {
    "filter": lambda app: app.main.action_filter(),
    "stop with code": lambda app: app.ask_stop("idle"),
    "confirm": lambda app: app.push_screen(ConfirmScreen("Stop all?")),
}


@pytest.mark.parametrize("dialog", list(OPENERS))
async def test_a_dialog_closed_while_opening(make_app: Any, dialog: str) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        OPENERS[dialog](app)
        app.pop_screen()  # in the same step: before the dialog's Mount is handled
        await pilot.pause()
        await pilot.pause()
        assert app.screen is app.main
        assert app.return_code is None  # still running: no crash
