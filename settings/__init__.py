"""wsdeck's settings: the pydantic-settings model, and finding, loading and saving its file.

Sources, highest first: CLI overrides (init kwargs), the environment (``WSDECK_`` prefix,
``__`` for nesting), the ``.env`` file beside the settings file, the TOML settings file. A
``wsdeck.toml`` found in the working directory (and its ``.env``) is read only once trusted
(:mod:`settings.trust`). Load with :func:`load_settings` (every problem comes back as a
:class:`Problem` in a :class:`SettingsError`) and save with :func:`save_settings` (atomic,
comment-preserving).
"""

from settings.envrefs import MissingEnvError, expand_env
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
from settings.store import (
    CONFIG_ENV,
    FILE_NAME,
    SettingsSaveError,
    find_config,
    load_document,
    load_settings,
    save_settings,
)
from settings.urls import mask_url

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
