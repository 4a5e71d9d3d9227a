"""wsdeck's screens, one per module."""

from tui.screens.confirm import ConfirmScreen
from tui.screens.export import ExportScreen
from tui.screens.filter import FilterScreen
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.screens.settings_screen import SettingsResult, SettingsScreen

__all__ = [
    "ConfirmScreen",
    "ExportScreen",
    "FilterScreen",
    "HelpScreen",
    "MainScreen",
    "SettingsResult",
    "SettingsScreen",
]
