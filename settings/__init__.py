"""wsdeck's settings: the pydantic-settings model, and finding, loading and saving its file.

Sources, highest first: CLI overrides (init kwargs), the environment (``WSDECK_`` prefix,
``__`` for nesting), the ``.env`` file beside the settings file, the TOML settings file. A
``wsdeck.toml`` found in the working directory (and its ``.env``) is read only once trusted
(:mod:`settings.trust`). Load with :func:`load_settings` (every problem comes back as a
:class:`Problem` in a :class:`SettingsError`) and save with :func:`save_settings` (atomic,
comment-preserving).

The names below are imported on first use (PEP 562): importing a pydantic-free module of
the package (:mod:`settings.files`, :mod:`settings.preview`, :mod:`settings.trust`) must not
import pydantic, which the dashboard's first frame does not wait for.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from settings.envrefs import MissingEnvError, expand_env
    from settings.files import CONFIG_ENV, FILE_NAME, find_config
    from settings.messages import BinaryMessage, Message
    from settings.model import (
        Connection,
        FeedSettings,
        Reconnect,
        RecordingSettings,
        ThemeSettings,
        Tls,
        WsdeckSettings,
    )
    from settings.problems import Problem, SettingsError, clean_message
    from settings.redaction import Redactor, redact_text
    from settings.store import SettingsSaveError, load_document, load_settings, save_settings
    from settings.urls import mask_url

_HOMES = {
    "settings.envrefs": ("MissingEnvError", "expand_env"),
    "settings.files": ("CONFIG_ENV", "FILE_NAME", "find_config"),
    "settings.messages": ("BinaryMessage", "Message"),
    "settings.model": (
        "Connection",
        "FeedSettings",
        "Reconnect",
        "RecordingSettings",
        "ThemeSettings",
        "Tls",
        "WsdeckSettings",
    ),
    "settings.problems": ("Problem", "SettingsError", "clean_message"),
    "settings.redaction": ("Redactor", "redact_text"),
    "settings.store": ("SettingsSaveError", "load_document", "load_settings", "save_settings"),
    "settings.urls": ("mask_url",),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "CONFIG_ENV",
    "FILE_NAME",
    "BinaryMessage",
    "Connection",
    "FeedSettings",
    "Message",
    "MissingEnvError",
    "Problem",
    "Reconnect",
    "RecordingSettings",
    "Redactor",
    "SettingsError",
    "SettingsSaveError",
    "ThemeSettings",
    "Tls",
    "WsdeckSettings",
    "clean_message",
    "expand_env",
    "find_config",
    "load_document",
    "load_settings",
    "mask_url",
    "redact_text",
    "save_settings",
]


def __getattr__(name: str) -> object:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'settings' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once: later lookups find it without this function
    return value
