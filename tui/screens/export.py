"""Ask where to export the filtered feed as JSON Lines."""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


def default_export_path() -> Path:
    """``./wsdeck-export-YYYYmmdd-HHMMSS.jsonl`` in the current folder."""
    return Path.cwd() / time.strftime("wsdeck-export-%Y%m%d-%H%M%S.jsonl")


class ExportScreen(ModalScreen[Path | None]):
    """A path prompt; enter exports, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel")
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label("Export the filtered feed (JSON Lines) to:")
            yield Input(str(default_export_path()), id="export-path")
            yield Label("enter exports · escape cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.notify("give a file name", severity="warning")
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self.notify(f"{path} is a folder", severity="warning", markup=False)
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
