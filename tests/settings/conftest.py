"""Fixtures for settings tests: settings files written to a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.settings.helpers import WriteConfig


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """Write a settings file (text or raw bytes) to ``tmp_path/config/wsdeck.toml``."""
    folder = tmp_path / "config"
    folder.mkdir()
    path = folder / "wsdeck.toml"

    def write(content: str | bytes) -> Path:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
