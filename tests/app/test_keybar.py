"""The key bar offers what works where the focus is (issue 12): no key the focused editor
types, the search bar's own keys, and ``n``/``N`` once there is a search."""

from __future__ import annotations

from typing import Any

from textual.widgets._footer import FooterKey

from tests.app.conftest import screen_text, wait_until
from tests.app.test_feed_search import dashboard
from tui.widgets.composer import Composer
from tui.widgets.feed import EventFeed
from tui.widgets.feed_search import SearchBar
from tui.widgets.footer import KeyFooter, typed_character


def bar(app: Any) -> list[tuple[str, str]]:
    """The key bar's keys as (key, action), in order."""
    return [(key.key, key.action) for key in app.screen.query_one(KeyFooter).query(FooterKey)]


def types_text(key: str) -> bool:
    """Whether ``key`` types a visible character (``slash``, ``s``; not ``escape``, ``f1``)."""
    character = typed_character(key)
    return character is not None and character.isprintable()


def test_every_typed_key_name_has_its_character() -> None:
    # Textual's key_to_character misses these: its filter of typed keys let them through.
    for key, char in (("slash", "/"), ("minus", "-"), ("plus", "+"), ("at", "@")):
        assert typed_character(key) == char
    assert typed_character("s") == "s"
    assert typed_character("ctrl+f") is None
    assert typed_character("f1") is None


async def test_the_composer_bar_offers_no_key_the_editor_types(make_app: Any) -> None:
    app = dashboard(make_app)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: ("slash", "search") in bar(app))  # the table: / works
        await pilot.press("i")
        await wait_until(pilot, lambda: ("ctrl+j", "send") in bar(app))
        keys = bar(app)
        assert ("slash", "search") not in keys, keys
        assert not any(types_text(key) for key, _ in keys), keys
        assert "/ Search" not in screen_text(app).splitlines()[-1]
        assert ("escape", "back") in keys  # the way out of the editor
        await pilot.press("slash")  # and indeed it is typed
        assert app.main.query_one(Composer).text == "/"
        await pilot.press("escape")
        await wait_until(pilot, lambda: ("slash", "search") in bar(app))
        assert ("escape", "back") not in bar(app)  # the table: nowhere to go back to


async def test_the_search_bar_shows_its_own_keys_at_80_columns(make_app: Any) -> None:
    app = dashboard(make_app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.focused, SearchBar))
        await pilot.pause()
        actions = [action for _, action in bar(app)]
        for action in ("submit", "jump(-1)", "toggle_only", "cancel"):
            assert action in actions, actions
        last = screen_text(app).splitlines()[-1]
        for label in ("⏎ Next", "⇧⏎ Previous", "^f Only matches", "esc Close"):
            assert label in last, last
        assert "Quit" in last
        assert "Help" in last


async def test_n_and_n_come_onto_the_bar_with_a_search(make_app: Any) -> None:
    app = dashboard(make_app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not any(action.startswith("next_match") for _, action in bar(app))
        await pilot.press("slash", *"needle")
        feed = app.main.query_one(EventFeed)
        await wait_until(pilot, lambda: feed.match_count == 12)
        await pilot.press("tab", "tab")  # the composer, then the table: the search stays
        await wait_until(pilot, lambda: ("n", "next_match(1)") in bar(app))
        assert ("N", "next_match(-1)") in bar(app)
        last = screen_text(app).splitlines()[-1]
        assert "n Next match" in last, last
        assert "N Prev match" in last, last


async def test_the_settings_key_does_not_open_the_settings_again(make_app: Any) -> None:
    from tui.screens.settings_screen import SettingsScreen

    app = dashboard(make_app)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("comma")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.pause()
        assert "settings" not in [action for _, action in bar(app)]
        await pilot.press("comma")
        await pilot.pause()
        assert sum(isinstance(screen, SettingsScreen) for screen in app.screen_stack) == 1


async def test_help_and_the_palette_leave_the_bar_its_own_key_widgets(make_app: Any) -> None:
    """Opening and closing help or the palette changes the main screen's bindings twice and
    the keys stay the same: the bar keeps its key widgets (each rebuild was ~10 ms, then
    the new keys' styles, a layout of the whole screen and a repaint; issue 18)."""
    from textual.command import CommandPalette

    from tui.screens.help import HelpScreen

    app = dashboard(make_app)
    async with app.run_test(size=(120, 40)) as pilot:
        footer = app.main.query_one(KeyFooter)
        await wait_until(pilot, lambda: bool(bar(app)) and not footer._rebuild_pending)
        await pilot.pause()
        before = list(footer.query(FooterKey))
        for key, screen in (("question_mark", HelpScreen), ("ctrl+p", CommandPalette)):
            await pilot.press(key)
            await wait_until(pilot, lambda screen=screen: isinstance(app.screen, screen))
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is app.main)
            await wait_until(pilot, lambda: not footer._rebuild_pending)
            await pilot.pause()
            assert list(footer.query(FooterKey)) == before  # the same objects


async def test_the_plot_screen_bar_fits_80_columns_with_quit_and_help(make_app: Any) -> None:
    # Textual's own Footer scrolled sideways: Quit was cut to "^" by the palette key.
    from textual.widgets import Footer

    from tui.screens.plot import PlotScreen

    app = dashboard(make_app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, PlotScreen))
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        assert isinstance(footer, KeyFooter)
        assert footer.max_scroll_x == 0
        actions = [action for _, action in bar(app)]
        assert actions[:2] == ["request_quit", "help"]
        last = screen_text(app).splitlines()[-1]
        assert last.startswith(" ^q Quit  f1 Help  esc Back")
