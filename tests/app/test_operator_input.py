"""Bad input from the operator in the settings form: a clear message, nothing written."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from settings import load_settings
from tests.app.settings_helpers import (
    SAMPLE,
    Host,
    fill_form,
    settings_file,
    text_of,
    wait_screen,
    write_sample,
)
from tui.screens.connection_form import ConnectionForm

CASES = [
    ("url", "ws://127.0.0.1/with space", "#error-url", "whitespace"),
    ("url", "gopher://127.0.0.1/", "#error-url", "gopher"),
    ("port", "0", "#error-port", "greater than or equal to 1"),
    ("port", "70000", "#error-port", "less than or equal to 65535"),
    ("name", "echo", "#error-name", "echo"),
]


@pytest.mark.parametrize(("field", "value", "error_id", "expected"), CASES)
async def test_bad_field_is_refused_inline(
    tmp_path: Path, field: str, value: str, error_id: str, expected: str
) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    before = write_sample(path)
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("a")
        await fill_form(pilot, name="new", url="ws://127.0.0.1:1/")
        form = await wait_screen(pilot, ConnectionForm)
        if field == "name":
            form.query_one("#field-name", Input).value = value
        else:
            form.query_one(f"#field-{field}", Input).value = value
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is form, "the form must stay open"
        message = text_of(form, error_id)
        assert expected in message.lower() or expected in message
    assert path.read_bytes() == before


async def test_full_disk_on_save_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    before = write_sample(path)
    app = Host(load_settings(path, use_env=False), path)

    def full(*args: Any, **kwargs: Any) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    async with app.run_test(size=(100, 40)) as pilot:
        monkeypatch.setattr(os, "fsync", full)
        await pilot.press("a")
        await fill_form(pilot, name="new", url="ws://127.0.0.1:1/")
        await pilot.press("ctrl+s")
        await pilot.pause()
        monkeypatch.undo()
        shown = " ".join(str(w.render()) for w in pilot.app.screen.query("Static"))
        assert "No space left on device" in shown
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["wsdeck.toml"]  # no temp file left
    assert "echo" in SAMPLE
