"""A theme chosen in the palette is saved to the settings file, or said to last this run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from settings import load_settings
from tests.app.conftest import run_first_hit, run_in_palette, wait_until
from tui.app import WsdeckApp

SIZE = (120, 40)
FILE = """\
# the operators' console
[[connections]]
name = "idle"   # never started here
url = "ws://127.0.0.1:9/"

[theme]
name = "textual-dark"  # chosen in the palette
"""


def notices(app: WsdeckApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def notice_of_choosing_nord(app: WsdeckApp) -> str:
    """Run ``app``, choose ``theme: nord`` in the palette; the one notice it gives."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await run_in_palette(pilot, "theme: nord")
        await wait_until(pilot, lambda: app.theme == "nord")
        await wait_until(pilot, lambda: bool(notices(app)))
        (notice,) = notices(app)
        return notice


def app_for(path: Path | None) -> WsdeckApp:
    if path is not None and path.exists():
        settings = load_settings(path)
    else:
        settings = load_settings(None, env_file=None)
    return WsdeckApp(settings, config_path=path)


async def test_the_palette_theme_is_saved_keeping_comments(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(FILE)
    app = app_for(config)
    assert await notice_of_choosing_nord(app) == f"theme nord saved to {config}"
    assert config.read_text() == FILE.replace('name = "textual-dark"', 'name = "nord"')
    again = app_for(config)  # the next start
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "nord"


async def test_textuals_theme_command_saves_too(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "idle"\nurl = "ws://127.0.0.1:9/"\n')
    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.search_themes()  # what the palette's "Theme" command does
        await run_first_hit(pilot, "theme: nord")
        await wait_until(pilot, lambda: app.theme == "nord")
    assert load_settings(config).theme.name == "nord"
    assert config.read_text().endswith('\n[theme]\nname = "nord"\n')


async def test_a_read_only_file_is_left_alone(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(FILE)
    os.chmod(config, 0o444)
    app = app_for(config)
    notice = await notice_of_choosing_nord(app)
    assert notice == f"theme nord for this run only: {config} is read-only"
    assert config.read_text() == FILE
    assert config.stat().st_mode & 0o777 == 0o444


async def test_without_a_file_the_theme_lasts_this_run(tmp_path: Path) -> None:
    absent = tmp_path / "wsdeck.toml"  # e.g. `wsdeck ws://…` with no settings file
    app = app_for(absent)
    notice = await notice_of_choosing_nord(app)
    assert (
        notice
        == f"theme nord for this run only: there is no settings file ({absent} does not exist)"
    )
    assert not absent.exists()


async def test_in_the_demo_the_theme_lasts_this_run(make_app: Any) -> None:
    app = make_app()  # no settings file at all, like `wsdeck demo`
    notice = await notice_of_choosing_nord(app)
    assert notice == "theme nord for this run only: there is no settings file"


def test_theme_look_ups_are_kept_until_a_theme_is_registered(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual asks for the current theme for every line it draws: the App answers from
    what it found before instead of copying the registry, and forgets it when the
    registry changes."""
    from textual.app import App
    from textual.theme import Theme

    app = make_app()
    copies = 0
    registry = App.available_themes

    def counting(self: App[Any]) -> dict[str, Theme]:
        nonlocal copies
        copies += 1
        return registry.fget(self)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(App, "available_themes", property(counting))
    dark = app.get_theme("textual-dark")
    assert dark is not None
    assert dark.name == "textual-dark"
    before = copies
    for _ in range(100):
        assert app.get_theme("textual-dark") is dark
    assert copies == before
    mine = Theme(name="mine", primary="#ff0000")
    app.register_theme(mine)
    assert app.get_theme("mine") is mine
    again = Theme(name="mine", primary="#00ff00")
    app.register_theme(again)
    assert app.get_theme("mine") is again
    app.unregister_theme("mine")
    assert app.get_theme("mine") is None
    assert app.get_theme("nope, textual-light") is app.get_theme("textual-light")
