"""``StylesCache.get_inner_outer`` re-keyed on its colours (tui.styles_cache_fix): computed
as the method computes them, holding no widget's cache, applied once, and left alone on a
Textual whose method is not lru-cached."""

from __future__ import annotations

from functools import lru_cache

import pytest
from rich.style import Style
from textual._styles_cache import StylesCache
from textual.color import Color

from tui.styles_cache_fix import unpin_styles_caches


def test_the_re_keyed_method_computes_as_before_and_keys_on_the_colours_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Textual 8.2's shape: an instance method under lru_cache (the App may have re-keyed
    # Textual's own already, so the test gives one of that shape).
    computed: list[StylesCache] = []

    @lru_cache(1024)
    def get_inner_outer(
        cls: StylesCache, base_background: Color, background: Color
    ) -> tuple[Style, Style]:
        computed.append(cls)
        return Style(bgcolor=base_background.rich_color), Style(bgcolor=background.rich_color)

    monkeypatch.setattr(StylesCache, "get_inner_outer", get_inner_outer)
    held = StylesCache()
    held.get_inner_outer(Color(1, 2, 3), Color(4, 5, 6))
    assert get_inner_outer.cache_info().currsize == 1  # it holds the StylesCache
    assert unpin_styles_caches()
    assert get_inner_outer.cache_info().currsize == 0  # what it held went
    assert not unpin_styles_caches()  # once
    colours = (Color(10, 20, 30), Color(200, 100, 0))
    expected = (Style(bgcolor=colours[0].rich_color), Style(bgcolor=colours[1].rich_color))
    for cache in (StylesCache(), StylesCache()):
        assert cache.get_inner_outer(*colours) == expected
    assert computed[1:] == [StylesCache]  # computed once, for both, without an instance


def test_a_textual_whose_method_is_not_lru_cached_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def plain(self: StylesCache, base_background: Color, background: Color) -> tuple[Style, Style]:
        return Style(), Style()

    monkeypatch.setattr(StylesCache, "get_inner_outer", plain)
    assert not unpin_styles_caches()
    assert StylesCache.__dict__["get_inner_outer"] is plain
