"""wsdeck's screens, one per module, re-exported here.

The re-exports load on first use (PEP 562): the dashboard's first frames need the main
screen only, and the others (the settings editor pulls in tomlkit) load when opened.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.screens.alerts import AlertsScreen
    from tui.screens.automation import AutomationScreen
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.detail import DetailScreen
    from tui.screens.export import ExportScreen
    from tui.screens.field_add import FieldAddScreen
    from tui.screens.filter import FilterScreen
    from tui.screens.help import HelpScreen
    from tui.screens.main import MainScreen
    from tui.screens.settings_screen import SettingsResult, SettingsScreen
    from tui.screens.stop import StopScreen

_MODULES = {
    "AlertsScreen": "alerts",
    "AutomationScreen": "automation",
    "ConfirmScreen": "confirm",
    "DetailScreen": "detail",
    "ExportScreen": "export",
    "FieldAddScreen": "field_add",
    "FilterScreen": "filter",
    "HelpScreen": "help",
    "MainScreen": "main",
    "SettingsResult": "settings_screen",
    "SettingsScreen": "settings_screen",
    "StopScreen": "stop",
}

__all__ = [
    "AlertsScreen",
    "AutomationScreen",
    "ConfirmScreen",
    "DetailScreen",
    "ExportScreen",
    "FieldAddScreen",
    "FilterScreen",
    "HelpScreen",
    "MainScreen",
    "SettingsResult",
    "SettingsScreen",
    "StopScreen",
]


def __getattr__(name: str) -> object:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
