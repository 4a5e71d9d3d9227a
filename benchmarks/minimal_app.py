"""The startup baseline: a minimal Textual app (one ``Static`` in an ``App``)."""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("startup-probe")


if __name__ == "__main__":
    Minimal().run()
