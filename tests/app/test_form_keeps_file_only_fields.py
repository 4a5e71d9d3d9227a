"""Editing a connection in the form keeps the settings the form does not show."""

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
correlate = ".ref"
correlate_timeout = 3
every = [{ interval = 30, message = "hb" }]

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
    assert saved.fields == {"temp": ".temperature"}
    assert (saved.correlate, saved.correlate_timeout) == (".ref", 3)
    assert [schedule.interval for schedule in saved.every] == [30]
