"""The title bar with the count of active alerts at its right: ``⚠ 2 critical · 1 warning``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Header, Static


def alert_count_text(critical: int, warning: int) -> str:
    """``⚠ 2 critical · 1 warning``; empty when nothing is active."""
    parts = [f"{critical} critical"] if critical else []
    if warning:
        parts.append(f"{warning} warning")
    return "⚠ " + " · ".join(parts) if parts else ""


class AlertHeader(Header):
    """Textual's header, plus the active alerts (hidden while there are none)."""

    DEFAULT_CSS = """
    AlertHeader > #alert-count {
        dock: right;
        width: auto;
        padding: 0 1;
        display: none;
        text-style: bold;
        &.-critical { background: $error; color: $text; display: block; }
        &.-warning { background: $warning; color: $text; display: block; }
    }
    """

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Static(id="alert-count", markup=False)

    def show_counts(self, critical: int, warning: int) -> None:
        """Show the active alerts; the worst level colours the count."""
        count = self.query_one("#alert-count", Static)
        count.update(alert_count_text(critical, warning))
        count.set_class(critical > 0, "-critical")
        count.set_class(not critical and warning > 0, "-warning")
