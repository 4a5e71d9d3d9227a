"""The ``wsdeck`` command line: argparse → settings → the dashboard or a headless command.

Heavy imports (textual, pydantic, websockets) happen inside the command that needs them,
so ``--help``, ``--version`` and ``config path`` answer at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui import __version__
from tui.adhoc import VALUE_OPTIONS, add_flags, flags_from

if TYPE_CHECKING:
    from settings import SettingsError, WsdeckSettings
    from settings.store import Loaded

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
COMMANDS = ("demo", "demo-server", "tail", "check", "open", "config", "keys", "trust")

_DESCRIPTION = "A keyboard-driven terminal dashboard for WebSocket client connections."
_EPILOG = """\
commands:
  wsdeck [--config PATH] [URL...]   open the dashboard (each URL adds a connection, started)
  wsdeck demo [--port N]            the dashboard wired to a built-in demo server
  wsdeck demo-server                the demo server alone
  wsdeck tail NAME|URL...           print events headlessly (JSON Lines or text)
  wsdeck check NAME|URL             a monitoring plugin: one status line, exit 0-3
  wsdeck open FILE.jsonl...         review recordings and exports in the dashboard
  wsdeck config check|path          validate the settings file / show which file is used
  wsdeck keys                       every binding id with its default and current keys
  wsdeck trust [PATH]               trust ./wsdeck.toml (and the .env beside it) as it is now

Run 'wsdeck COMMAND --help' for a command's options.
"""


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        type=Path,
        help="settings file (default: $WSDECK_CONFIG, ./wsdeck.toml, then the user config dir)",
    )


def _add_overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--record", metavar="PATH", type=Path, help="append every event to PATH")


def _dashboard_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wsdeck",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"wsdeck {__version__}")
    _add_config(parser)
    _add_overrides(parser)
    parser.add_argument("--theme", metavar="NAME", help="Textual theme name")
    parser.add_argument(
        "urls", nargs="*", metavar="URL", help="ws:// or wss:// URLs to add as connections"
    )
    add_flags(parser)
    parser.add_argument(
        "--no-start", action="store_true", help="do not start the URLs' connections at once"
    )
    return parser


def _command_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wsdeck", description=_DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"wsdeck {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="dashboard + built-in demo server", description=_DEMO_HELP
    )
    demo.add_argument("--port", type=_port, default=0, help="demo server port (default: free)")
    _add_overrides(demo)

    server = commands.add_parser(
        "demo-server",
        help="run the demo server",
        description=(
            "Run the demo WebSocket server "
            "(/echo, /ticker, /flood, /close, /reject, /pulse, /flap)."
        ),
    )
    server.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    server.add_argument("--port", type=_port, default=0, help="port (default 0: a free one)")

    tail = commands.add_parser(
        "tail",
        help="print events headlessly",
        description=_TAIL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tail.add_argument("targets", nargs="+", metavar="NAME|URL")
    _add_config(tail)
    _add_overrides(tail)
    tail.add_argument(
        "--send",
        action="append",
        default=[],
        metavar="MSG",
        help="send after every start (repeatable); hex:01ff or base64:AAE= for binary",
    )
    tail.add_argument(
        "--no-automation",
        action="store_true",
        help="do not run the connections' schedules and reply rules",
    )
    tail.add_argument(
        "--macro",
        action="append",
        default=[],
        metavar="NAME",
        help="run the connections' macro NAME after every start (repeatable)",
    )
    tail.add_argument("--count", type=_positive_int, help="end after N received messages")
    tail.add_argument("--timeout", type=_positive_float, help="end after S seconds")
    tail.add_argument("--format", choices=("jsonl", "text"), default="jsonl")
    tail.add_argument(
        "--view",
        choices=("text", "hex", "base64"),
        help="binary payloads in --format text (default: each connection's receive_view)",
    )
    add_flags(tail)

    review = commands.add_parser(
        "open",
        help="review recordings and exports in the dashboard",
        description=_OPEN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    review.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="a JSON Lines file (or .gz)"
    )
    _add_config(review)
    review.add_argument("--theme", metavar="NAME", help="Textual theme name")

    config = commands.add_parser("config", help="check or locate the settings file")
    actions = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="validate; exit 2 and list problems if invalid")
    _add_config(check)
    where = actions.add_parser("path", help="print the settings file in use and why")
    _add_config(where)

    keys = commands.add_parser(
        "keys",
        help="list every binding id with its default and current keys",
        description="Print every binding id, its default keys, the keys in use (after the "
        "settings' [keymap]) and what it does: the ids to write in [keymap].",
    )
    _add_config(keys)

    trust = commands.add_parser(
        "trust",
        help="trust a working-directory settings file",
        description=_TRUST_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    trust.add_argument(
        "path", nargs="?", type=Path, default=Path("wsdeck.toml"), metavar="PATH",
        help="the settings file (default: ./wsdeck.toml)",
    )  # fmt: skip
    return parser


_TRUST_HELP = """\
Record PATH (and the .env beside it, if any) as trusted, with a hash of its content.

A wsdeck.toml in the working directory, and its .env, are only read once trusted: such a
file can send your environment variables to a server of its choosing. Review it first.
Any later change to either file needs a new 'wsdeck trust'. --config PATH, $WSDECK_CONFIG
and the file in the user config dir need no trust.
"""


_OPEN_HELP = """\
Open JSON Lines files (recordings, exports, tail output; gzip-rotated ones too) in the
dashboard without connecting anything: the feed with search, filter and detail over the
recorded timestamps, and the recorded connections with their counts. Files are read in
the order given (give rotated files oldest first) and indexed as they load; malformed
lines are counted and skipped.

exit codes:
  0  closed normally
  1  nothing to review: every file is empty
  2  usage or settings error, or a file that cannot be opened (missing, a folder)
"""

_DEMO_HELP = (
    "Start the demo server on a free 127.0.0.1 port inside this process and open the "
    "dashboard with demo connections (echo, ticker, JSON-RPC, binary flood, and one that fails). "
    "No settings file is read or written."
)
_TAIL_HELP = """\
Start the named connections (or ws:// / wss:// URLs, named host:port/path), send each
--send after every start event, and print every event to stdout (the final stop events
too; with --record the file gets the same events).

exit codes:
  0    done (--count reached, --timeout passed or every connection stopped)
  1    an error event occurred and nothing was received, or --count was given and
       nothing was received
  2    usage or settings error
  70   wsdeck crashed (a crash file with the details is named on stderr)
  128+N  ended by signal N (SIGHUP, SIGTERM, SIGINT: connections closed with 1001)

examples:
  wsdeck tail ws://127.0.0.1:8765/echo --send hello --count 1 --format text
  wsdeck tail ws://127.0.0.1:8765/echo --send hello --count 1 | grep '"event":"receive"'
  wsdeck tail ws://127.0.0.1:8765/ticker --count 1 --timeout 5 > /dev/null && echo OK
"""


def _number(value: str, kind: type[int] | type[float], what: str) -> float:
    """``value`` as a number; a word that is not one says what was expected (argparse
    would name the converting function instead: "invalid _positive_float value")."""
    try:
        return kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {value!r}") from None


def _port(value: str) -> int:
    port = int(_number(value, int, "a port number, 0..65535"))
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535, got {port}")
    return port


def _positive_int(value: str) -> int:
    number = int(_number(value, int, "a whole number, at least 1"))
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _positive_float(value: str) -> float:
    number = _number(value, float, "a positive number of seconds")
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return number


def _first_word(argv: Sequence[str]) -> str | None:
    """The first positional word, skipping option values (``--config demo`` is a path)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--config", "--record", "--theme", *VALUE_OPTIONS):
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wsdeck`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    # wsdeck uses no pydantic plugins; looking for them reads every installed package's
    # entry points when the first settings model is built (~3-5 ms). A value the operator
    # set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if args_list[:1] == ["check"]:  # a plugin's own conventions: see tui.check_command
        from tui.check_command import main as check

        return check(args_list[1:])
    if _first_word(args_list) in COMMANDS:
        args = _command_parser().parse_args(args_list)
    else:
        args = _dashboard_parser().parse_args(args_list)
        args.command = "dashboard"
    try:
        status = _dispatch(args)
        sys.stdout.flush()  # here, so that a reader gone away is seen below, not at exit
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_gone()
    except Exception as exc:  # a bug: a short message and a crash file, never a traceback
        from tui.crash import report

        return report(exc)


def _reader_gone() -> int:
    """stdout's reader went away (``wsdeck keys | head``): end quietly, as a program killed
    by SIGPIPE would, with ``128 + SIGPIPE``; never a crash report."""
    # What is still buffered would fail again when Python flushes stdout at exit.
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 128 + signal.SIGPIPE


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "config":
        return _config_path(args) if args.action == "path" else _config_check(args)
    if args.command == "trust":
        return _trust(args.path)
    if args.command == "demo-server":
        from tui.demo_server import run

        return run(args.host, args.port)
    if args.command == "tail":
        return _tail(args)
    if args.command == "keys":
        return _keys(args)
    if args.command == "open":
        return _open(args)
    if args.command == "demo":
        from tui.launch import run_demo

        return run_demo(args.port, record=args.record)
    from settings.preview import connection_names
    from tui.launch import run_dashboard

    # Listed in the first frame while pydantic validates them; URLs add connections that
    # only the validation names, so with URLs there is nothing exact to list before it.
    preview = None if args.urls else connection_names(args.config)
    return run_dashboard(
        partial(_load_for_dashboard, args),
        args.urls,
        flags_from(args),
        start=not args.no_start,
        preview=preview,
    )


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if getattr(args, "record", None):
        overrides["recording"] = {"path": args.record}
    if getattr(args, "theme", None):
        overrides["theme"] = {"name": args.theme}
    return overrides


def _load_for_dashboard(args: argparse.Namespace) -> tuple[WsdeckSettings, Path]:
    """The settings and their file, for the dashboard (which loads them after its first frame)."""
    from settings import SettingsError
    from settings.store import load
    from tui.crash import watch
    from tui.launch import LaunchError

    try:
        loaded = load(args.config, overrides=_overrides(args))
    except SettingsError as exc:
        raise LaunchError(_problem_lines(exc)) from None
    watch(loaded.settings)
    return loaded.settings, loaded.path


def _load(args: argparse.Namespace) -> Loaded | None:
    """Load settings (warnings to stderr) or print every problem to stderr and return None."""
    from settings import SettingsError
    from settings.store import load
    from tui.crash import watch

    try:
        loaded = load(args.config, overrides=_overrides(args))
    except SettingsError as exc:
        for line in _problem_lines(exc):
            print(line, file=sys.stderr)
        return None
    watch(loaded.settings)
    for warning in loaded.settings.load_warnings:
        print(f"wsdeck: warning: {_safe(warning)}", file=sys.stderr)
    return loaded


def _safe(text: str) -> str:
    """Paths and keys come from files and the environment: no terminal controls reach out."""
    from tui.core.display import printable

    return printable(text)


def _problem_lines(exc: SettingsError) -> list[str]:
    """A heading, then every problem with its field path and line, indented."""
    from tui.launch import LaunchError

    return LaunchError.from_settings_error(exc).lines


def _source_lines(loaded: Loaded) -> list[str]:
    """Every source that contributed, highest priority first, with the keys it set."""
    if not loaded.sources:
        return ["sources: none (defaults only)"]
    lines = ["sources (highest priority first):"]
    for source in reversed(loaded.sources):
        keys = ", ".join(source.keys) or "nothing"
        lines.append(_safe(f"  {source.name}: {keys}"))
    return lines


def _config_check(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None or not _keymap_ok(loaded.settings, loaded.path):
        return EXIT_USAGE
    settings = loaded.settings
    from tui.core.cautions import connection_cautions, missing_env_cautions

    env = settings.reference_env()
    for connection in settings.connections:
        for line in missing_env_cautions(connection, env) + connection_cautions(connection, env):
            print(f"wsdeck: warning: {line}", file=sys.stderr)
    names = ", ".join(c.name for c in settings.connections)
    exists = "" if loaded.exists else " (file absent: defaults)"
    count = len(settings.connections)
    print(
        _safe(
            f"ok: {loaded.path} ({loaded.how}){exists}: {count} connection{'s' * (count != 1)}"
            + (f" ({names})" if names else "")
        )
    )
    print("\n".join(_source_lines(loaded)))
    return EXIT_OK


def _keymap_ok(settings: WsdeckSettings, path: Path) -> bool:
    """Check the ``[keymap]`` against the dashboard's bindings; print its problems if any."""
    if not settings.keymap:
        return True  # nothing to check: textual need not be imported
    from settings import SettingsError
    from tui.keymap import check_keymap

    try:
        check_keymap(settings.keymap, path)
    except SettingsError as exc:
        for line in _problem_lines(exc):
            print(line, file=sys.stderr)
        return False
    return True


def _keys(args: argparse.Namespace) -> int:
    from tui.keymap import bindings, bound_classes, keys_table

    loaded = _load(args)
    if loaded is None or not _keymap_ok(loaded.settings, loaded.path):
        return EXIT_USAGE
    for line in keys_table(loaded.settings.keymap, bindings(bound_classes())):
        print(line)
    return EXIT_OK


def _config_path(args: argparse.Namespace) -> int:
    from settings import find_config

    path, how = find_config(args.config)
    state = "exists" if path.exists() else "does not exist"
    print(path)
    print(f"chosen by {how}; {state}", file=sys.stderr)
    loaded = _load(args)
    if loaded is None:
        return EXIT_USAGE
    print("\n".join(_source_lines(loaded)), file=sys.stderr)
    return EXIT_OK


def _trust(path: Path) -> int:
    from settings import SettingsError
    from settings.store import read_for_trust
    from settings.trust import record

    try:
        files = read_for_trust(path)
        record(files)
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"wsdeck trust: {_safe(str(problem))}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"wsdeck trust: cannot record trust: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    for file, _ in files:
        print(_safe(f"trusted {file.resolve()} as it is now"))
    return EXIT_OK


def _tail(args: argparse.Namespace) -> int:
    import asyncio

    from tui.core.recorder import RecordingError
    from tui.launch import tune_gc
    from tui.tail import TailOptions, UsageError, run_tail, sends_from

    loaded = _load(args)
    if loaded is None:
        return EXIT_USAGE
    settings = loaded.settings
    try:
        options = TailOptions(
            targets=args.targets,
            sends=sends_from(args),
            count=args.count,
            timeout=args.timeout,
            format=args.format,
            view=args.view,
            flags=flags_from(args),
            automation=not args.no_automation,
            macros=args.macro,
        )
        tune_gc()
        return asyncio.run(run_tail(options, settings))
    except (UsageError, RecordingError) as exc:
        print(f"wsdeck tail: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _open(args: argparse.Namespace) -> int:
    from tui.review_store import OpenError, RecordingStore

    loaded = _load(args)
    if loaded is None:
        return EXIT_USAGE
    try:
        store = RecordingStore(args.files)
    except OpenError as exc:
        print(f"wsdeck open: {_safe(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    if all(source.size == 0 for source in store.sources):
        store.close()
        names = ", ".join(str(path) for path in args.files)
        print(_safe(f"wsdeck open: nothing to review: {names} is empty"), file=sys.stderr)
        return EXIT_FAILED
    from tui.review_app import ReviewApp

    store.step()  # the first frame shows events already; the App indexes the rest
    app = ReviewApp(loaded.settings, store)
    app.run()
    if app.launch_error is not None:
        for line in app.launch_error.lines:
            print(line, file=sys.stderr)
        return EXIT_USAGE
    return app.return_code or 0  # 70 after a crash (tui.crash)
