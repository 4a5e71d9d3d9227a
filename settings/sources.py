"""The settings sources beyond pydantic-settings' own: the TOML file layer and a tolerant .env."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
)


@dataclass(frozen=True)
class FileLayer:
    """What :func:`settings.store.load_settings` read from the settings file, for one load."""

    data: dict[str, Any] = field(default_factory=dict)
    use_env: bool = True


# The file is parsed by the store (which turns every read error into a Problem) and handed to
# the settings class through this variable, since sources are built inside BaseSettings.__init__.
_CURRENT: ContextVar[FileLayer | None] = ContextVar("wsdeck_settings_file_layer", default=None)


@contextmanager
def file_layer(layer: FileLayer) -> Iterator[None]:
    """Make ``layer`` the file source for settings built inside the ``with`` block."""
    token = _CURRENT.set(layer)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_layer() -> FileLayer:
    """The active file layer, or an empty one outside :func:`file_layer`."""
    return _CURRENT.get() or FileLayer()


class FileSettingsSource(PydanticBaseSettingsSource):
    """The parsed TOML document, passed through unchanged (keys stay case-sensitive)."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: :meth:`__call__` returns the whole document."""
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        # Sources are deep-merged into one dict; copy so the caller's data is never mutated.
        return copy.deepcopy(self._data)


class KnownFieldsDotEnvSource(PydanticBaseSettingsSource):
    """The stock ``.env`` source, taking only the variables that name settings fields.

    With ``extra="forbid"`` the stock source turns every other line of the ``.env`` file
    (``API_TOKEN=...`` kept there for ``${API_TOKEN}`` header references, or
    ``WSDECK_CONFIG``) into an "extra inputs are not permitted" error. It wraps the stock
    source, which has read the file already, rather than reading it a second time.
    """

    def __init__(self, dotenv: DotEnvSettingsSource) -> None:
        super().__init__(dotenv.settings_cls)
        self._dotenv = dotenv

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: :meth:`__call__` reads every field through the wrapped source."""
        return self._dotenv.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        return EnvSettingsSource.__call__(self._dotenv)


def build_sources(
    settings_cls: type[BaseSettings],
    init_settings: PydanticBaseSettingsSource,
    env_settings: PydanticBaseSettingsSource,
    dotenv_settings: PydanticBaseSettingsSource,
) -> tuple[PydanticBaseSettingsSource, ...]:
    """Sources, highest first: init kwargs, environment, ``.env``, the settings file."""
    layer = current_layer()
    file_source = FileSettingsSource(settings_cls, layer.data)
    if not layer.use_env:
        return init_settings, file_source
    if isinstance(dotenv_settings, DotEnvSettingsSource):
        dotenv_settings = KnownFieldsDotEnvSource(dotenv_settings)
    return init_settings, env_settings, dotenv_settings, file_source
