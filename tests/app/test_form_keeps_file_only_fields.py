"""Editing a connection in the form keeps the fields the form does not show."""

from __future__ import annotations

from pathlib import Path

from settings import load_settings
from tests.app.settings_helpers import (
    Host,
    fill_form,
    settings_file,
    until,
    wait_screen,
    write_sample,
)
from tui.screens.settings_screen import SettingsScreen

FILE_ONLY = """
[[connections]]
name = "strict"
url = "ws://127.0.0.1:8765/echo"
follow_redirects = true
failure_close_codes = [4000, 4401]
fields = { temp = ".temperature" }
sparkline = true
correlate = ".id"
correlate_timeout = 3

[connections.watch]
silence = { after = 5 }

[[connections.every]]
name = "heartbeat"
interval = 30
message = '{"op":"ping"}'

[[connections.on_receive]]
match_jq = '.op == "ping"'
reply_jq = '{"op": "pong"}'

[connections.macros.login]
steps = [{send = "login"}, {wait = "ok", timeout = 2}]

[connections.reconnect]
enabled = true
retry_config_failures = true
"""


async def test_edit_keeps_redirect_close_code_and_retry_settings(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    write_sample(path, FILE_ONLY)
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("e")
        await fill_form(pilot, name="strict2")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "strict2" in path.read_text(), "the save")
    (saved,) = load_settings(path, use_env=False).connections
    assert saved.name == "strict2"
    assert saved.follow_redirects
    assert saved.failure_close_codes == [4000, 4401]
    assert saved.reconnect.retry_config_failures
    assert saved.reconnect.enabled
    # Watches, fields, pairing and automation are edited in the file only: kept, as written.
    assert saved.watch is not None
    assert saved.watch.silence is not None
    assert saved.watch.silence.after == 5
    assert saved.fields == {"temp": ".temperature"}
    assert saved.sparkline is True
    assert (saved.correlate, saved.correlate_timeout) == (".id", 3)
    assert [(s.name, s.interval) for s in saved.every] == [("heartbeat", 30)]
    assert saved.on_receive[0].reply_jq == '{"op": "pong"}'
    assert [s.send for s in saved.macros["login"].steps] == ["login", None]
    assert "[[connections.every]]" in path.read_text()
