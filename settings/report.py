"""Which source set which settings: for ``wsdeck config check`` and ``config path``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "WSDECK_"
_NOT_FIELDS = frozenset({"WSDECK_CONFIG"})


@dataclass(frozen=True)
class Source:
    """One source that contributed to the settings, and the keys it set.

    Attributes:
        name: e.g. ``file /home/me/wsdeck.toml``, ``.env /home/me/.env``, ``environment``.
        keys: what it set: dotted keys for the file, variable names (and the key each
            sets) for ``.env`` and the environment.
    """

    name: str
    keys: tuple[str, ...]


def dotted_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The keys a settings document sets: ``feed.max_events``; a list of tables is one key."""
    keys: list[str] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and key != "keymap":
            keys.extend(dotted_keys(value, f"{dotted}."))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            keys.append(f"{dotted} ({len(value)} entr{'y' if len(value) == 1 else 'ies'})")
        else:
            keys.append(dotted)
    return keys


def variable_key(name: str) -> str | None:
    """The settings key a ``WSDECK_*`` variable sets (``feed.max_events``), else ``None``."""
    from settings.model import WsdeckSettings

    upper = name.upper()
    if not upper.startswith(PREFIX) or upper in _NOT_FIELDS:
        return None
    key = name[len(PREFIX) :].lower().replace("__", ".")
    return key if key.split(".", 1)[0] in WsdeckSettings.model_fields else None


def _variables(values: Mapping[str, Any], *, others: bool) -> tuple[str, ...]:
    """``NAME (key)`` for the variables that set settings; ``others`` adds the rest by name."""
    named: list[str] = []
    rest: list[str] = []
    for name in sorted(values):
        key = variable_key(name)
        if key is not None:
            named.append(f"{name} ({key})")
        elif others:
            rest.append(name)
    if rest:
        named.append("for ${...} references: " + ", ".join(rest))
    return tuple(named)


def report_sources(
    config: Path | None,
    data: Mapping[str, Any],
    dotenv_path: Path | None,
    dotenv: Mapping[str, Any],
) -> list[Source]:
    """The settings file and its ``.env``, when they were read, with what each set."""
    sources = []
    if config is not None:
        sources.append(Source(f"file {config}", tuple(dotted_keys(data))))
    if dotenv_path is not None and dotenv:
        sources.append(Source(f".env {dotenv_path}", _variables(dotenv, others=True)))
    return sources


def report_environment(environ: Mapping[str, str]) -> list[Source]:
    """The ``WSDECK_*`` environment variables that set settings (none: no entry)."""
    names = _variables({k: v for k, v in environ.items() if variable_key(k)}, others=False)
    return [Source("environment", names)] if names else []
