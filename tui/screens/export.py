"""Ask where to export the filtered feed as JSON Lines; confirm overwriting and new folders."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.core.export import ExportRefused, ExportTarget, export_target


def default_export_path() -> Path:
    """``./wsdeck-export-YYYYmmdd-HHMMSS.jsonl`` in the current folder."""
    return Path.cwd() / time.strftime("wsdeck-export-%Y%m%d-%H%M%S.jsonl")


@dataclass(frozen=True)
class ExportRequest:
    """What the operator agreed to: the resolved path, and whether folders may be created."""

    path: Path
    create_folders: bool = False


class ExportScreen(ModalScreen[ExportRequest | None]):
    """A path prompt showing the resolved path; enter exports, escape cancels.

    A target that is not a regular file is refused; overwriting a file or creating a
    folder is asked first.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel")
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label("Export the filtered feed (JSON Lines) to:")
            yield Input(str(default_export_path()), id="export-path")
            yield Static("", id="export-resolved", markup=False)
            yield Label("enter exports · escape cancels", classes="hint")

    def on_input_changed(self, event: Input.Changed) -> None:
        try:
            shown = f"→ {export_target(event.value).path}"
        except ExportRefused as exc:
            shown = f"→ {exc}"
        self.query_one("#export-resolved", Static).update(Text(shown))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            target = export_target(event.value.strip())
        except ExportRefused as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        from tui.screens.confirm import ConfirmScreen

        if target.missing_folder is not None:
            question = (
                f"The folder {target.missing_folder} does not exist. "
                f"Create it and export to {target.path}?"
            )
            self.app.push_screen(
                ConfirmScreen(question, yes="Create and export", no="Back", default=False),
                lambda yes: self._answered(target, yes, create_folders=True),
            )
        elif target.exists:
            question = f"{target.path} exists. Replace it with the export?"
            self.app.push_screen(
                ConfirmScreen(question, yes="Replace", no="Back", default=False),
                lambda yes: self._answered(target, yes, create_folders=False),
            )
        else:
            self.dismiss(ExportRequest(target.path))

    def _answered(self, target: ExportTarget, yes: bool | None, *, create_folders: bool) -> None:
        if yes:
            self.dismiss(ExportRequest(target.path, create_folders=create_folders))

    def action_cancel(self) -> None:
        self.dismiss(None)
