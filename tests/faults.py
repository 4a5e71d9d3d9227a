"""Fault injection for tests: a real function that raises once, then works again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def raise_once(real: Callable[..., Any], exc: BaseException) -> Callable[..., Any]:
    """``real``, except that its first call raises ``exc`` (an unforeseen bug)."""
    calls = 0

    def faulty(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise exc
        return real(*args, **kwargs)

    return faulty
