"""Shared helpers for the settings tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from settings import Problem, SettingsError, WsdeckSettings, load_settings

WriteConfig = Callable[[str | bytes], Path]


def load_file(path: Path) -> WsdeckSettings:
    """Load ``path`` with the file as the only source."""
    return load_settings(path, use_env=False)


def problems_of(path: Path | None) -> list[Problem]:
    """The problems loading ``path`` reports (fails the test if it loads)."""
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    return caught.value.problems


def get(obj: Any, path: str) -> Any:
    """Follow ``connections[0].tls.ca_file``-style paths through attributes and indexes."""
    for name, index in re.findall(r"(\w+)|\[(\d+)\]", path):
        obj = getattr(obj, name) if name else obj[int(index)]
    return obj
