"""The help screen: the focused pane's own keys first, in words an operator knows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.widgets import Select

from tests.app.conftest import conn, screen_text, type_text, wait_until
from tui.screens.help import HelpScreen
from tui.widgets.composer import Composer

SIZE = (120, 40)


async def _help(pilot: Any, app: Any) -> HelpScreen:
    await pilot.press("f1")
    await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
    screen = app.screen
    assert isinstance(screen, HelpScreen)
    return screen


async def test_composer_help_puts_its_own_keys_first_and_the_editor_in_one_line(
    make_app: Any,
) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        screen = await _help(pilot, app)
        areas = [area for area, _ in screen.groups]
        assert areas[:2] == ["Composer", "Text editor"]
        composer = {description for _, description, _, _ in screen.groups[0][1]}
        assert {
            "Send",
            "Mode",
            "Clear the editor",
            "Saved messages",
            "previous / next sent message",
        } <= composer
        assert len(screen.groups[1][1]) == 1  # the editor's ~45 keys, collapsed
        rows = sum(len(rows) for _, rows in screen.groups)
        assert rows < 40  # it fits the screen instead of listing every editing key
        assert not any("TextArea" in area or "Composer" in area[1:] for area in areas)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_help_never_shows_class_names_and_lines_up_every_area(
    make_app: Any, size: tuple[int, int]
) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("i")
        await _help(pilot, app)
        await pilot.pause()
        text = screen_text(app)
        assert "HistoryTextArea" not in text
        assert "composer.send" in text
        ids = re.compile(r"\b(?:composer|connections?|feed|app|main)\.[a-z_]+|\(built in\)")
        columns = {found.start() for line in text.splitlines() for found in ids.finditer(line)}
        assert len(columns) == 1, text  # one id column, whatever the area
        if size == (120, 40):
            assert {"composer.send", "main.next", "app.quit"} <= set(ids.findall(text))


async def test_ctrl_l_clears_the_editor_and_ctrl_o_opens_saved_messages(make_app: Any) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/", saved_messages={"hello": "hi there"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        composer = app.main.query_one(Composer)
        await type_text(pilot, "draft")
        assert composer.text == "draft"
        await pilot.press("ctrl+l")
        assert composer.text == ""
        await pilot.press("ctrl+z")
        assert composer.text == "draft"
        await pilot.press("ctrl+o")
        saved = composer.query_one("#composer-saved", Select)
        await wait_until(pilot, lambda: saved.expanded)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: composer.text == "hi there")


async def test_wsdeck_keys_come_first_by_pane_and_textual_s_own_last(make_app: Any) -> None:
    from tui.screens.help import BUILT_IN

    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")  # the feed
        screen = await _help(pilot, app)
        areas = [area for area, _ in screen.groups]
        assert areas[0] == "Event feed"  # the focused pane's keys first
        assert areas[-1] == BUILT_IN  # Textual's own keys last
        assert {"Connections", "Moving around", "Everywhere"} <= set(areas)
        assert "Main screen" not in areas  # its keys are under the pane they act on
        for area, rows in screen.groups:
            ids = {binding_id for _, _, binding_id, _ in rows}
            assert (ids == {"(built in)"}) == (area == BUILT_IN), (area, rows)
        feed = dict((row[2], row) for row in screen.groups[0][1])
        assert feed["feed.top"][0] == "home, g"  # one row per binding
        assert feed["feed.down"][0] == "↓, j"  # the built-in key that does the same joins it
        assert feed["feed.search"][1] == "Search"  # the screen's feed keys are here too
        first_connection_key = screen.groups[areas.index("Connections")][1][0]
        assert first_connection_key[:3] == ("s", "Start", "connection.start")  # as declared
        text = screen_text(app).splitlines()
        first = next(i for i, line in enumerate(text) if "Event feed" in line)
        assert "feed.up" in text[first + 1]  # keys right under the title, no intro before


async def test_help_in_the_composer_leaves_out_keys_the_editor_types(make_app: Any) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        screen = await _help(pilot, app)
        ids = {row[2] for _, rows in screen.groups for row in rows}
        assert "composer.send" in ids
        assert "feed.search" not in ids  # "/" is typed into the editor
        assert "app.settings" not in ids  # and so is ","


async def test_the_full_screen_detail_s_help_names_its_areas(make_app: Any) -> None:
    from tui.screens.detail import DetailScreen

    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "d")  # full-screen below 100x30
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen))
        screen = await _help(pilot, app)
        areas = [area for area, _ in screen.groups]
        assert areas[:2] == ["Detail", "Detail screen"]
        assert not {"This pane", "This screen"} & set(areas)


async def test_help_opened_again_draws_its_key_tables_from_the_kept_lines(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Laying the key tables out was a quarter of every opening's CPU (issue 18): the same
    help opened again lays nothing out and shows the same keys; another width lays out.
    (The first opening lays out twice: without, then with the body's scroll bar.)"""
    from tui.screens import help as help_module
    from tui.widgets.rendered_lines import clear_rendered

    laid_out: list[bool] = []
    real = help_module.key_tables

    def counted(groups: list[help_module.Group], *, narrow: bool) -> Any:
        laid_out.append(narrow)
        return real(groups, narrow=narrow)

    monkeypatch.setattr(help_module, "key_tables", counted)
    clear_rendered()
    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        shown = []
        first = 0
        for _ in range(3):
            await _help(pilot, app)
            await pilot.pause()
            shown.append(screen_text(app))
            first = first or len(laid_out)
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is app.main)
        assert first > 0
        assert len(laid_out) == first
        assert "connections.down" in shown[0]
        assert shown[1] == shown[2] == shown[0]
        await pilot.resize_terminal(100, 40)
        await _help(pilot, app)
        await pilot.pause()
        assert len(laid_out) > first
        assert "connections.down" in screen_text(app)
