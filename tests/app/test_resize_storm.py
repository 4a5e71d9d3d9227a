"""A burst of terminal resizes settles: stale sizes are not laid out (issue found in a trial).

Seen in a terminal: resizing it quickly during a flood left the dashboard laying itself out
for ever, alternating between two of the old sizes, deaf to every key. Each Resize a screen
handles lays it out at that size, and the layout posts the screen a Resize of its own when
the size changed; Textual drops a Resize only when another one is right behind it in the
queue, and the main screen's own handler queued a call (fitting the notices) behind every
one. Two stale sizes in the queue then answered each other for ever.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual import events
from textual.geometry import Size
from textual.screen import Screen

from tests.app.conftest import conn, wait_until

SIZE = (80, 24)


async def test_stale_sizes_queued_behind_other_messages_settle(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(conn("echo", "ws://127.0.0.1:9/echo"))
    handled: list[Size] = []
    original = Screen._on_resize

    async def counted(self: Screen[Any], event: events.Resize) -> None:
        if self is app.main:
            handled.append(event.size)
        await original(self, event)

    monkeypatch.setattr(Screen, "_on_resize", counted)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.ready)
        # What a storm leaves in the queue while the screen is busy: sizes the terminal
        # had, each with other work behind it, the current size last.
        for width, height in ((60, 20), (200, 60), (45, 12), SIZE):
            size = Size(width, height)
            app.main.post_message(events.Resize(size, size))
            app.main.call_later(lambda: None)
        deadline = asyncio.get_running_loop().time() + 5
        while asyncio.get_running_loop().time() < deadline:
            seen = len(handled)
            await asyncio.sleep(0.5)  # not pilot.pause(): it waits for a screen that never idles
            if len(handled) == seen:
                break
        assert len(handled) == seen, f"still laying out after 5 s: {handled[-6:]}"
        assert len(handled) < 20, handled
        assert app.main.size == Size(*SIZE)
        await pilot.press("question_mark")  # and it listens to keys again
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
