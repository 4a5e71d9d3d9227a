"""Find, load and atomically save the wsdeck settings file."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import re
import stat
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dotenv import dotenv_values
from pydantic import ValidationError
from pydantic_settings import SettingsError as SourceError

from settings import trust
from settings.atomic import atomic_write
from settings.envrefs import MissingEnvError, expand_env
from settings.files import CONFIG_ENV, FILE_NAME, UnreadableFile, find_config, read_bytes
from settings.model import WsdeckSettings
from settings.problems import Problem, SettingsError, problems_from_validation_error
from settings.report import Source, dotted_keys, report_environment, report_sources
from settings.sources import FileLayer, file_layer

# tomlkit (~20 ms to import) is for saving and for the lines of problems: loading reads the
# file with tomllib.
if TYPE_CHECKING:
    from tomlkit import TOMLDocument

__all__ = [
    "CONFIG_ENV",
    "FILE_NAME",
    "MissingEnvError",
    "Problem",
    "SettingsError",
    "SettingsSaveError",
    "expand_env",
    "find_config",
    "load_document",
    "load_settings",
    "save_settings",
]

_TOMLLIB_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOMLKIT_POSITION = re.compile(r"\s*at line \d+ col \d+$")
_FIELD_SOURCE = re.compile(r'field "(\w+)" from source "(\w+)"')


class SettingsSaveError(Exception):
    """Saving failed; the file on disk is unchanged.

    Attributes:
        path: the settings file.
        problems: why the settings were refused, when they are invalid (else empty).
    """

    def __init__(self, message: str, path: Path, problems: list[Problem] | None = None) -> None:
        self.path = path
        self.problems = list(problems or [])
        details = "".join(f"\n{problem}" for problem in self.problems)
        super().__init__(message + details)


MAX_NESTING_MESSAGE = "nested too deeply to be read"


@dataclass
class Loaded:
    """The result of :func:`load`: the settings and where every part of them came from."""

    settings: WsdeckSettings
    path: Path
    how: str
    exists: bool
    sources: list[Source] = field(default_factory=list)


def _read_bytes(path: Path, *, must_exist: bool, what: str = "") -> bytes | None:
    """The file's bytes; ``None`` when it is missing and may be; else :class:`SettingsError`."""
    try:
        return read_bytes(path, must_exist=must_exist, what=what)
    except UnreadableFile as exc:
        raise SettingsError([Problem("", str(exc))], exc.path) from None


def _decode(raw: bytes, path: Path) -> str:
    """UTF-8 text, without the byte order mark some editors write first."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not valid UTF-8 text: byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        raise SettingsError([Problem("", message, line)], path) from None


def _read_text(path: Path, *, must_exist: bool) -> str | None:
    """The file's text; ``None`` when it is missing and may be; else :class:`SettingsError`."""
    raw = _read_bytes(path, must_exist=must_exist)
    return None if raw is None else _decode(raw, path)


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise SettingsError([Problem("", f"invalid TOML: {MAX_NESTING_MESSAGE}")], path) from None
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        position = _TOMLLIB_POSITION.search(reason)
        if position is not None:
            reason = reason[: position.start()]
            line = line or int(position.group(1))
            column = column or int(position.group(2))
        if line is None and reason.endswith("(at end of document)"):
            reason = reason.removesuffix(" (at end of document)")
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
        where = f" at column {column}" if column else ""
        raise SettingsError([Problem("", f"invalid TOML{where}: {reason}", line)], path) from None


def _check_trust(path: Path, raw: bytes, config: Path) -> None:
    """Refuse a working-directory file (or its ``.env``) the operator has not trusted as is."""
    state = trust.trust_state(path, raw)
    if state == "trusted":
        return
    if state == "changed":
        why = f"{path} changed since you trusted it"
    else:
        why = f"{path} is not trusted (found in the working directory)"
    message = (
        f"{why}; review it, then run 'wsdeck trust {config}' to use it, "
        "or pass --config PATH to choose a settings file"
    )
    raise SettingsError([Problem("", message)], config)


def _read_dotenv(path: Path, config: Path, *, check_trust: bool) -> dict[str, str | None]:
    """The variables of the ``.env`` file at ``path`` (none when it is missing)."""
    raw = _read_bytes(path, must_exist=False, what="the .env file")
    if raw is None:
        return {}
    if check_trust:
        _check_trust(path, raw, config)
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        problem = Problem("", f"cannot read the .env file {path}: not valid UTF-8 ({exc.reason})")
        raise SettingsError([problem], config) from None
    return dict(dotenv_values(stream=io.StringIO(text)))


def _lax_mode_warnings(path: Path) -> list[str]:
    """Warnings for a settings file (or its folder) that any user on the machine may change."""
    warnings = []
    for target, what in ((path, "settings file"), (path.parent, "folder of the settings file")):
        try:
            mode = target.stat().st_mode
        except OSError:
            continue
        # A sticky folder (/tmp) lets others add files but not replace this one.
        if mode & stat.S_IWOTH and not (stat.S_ISDIR(mode) and mode & stat.S_ISVTX):
            warnings.append(
                f"the {what} {target} is world-writable: any user can change your settings "
                f"(chmod o-w {target})"
            )
    return warnings


def read_for_trust(path: Path | str) -> list[tuple[Path, bytes]]:
    """The settings file at ``path`` and the ``.env`` beside it (if any), as ``wsdeck trust``
    records them: the bytes read here are the ones hashed.

    Raises:
        SettingsError: the file is missing, not a regular file or unreadable.
    """
    config = Path(path).expanduser().absolute()
    raw = _read_bytes(config, must_exist=True)
    assert raw is not None  # must_exist
    files = [(config, raw)]
    dotenv = _read_bytes(config.parent / ".env", must_exist=False, what="the .env file")
    if dotenv is not None:
        files.append((config.parent / ".env", dotenv))
    return files


def load(
    path: Path | str | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    env_file: Path | str | None = ".env",
    require_file: bool = False,
    use_env: bool = True,
) -> Loaded:
    """Load the settings and say which sources contributed which keys.

    The settings file is the one :func:`find_config` picks. A ``wsdeck.toml`` found in the
    working directory, and the ``.env`` beside it, are used only if the operator trusted
    them with ``wsdeck trust`` (see :mod:`settings.trust`); ``--config PATH``,
    ``$WSDECK_CONFIG`` and the user config dir are the operator's own choice and trusted.

    Args:
        path: the settings file; ``None`` finds it with :func:`find_config`.
        overrides: values that beat every other source (the CLI's flags).
        env_file: the ``.env`` file; a relative path is relative to the settings file's
            folder (so the default is the ``.env`` beside it); ``None`` reads none.
        require_file: a missing file is an error even when it was not given explicitly.
        use_env: read ``.env`` and the environment; ``False`` gives the file alone (plus
            ``overrides``), which is what an editor that saves back to the file needs.

    Raises:
        SettingsError: with every problem found; no other exception for bad input.
    """
    # A large file allocates many objects (parsed, validated, one error each) and no
    # cycles: the collector's passes over them were ~30 % of loading 10 000 bad entries.
    with _collector_paused():
        return _load(path, overrides, env_file, require_file=require_file, use_env=use_env)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(
    path: Path | str | None,
    overrides: Mapping[str, Any] | None,
    env_file: Path | str | None,
    *,
    require_file: bool,
    use_env: bool,
) -> Loaded:
    config, how = find_config(path)
    explicit = how in ("--config", f"${CONFIG_ENV}")
    needs_trust = trust.needs_trust(config, how)
    raw = _read_bytes(config, must_exist=explicit or require_file)
    if raw is not None and needs_trust:
        _check_trust(config, raw, config)
    text = None if raw is None else _decode(raw, config)
    data = _parse_toml(text, config) if text is not None else {}
    dotenv: dict[str, str | None] = {}
    dotenv_path = None
    if use_env and env_file is not None:
        dotenv_path = config.parent / Path(env_file).expanduser()
        dotenv = _read_dotenv(dotenv_path, config, check_trust=needs_trust)
    try:
        with file_layer(FileLayer(data, use_env, dotenv)):
            settings = WsdeckSettings(**dict(overrides or {}))
    except ValidationError as exc:
        from settings.lines import LineFinder  # only when there are problems

        locate = LineFinder(text, data) if text is not None else None
        problems = problems_from_validation_error(exc, WsdeckSettings, locate)
        raise SettingsError(problems, config) from None
    except SourceError as exc:
        raise SettingsError([_source_problem(exc)], config) from None
    except RecursionError:
        raise SettingsError([Problem("", f"settings {MAX_NESTING_MESSAGE}")], config) from None
    settings._dotenv = {key: value for key, value in dotenv.items() if value is not None}
    settings._warnings = _lax_mode_warnings(config) if raw is not None else []
    sources = report_sources(config if raw is not None else None, data, dotenv_path, dotenv)
    if use_env:
        sources += report_environment(os.environ)
    if overrides:
        sources.append(Source("command line", tuple(dotted_keys(dict(overrides)))))
    return Loaded(settings, config, how, raw is not None, sources)


def load_settings(
    path: Path | str | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    env_file: Path | str | None = ".env",
    require_file: bool = False,
    use_env: bool = True,
) -> WsdeckSettings:
    """Load the settings from the file, ``.env``, the environment and ``overrides``.

    :func:`load` without the report of sources; the arguments are the same.

    Returns:
        The validated settings.

    Raises:
        SettingsError: with every problem found; no other exception for bad input.
    """
    return load(
        path,
        overrides=overrides,
        env_file=env_file,
        require_file=require_file,
        use_env=use_env,
    ).settings


def _source_problem(exc: SourceError) -> Problem:
    """A problem for a value pydantic-settings could not decode (e.g. bad JSON in a variable)."""
    match = _FIELD_SOURCE.search(str(exc))
    cause = f": {exc.__cause__}" if exc.__cause__ is not None else ""
    if match is None:
        return Problem("", f"{exc}{cause}")
    field, source = match.groups()
    where = ".env file" if source.startswith("DotEnv") else "environment"
    variable = f"WSDECK_{field.upper()}"
    return Problem(field, f"${variable} from the {where} is not valid JSON{cause}")


def load_document(path: Path | str) -> TOMLDocument:
    """The settings file as a comment-preserving tomlkit document (empty if missing).

    Raises:
        SettingsError: the file cannot be read or is not valid TOML.
    """
    import tomlkit
    from tomlkit.exceptions import ParseError

    path = Path(path).expanduser()
    text = _read_text(path, must_exist=False)
    if text is None:
        return tomlkit.document()
    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        reason = _TOMLKIT_POSITION.sub("", str(exc))
        problem = Problem("", f"invalid TOML at column {exc.col}: {reason}", exc.line)
        raise SettingsError([problem], path) from None


def save_settings(
    path: Path | str, settings: WsdeckSettings, *, document: TOMLDocument | None = None
) -> None:
    """Save ``settings`` to ``path`` atomically, keeping comments and formatting.

    Only values that changed are rewritten. The result is validated before anything is
    written; the file is replaced by a rename, so it is never left half-written. The file
    gets mode 0600 (a laxer mode is tightened) and keeps its owner. A symlink is written
    through.

    Save what ``load_settings(path, use_env=False)`` returned (after edits): values from the
    environment or CLI overrides in ``settings`` would be written to the file too.

    Args:
        path: the settings file.
        settings: what the file should contain.
        document: the document the settings were loaded from, if the caller kept it; it is
            updated in place after a successful save. Otherwise the file is re-read.

    Raises:
        SettingsSaveError: the settings are invalid or the file could not be written; the
            file on disk is unchanged.
    """
    import tomlkit

    from settings.tomlsync import plain, sync_document

    path = Path(path).expanduser()
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        expected = _validate_alone(plain(settings))
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, WsdeckSettings)
        raise SettingsSaveError("invalid settings, not saved:", path, problems) from None
    if document is not None:
        # A copy: the caller's document changes only once the file is written.
        working = tomlkit.parse(document.as_string())
    else:
        try:
            working = load_document(path)
        except SettingsError as exc:
            message = "cannot update the existing file, fix or remove it first:"
            raise SettingsSaveError(message, path, exc.problems) from None
    sync_document(working, settings)
    text = working.as_string()
    _check_result(text, expected, path)
    data = text.encode("utf-8")
    try:
        before = _read_bytes(path, must_exist=False)
    except SettingsError:
        before = None
    try:
        # 0600 whatever the old mode was: the file holds secrets, and a world-writable
        # one lets any user on the machine choose where they are sent.
        atomic_write(path, [data], mode=0o600)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SettingsSaveError(f"cannot save settings to {path}: {reason}", path) from exc
    # The operator's own edit of a trusted file keeps it trusted; a file someone changed
    # since it was trusted stays untrusted (the edit would otherwise bless the change).
    if before is not None:
        with contextlib.suppress(OSError):
            trust.refresh(path, before, data)
    if document is not None:
        sync_document(document, settings)


def _validate_alone(data: dict[str, Any]) -> WsdeckSettings:
    """Validate ``data`` as a file's content alone: no environment, no ``.env``.

    ``WsdeckSettings.model_validate`` would read both, so a stray ``WSDECK_*`` variable
    could make a save fail or be compared against the file.
    """
    with file_layer(FileLayer(data, use_env=False)):
        return WsdeckSettings(_env_file=None)


def _check_result(text: str, expected: WsdeckSettings, path: Path) -> None:
    """Refuse to write a document that does not load back as ``expected``."""
    try:
        reloaded = _validate_alone(tomllib.loads(text))
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, WsdeckSettings)
        raise SettingsSaveError(
            "the updated file would be invalid, not saved:", path, problems
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsSaveError(f"the updated file would not be valid TOML ({exc})", path) from None
    if reloaded != expected:
        raise SettingsSaveError("the updated file would not match the settings, not saved", path)
