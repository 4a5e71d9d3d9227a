"""Helpers for the settings screen tests: a host app, a sample file, bounded waits, the form."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

from settings import WsdeckSettings
from tui.screens.connection_form import ConnectionForm
from tui.screens.settings_screen import ConnectionState, SettingsResult, SettingsScreen

SAMPLE = """\
# wsdeck settings: keep this comment
[feed]
max_events = 500  # inline comment stays

[[connections]]
name = "echo"
url = "ws://127.0.0.1:8765/echo"  # the echo endpoint

[[connections]]
name = "ticker"
url = "ws://127.0.0.1:8765/ticker?rate=5"
"""

S = TypeVar("S", bound=Screen[Any])


class Host(App[None]):
    """A bare app that opens the settings screen and records what it hands back."""

    def __init__(
        self, settings: WsdeckSettings, path: Path | None, open_connections: Collection[str] = ()
    ) -> None:
        super().__init__()
        running = ConnectionState("open", running=True)
        self._args = (settings, path, lambda name: running if name in open_connections else None)
        self.results: list[SettingsResult | None] = []

    def on_mount(self) -> None:
        self.push_screen(SettingsScreen(*self._args), self.results.append)


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition`` holds (bounded, no sleeps)."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause()
    raise AssertionError(f"timed out waiting for {what}")


async def wait_screen(pilot: Pilot[None], kind: type[S]) -> S:
    """Wait until a ``kind`` screen is the active one, and return it."""
    await until(pilot, lambda: isinstance(pilot.app.screen, kind), kind.__name__)
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen


def text_of(screen: Screen[Any], selector: str) -> str:
    content = screen.query_one(selector, Static).content
    return str(content)


def write_sample(path: Path, text: str = SAMPLE, mode: int = 0o640) -> bytes:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path.read_bytes()


def tree(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*"))


def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "conf" / "wsdeck.toml"


async def fill_form(pilot: Pilot[None], name: str | None = None, url: str | None = None) -> None:
    form = await wait_screen(pilot, ConnectionForm)
    if name is not None:
        form.query_one("#field-name", Input).value = ""
        form.query_one("#field-name", Input).focus()
        await pilot.press(*name)
    if url is not None:
        form.query_one("#field-url", Input).value = url
    await pilot.pause()
