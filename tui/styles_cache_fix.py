"""Textual 8.2.x kept the rendered lines of up to 1 024 closed widgets: a fix, applied once.

``StylesCache.get_inner_outer`` (``textual/_styles_cache.py``) is an instance method under
``@functools.lru_cache(1024)``: its first parameter is named ``cls`` but it is no
classmethod, so every call keys the cache on the widget's ``StylesCache`` and holds it,
with every line it has cached and the strips derived from them (crops, styles, filters).
Each help screen, palette, notice and footer rebuild leaves its widgets' caches behind
until 1 024 of them are held. In ``benchmarks/bench_soak.py`` (help and the palette every
30 s, a selection change every second) that took ~9 minutes to fill and ~14 MiB of RSS
(~5 000 strips, 35 000 small caches), and it looked like growth in any shorter window.

The fix keeps the same cache of styles, keyed on the two colours only (what the method
computes from), so no widget's cache is held by it. It is applied only while the method is
the lru-cached one of Textual 8.2 (``textual>=8.2.8,<8.3`` in ``pyproject.toml``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rich.style import Style
from textual._styles_cache import StylesCache
from textual.color import Color


def unpin_styles_caches() -> bool:
    """Re-key ``StylesCache.get_inner_outer``'s cache on its colours; whether it applied
    (``False`` once applied, or on a Textual whose method is not lru-cached)."""
    method: Any = StylesCache.__dict__.get("get_inner_outer")
    if not hasattr(method, "cache_clear") or not hasattr(method, "__wrapped__"):
        return False
    computed: Callable[[object, Color, Color], tuple[Style, Style]] = method.__wrapped__

    @lru_cache(1024)
    def inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
        return computed(StylesCache, base_background, background)  # it never reads cls

    def get_inner_outer(
        self: StylesCache, base_background: Color, background: Color
    ) -> tuple[Style, Style]:
        return inner_outer(base_background, background)

    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign,assignment]
    method.cache_clear()  # what it held until now goes too
    return True
