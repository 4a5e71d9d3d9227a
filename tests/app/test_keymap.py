"""The ``[keymap]``: unknown ids and keys refuse to start, ``?`` names every binding's id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding

from tests.app.conftest import conn, screen_text, wait_until
from tui.keymap import bindings, bound_classes, key_problem, keymap_problems
from tui.screens.help import HelpScreen
from tui.widgets.detail import DetailPane

SIZE = (120, 40)
HOSTILE_KEYS = [
    '[link="http://evil.example/"]click-me[/link]',  # markup that became an OSC 8 link
    "[/bold]oops[",  # malformed markup: a MarkupError when parsed
    "ctrl+",
    "ctrl+\x1b]0;title\x07",
]


def test_every_default_key_is_a_valid_key() -> None:
    known = bindings(bound_classes())
    assert len(known) > 30
    defaults = {info.id: info.keys for info in known}
    assert keymap_problems(defaults, known) == []


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("ctrl+shfit+x", "did you mean 'shift'?"),
        ("Ctrl+s", "'Ctrl' is not a modifier"),
        ("ctrl+/", "write 'ctrl+slash'"),
        ("f25", "not a key name"),
        ("ctrl+ctrl+a", "repeated"),
        ("ctrl+", "missing after the last '+'"),
        ("\x1b", "not a printable character"),
    ],
)
def test_bad_key_names_say_why(key: str, reason: str) -> None:
    problem = key_problem(key)
    assert problem is not None
    assert reason in problem


@pytest.mark.parametrize("key", ["f5", "ctrl+shift+left", "question_mark", "?", "[", "G", "space"])
def test_good_key_names(key: str) -> None:
    assert key_problem(key) is None


async def test_unknown_binding_id_refuses_to_start(make_app: Any) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"), keymap={"no.such.binding": "z"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 2
    assert app.launch_error is not None
    text = "\n".join(app.launch_error.lines)
    assert 'keymap."no.such.binding": no binding has this id' in text
    assert "invalid settings (1 problem)" in text


async def test_close_id_gets_a_suggestion(make_app: Any) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"), keymap={"conection.start": "f5"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.launch_error is not None
    assert "did you mean 'connection.start'?" in "\n".join(app.launch_error.lines)


@pytest.mark.parametrize("key", HOSTILE_KEYS)
async def test_hostile_key_strings_are_refused_literally_without_a_crash(
    make_app: Any, key: str
) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"), keymap={"feed.search": f"f5,{key}"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 2
    assert app.launch_error is not None
    (problem,) = app.launch_error.lines[1:]
    assert problem.startswith('  keymap."feed.search": key ')
    assert "\x1b" not in problem
    assert "\x07" not in problem
    if "[" in key:
        assert key in problem  # shown as written, not as markup


async def test_keymap_problems_name_the_file_line(make_app: Any, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('# keys\n[keymap]\n"feed.search" = "f5"\n"feed.serach" = "f6"\n')
    app = make_app(config_path=config, keymap={"feed.search": "f5", "feed.serach": "f6"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.launch_error is not None
    assert app.launch_error.lines[0] == f"wsdeck: {config}: invalid settings (1 problem)"
    assert app.launch_error.lines[1].endswith("(line 4)")


async def test_a_bracket_key_works_and_shows_literally(make_app: Any) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"), keymap={"feed.detail": "[,]"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "[ Detail" in screen_text(app).splitlines()[-1]  # the footer
        detail = app.main.query_one(DetailPane)
        assert not detail.display
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: bool(detail.display))
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = [row for _, group in app.screen.groups for row in group]
        assert ("[, ]", "Detail", "feed.detail", "") in rows  # one row for both keys


async def test_help_shows_every_binding_id(make_app: Any) -> None:
    app = make_app(conn("idle", "ws://127.0.0.1:9/"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        screen = app.screen
        rows = [row for _, group in screen.groups for row in group]
        ids = {binding_id for _, _, binding_id, _ in rows}
        assert {"connection.start", "app.quit", "feed.search", "connections.down"} <= ids
        # Textual's own bindings (the table's arrows) cannot be rebound, and say so; one
        # that does what a wsdeck key does is on that key's row.
        assert ("←", "Cursor left", "(built in)", "") in rows
        assert ("k, ↑", "Up", "connections.up", "") in rows
        assert "connections.down" in screen_text(app)  # the first group, at the top


def test_no_two_bindings_of_one_class_share_a_key() -> None:
    # Textual lets one of two bindings on the same key win silently; features added in
    # parallel (alerts, plots, automation) must each get a key of their own.
    clashes = []
    for cls in bound_classes():
        owner: dict[str, str] = {}
        for binding in cls.__dict__.get("BINDINGS", ()):
            if not isinstance(binding, Binding):
                continue
            for key in binding.key.split(","):
                if key in owner and owner[key] != binding.action:
                    clashes.append(f"{cls.__name__}: {key!r} is {owner[key]} and {binding.action}")
                owner.setdefault(key, binding.action)
    assert clashes == []
