"""The wsdeck settings tree: connections plus the app sections, with their invariants."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from settings.automation import unknown_targets
from settings.connection import MODEL_CONFIG, Connection, OptionalPath, Reconnect, Tls
from settings.messages import BinaryMessage, Message
from settings.sources import build_sources
from settings.urls import mask_url

__all__ = [
    "BinaryMessage",
    "Connection",
    "FeedSettings",
    "Message",
    "Reconnect",
    "RecordingSettings",
    "ThemeSettings",
    "Tls",
    "WsdeckSettings",
    "mask_url",
]


def _duplicate_names(items: Any) -> list[InitErrorDetails]:
    """An error at ``[i].name`` for every connection whose name an earlier one already uses."""
    if not isinstance(items, list | tuple):
        return []
    first_index: dict[str, int] = {}
    errors: list[InitErrorDetails] = []
    for index, item in enumerate(items):
        raw = item.get("name") if isinstance(item, dict) else getattr(item, "name", None)
        if not isinstance(raw, str) or not raw.strip():
            continue
        name = raw.strip()
        first = first_index.setdefault(name, index)
        if first != index:
            error = PydanticCustomError(
                "duplicate_name",
                "duplicate name '{name}': connections[{first}] already uses it",
                {"name": name, "first": first},
            )
            errors.append({"type": error, "loc": (index, "name"), "input": raw})
    return errors


def _as_detail(error: ErrorDetails) -> InitErrorDetails:
    """Turn a reported error back into one that can be raised again (type, message, location)."""
    return {
        "type": PydanticCustomError(error["type"], error["msg"]),
        "loc": error["loc"],
        "input": error["input"],
    }


def _index_of(loc: Any) -> int:
    """The list index an error location starts with (sorting keeps each item's errors together)."""
    return loc[0] if loc and isinstance(loc[0], int) else -1


class FeedSettings(BaseModel):
    """The live event feed."""

    model_config = MODEL_CONFIG

    max_events: int = Field(default=100_000, ge=1, le=10_000_000)
    """Events kept in memory; older ones are dropped from view (a count is shown)."""

    timestamps: Literal["local", "utc"] = "local"
    """Time zone of the timestamps shown in the feed."""

    pretty_json: bool = True
    """Pretty-print JSON payloads in the detail pane."""


class RecordingSettings(BaseModel):
    """Recording of every event to a JSON Lines file."""

    model_config = MODEL_CONFIG

    path: OptionalPath = None
    """JSONL file that every event is appended to; no recording when unset (``~`` is expanded)."""

    max_bytes: int = Field(default=0, ge=0)
    """Rotate the file before it grows past this many bytes (0: never rotate); an event
    larger than that goes alone into a file of its own."""

    keep: int = Field(default=5, ge=0, le=1000)
    """Rotated files kept (``path.1`` is the newest); older ones are deleted."""

    compress: bool = False
    """Gzip rotated files (``path.1.gz``), in the background."""


class ThemeSettings(BaseModel):
    """Look of the dashboard."""

    model_config = MODEL_CONFIG

    name: str = Field(default="textual-dark", min_length=1)
    """Name of a Textual theme, e.g. ``textual-dark``, ``textual-light`` or ``nord``."""


class WsdeckSettings(BaseSettings):
    """All of wsdeck's settings: the file, ``.env``, the environment and CLI overrides merged."""

    model_config = SettingsConfigDict(
        env_prefix="WSDECK_",
        env_nested_delimiter="__",
        extra="forbid",
        hide_input_in_errors=True,
    )

    connections: list[Connection] = Field(default_factory=list)
    """The configured connections, in display order; names are unique."""

    feed: FeedSettings = Field(default_factory=FeedSettings)
    """The live event feed."""

    recording: RecordingSettings = Field(default_factory=RecordingSettings)
    """Recording of every event to a file."""

    theme: ThemeSettings = Field(default_factory=ThemeSettings)
    """Look of the dashboard."""

    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id to comma-separated keys, e.g. ``"feed.search" = "/,ctrl+f"``."""

    # Set by settings.store.load_settings: the variables of the trusted .env beside the
    # settings file (for ${NAME} references) and what the operator should be warned about.
    _dotenv: dict[str, str] = PrivateAttr(default_factory=dict)
    _warnings: list[str] = PrivateAttr(default_factory=list)

    def reference_env(self) -> dict[str, str]:
        """The variables ``${NAME}`` references read: the environment over the ``.env`` file.

        The ``.env`` file is the one beside the settings file these settings were loaded
        from (read once, when loading); settings built in code have none.
        """
        return {**self._dotenv, **os.environ}

    @property
    def load_warnings(self) -> list[str]:
        """Warnings from loading, e.g. a world-writable settings file."""
        return list(self._warnings)

    @field_validator("connections", mode="wrap")
    @classmethod
    def _unique_names(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> list[Connection]:
        # Checked on the raw input too, so a duplicate is reported along with other errors
        # instead of only once every connection is valid.
        duplicates = _duplicate_names(value)
        try:
            connections: list[Connection] = handler(value)
        except ValidationError as exc:
            if not duplicates:
                raise
            details = [_as_detail(error) for error in exc.errors()] + duplicates
            details.sort(key=lambda detail: _index_of(detail["loc"]))
            raise ValidationError.from_exception_data(cls.__name__, details) from None
        # Reply rules may send on another connection: it must exist (issue 15).
        problems = duplicates + unknown_targets([(c.name, c.on_receive) for c in connections])
        if problems:
            # A ValidationError raised in a validator keeps its locations, so each error
            # points at connections[i].name instead of the whole list.
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return connections

    @field_validator("keymap")
    @classmethod
    def _check_keymap(cls, value: dict[str, str]) -> dict[str, str]:
        for binding, keys in value.items():
            if not binding.strip():
                raise ValueError("keymap binding ids must not be empty")
            if not keys.strip() or any(not key.strip() for key in keys.split(",")):
                raise ValueError(f"keymap {binding!r}: give comma-separated keys, e.g. 'ctrl+s,f2'")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init kwargs, then the environment, then ``.env``, then the TOML file.

        pydantic-settings' own ``.env`` source is not used: the store reads the ``.env``
        beside the settings file once it is trusted (see :mod:`settings.trust`).
        """
        return build_sources(settings_cls, init_settings, env_settings)

    def connection(self, name: str) -> Connection:
        """The connection called ``name``.

        Raises:
            KeyError: no connection has that name.
        """
        for connection in self.connections:
            if connection.name == name:
                return connection
        raise KeyError(name)
