"""The ``wsdeck check`` command line: a monitoring plugin's parser, settings and exit status.

A plugin must answer with one status line and an exit status from 0 to 3 whatever goes
wrong, so usage errors, settings errors and wsdeck's own crashes are all ``WSDECK UNKNOWN``
with exit status 3 here (not 2 and 70 as for the other commands); details go to stderr.

Only the standard library is imported up here: ``--help`` answers before pydantic loads.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from tui.adhoc import add_flags, flags_from

UNKNOWN = 3

_HELP = """\
Open NAME (a configured connection) or URL once, send each --send, wait for the expected
message and print one status line for Nagios, Icinga, Sensu and the like:

  WSDECK OK - echo answered in 12 ms | connect=0.004s;;;0 response=0.012s;0.5;2;0

Without --expect/--expect-jq any message is the answer. Times are seconds; the response is
timed from the last message sent (or the open, with nothing to send).

exit codes:
  0  OK        the expected message arrived within --warning (or --critical)
  1  WARNING   it arrived later than --warning
  2  CRITICAL  refused, handshake/TLS failure, closed, nothing or no match within
               --within, later than --critical, or --silence seconds without a message
  3  UNKNOWN   bad usage or settings, an unknown name, an invalid regex or jq program

example:
  wsdeck check ws://127.0.0.1:8765/echo --send ping --expect '^ping$' --warning 0.5 --critical 2
"""


def plugin_text(text: str) -> str:
    """``text`` fit for a status line: escaped onto one line, and without ``|``, which would
    start the performance data (``¦`` stands for it)."""
    from tui.core.display import printable

    return printable(text).replace("|", "¦")


class _PluginParser(argparse.ArgumentParser):
    """Usage errors end as a plugin's UNKNOWN: the status line on stdout, exit 3."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"WSDECK UNKNOWN - {plugin_text(message)}")
        sys.exit(UNKNOWN)


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {value}")
    return number


def parser() -> argparse.ArgumentParser:
    """The parser of ``wsdeck check``."""
    parser = _PluginParser(
        prog="wsdeck check",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", metavar="NAME|URL")
    parser.add_argument(
        "--config",
        metavar="PATH",
        type=Path,
        help="settings file (default: $WSDECK_CONFIG, ./wsdeck.toml, then the user config dir)",
    )
    parser.add_argument(
        "--send",
        action="append",
        default=[],
        metavar="MSG",
        help="send once open (repeatable, in order); hex:01ff or base64:AAE= for binary",
    )
    expect = parser.add_mutually_exclusive_group()
    expect.add_argument(
        "--expect",
        metavar="REGEX",
        help="the answer: a message this regex finds (binary: read as UTF-8)",
    )
    expect.add_argument(
        "--expect-jq", metavar="EXPR", help="the answer: a JSON message this jq program is true for"
    )
    parser.add_argument(
        "--within", type=_seconds, metavar="S", help="listen S seconds (default: --critical)"
    )
    parser.add_argument(
        "--warning", type=_seconds, metavar="S", help="WARNING when the answer takes S or longer"
    )
    parser.add_argument(
        "--critical",
        type=_seconds,
        metavar="S",
        help="CRITICAL when the answer takes S or longer (default: 10)",
    )
    parser.add_argument(
        "--silence",
        type=_seconds,
        metavar="S",
        help="CRITICAL when nothing arrives for S seconds; listens the whole --within",
    )
    add_flags(parser)
    return parser


def main(argv: Sequence[str]) -> int:
    """Run ``wsdeck check ARGV``; the plugin's exit status."""
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("WSDECK UNKNOWN - interrupted")
        return UNKNOWN
    except Exception as exc:  # a bug: still one status line, and a crash file
        from tui.crash import crash_message

        print(f"WSDECK UNKNOWN - {plugin_text(crash_message(exc))}")
        return UNKNOWN


def _unknown(summary: str, details: Sequence[str] = ()) -> int:
    from tui.core.display import printable

    for line in details:
        print(f"wsdeck check: {printable(line)}", file=sys.stderr)
    print(f"WSDECK UNKNOWN - {plugin_text(summary)}")
    return UNKNOWN


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from settings import SettingsError
    from settings.store import load
    from tui.adhoc import UsageError
    from tui.check import DEFAULT_CRITICAL, CheckOptions, run_check, status_line
    from tui.core.display import printable
    from tui.crash import watch
    from tui.tail import sends_from

    try:
        loaded = load(args.config)
    except SettingsError as exc:
        summary = f"{exc.heading}: {exc.problems[0]}"
        return _unknown(summary, [str(p) for p in exc.problems])
    settings = loaded.settings
    watch(settings)
    for warning in settings.load_warnings:  # paths from the file system: no controls out
        print(f"wsdeck check: warning: {printable(warning)}", file=sys.stderr)
    try:
        options = CheckOptions(
            target=args.target,
            sends=sends_from(args),
            expect=args.expect,
            expect_jq=args.expect_jq,
            within=args.within,
            warning=args.warning,
            critical=args.critical or DEFAULT_CRITICAL,
            silence=args.silence,
            flags=flags_from(args),
        )
        outcome = asyncio.run(run_check(options, settings))
    except UsageError as exc:
        return _unknown(str(exc))
    print(status_line(outcome, options))
    return int(outcome.status)
