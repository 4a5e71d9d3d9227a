"""The settings sources beyond pydantic-settings' own: the TOML file layer and a tolerant .env."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource
from pydantic_settings.sources.utils import parse_env_vars


@dataclass(frozen=True)
class FileLayer:
    """What :func:`settings.store.load_settings` read for one load: the file and its ``.env``."""

    data: dict[str, Any] = field(default_factory=dict)
    use_env: bool = True
    dotenv: Mapping[str, str | None] = field(default_factory=dict)
    """The variables of the ``.env`` file beside the settings file (already trust-checked)."""


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


class DotEnvSource(EnvSettingsSource):
    """The ``.env`` variables the store read, taking only those that name settings fields.

    The store reads the file itself (once, from the settings file's folder, after checking
    that it is trusted), so this source never opens a file. Like the environment source it
    ignores every other variable (``API_TOKEN=...`` kept there for ``${API_TOKEN}``
    references), which pydantic-settings' own ``.env`` source turns into "extra inputs are
    not permitted" errors under ``extra="forbid"``.
    """

    def __init__(self, settings_cls: type[BaseSettings], values: Mapping[str, str | None]) -> None:
        self._values = values  # before super().__init__, which loads the variables
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            dict(self._values), self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def build_sources(
    settings_cls: type[BaseSettings],
    init_settings: PydanticBaseSettingsSource,
    env_settings: PydanticBaseSettingsSource,
) -> tuple[PydanticBaseSettingsSource, ...]:
    """Sources, highest first: init kwargs, environment, ``.env``, the settings file."""
    layer = current_layer()
    file_source = FileSettingsSource(settings_cls, layer.data)
    if not layer.use_env:
        return init_settings, file_source
    return init_settings, env_settings, DotEnvSource(settings_cls, layer.dotenv), file_source
