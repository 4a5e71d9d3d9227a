"""``wsdeck tail``: the headless twin of the dashboard on the same core.

Starts the named (or ad-hoc URL) connections, sends each ``--send`` after every ``start``
event, prints events as JSON Lines (or text) and ends after ``--count`` receive events,
after ``--timeout`` seconds, or when every connection has stopped for good.

Exit codes: 0 done; 1 an ``error`` event occurred and nothing was received (or ``--count``
was asked for and nothing arrived in time); 2 usage or settings error.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TextIO

from settings import (
    Connection,
    WsdeckSettings,
    clean_message,
    dotenv_values_for_expansion,
    mask_url,
)
from tui.core.cautions import command_line_password, connection_cautions
from tui.core.display import text_line
from tui.core.events import ErrorEvent, Event, ReceiveEvent, StartEvent, encode_lines
from tui.core.hub import Hub
from tui.core.recorder import Recorder

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_POLL = 0.25


@dataclass
class TailOptions:
    """What the command line asked ``tail`` to do."""

    targets: list[str]
    sends: list[str | bytes] = field(default_factory=list)
    count: int | None = None
    timeout: float | None = None
    format: Literal["jsonl", "text"] = "jsonl"


class UsageError(Exception):
    """A problem with the command line (exit code 2)."""


def resolve(targets: Sequence[str], settings: WsdeckSettings) -> list[Connection]:
    """Connections for the names and ad-hoc ``ws://``/``wss://`` URLs given on the command line."""
    connections: list[Connection] = []
    seen: set[str] = set()
    for target in targets:
        if "://" in target:
            connection = ad_hoc_connection(target)
        else:
            try:
                connection = settings.connection(target)
            except KeyError:
                known = ", ".join(c.name for c in settings.connections) or "none configured"
                raise UsageError(f"no connection named {target!r} (known: {known})") from None
        if connection.name in seen:
            raise UsageError(f"{mask_url(target)!r} is given twice")
        seen.add(connection.name)
        connections.append(connection)
    return connections


def ad_hoc_connection(url: str) -> Connection:
    """A connection with default settings named after its URL (credentials masked).

    The name is printed in every event, so ``ws://user:password@host`` is named
    ``ws://***@host``: the password must not end up in the output or a recording.
    """
    from pydantic import ValidationError

    try:
        return Connection(name=mask_url(url), url=url)
    except ValidationError as exc:
        problems = "; ".join(clean_message(str(error["msg"])) for error in exc.errors())
        raise UsageError(f"invalid URL {mask_url(url)!r}: {problems}") from None


class _Printer:
    """Writes batches to stdout; a closed pipe ends output quietly."""

    def __init__(self, out: TextIO, fmt: str, views: Mapping[str, str]) -> None:
        self.out = out
        self.fmt = fmt
        self.views = views
        self.closed = False

    def write(self, events: list[Event]) -> None:
        if self.closed or not events:
            return
        if self.fmt == "jsonl":
            text = encode_lines(events)
        else:
            views = self.views
            text = "".join([text_line(e, views.get(e.connection, "hex")) + "\n" for e in events])
        try:
            # One write and one flush per batch (hundreds of events in a flood).
            self.out.write(text)
            self.out.flush()
        except BrokenPipeError:
            self.closed = True
            # Python would complain again when flushing stdout at exit.
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.out.fileno())


async def run_tail(options: TailOptions, settings: WsdeckSettings, out: TextIO = sys.stdout) -> int:
    """Run ``tail`` until done; returns the exit code. Settings problems are the caller's."""
    connections = resolve(options.targets, settings)
    env = dotenv_values_for_expansion()
    _warn(options.targets, connections, env)
    hub = Hub(connections, env=env)
    views = {c.name: c.receive_view for c in connections}
    printer = _Printer(out, options.format, views)
    path = settings.recording.path
    recorder = Recorder(path) if path else None
    runner = asyncio.create_task(hub.run_clients())
    sends: set[asyncio.Task[None]] = set()
    received = errors = 0
    deadline = None if options.timeout is None else time.monotonic() + options.timeout
    limit = options.count
    try:
        for connection in connections:
            hub.start(connection.name)
        done = False
        while not done:
            wait = _POLL if deadline is None else min(_POLL, deadline - time.monotonic())
            if wait <= 0:
                break
            batch = await hub.bus.get_batch(timeout=wait)
            shown = batch
            for index, event in enumerate(batch):
                kind = type(event)
                if kind is ReceiveEvent:
                    received += 1
                    if limit is not None and received >= limit:
                        # Print up to this event; what follows would not change the exit
                        # code (something was received) and is only recorded.
                        shown = batch[: index + 1]
                        done = True
                        break
                elif kind is ErrorEvent:
                    errors += 1
                elif kind is StartEvent and options.sends:
                    task = asyncio.create_task(_send_all(hub, event.connection, options.sends))
                    sends.add(task)
                    task.add_done_callback(sends.discard)
            printer.write(shown)
            if recorder:
                recorder.write(batch)
            if all(c.idle for c in hub.clients.values()) and not hub.bus.pending:
                break
    finally:
        await _finish(hub, runner, sends, recorder)
    if received == 0 and (errors or options.count):
        return EXIT_FAILED
    return EXIT_OK


def _warn(targets: Sequence[str], connections: list[Connection], env: Mapping[str, str]) -> None:
    """Warnings on stderr (TLS not verified, unredactable or visible secrets): stdout is data."""
    lines = [line for c in connections for line in connection_cautions(c, env)]
    lines += filter(None, (command_line_password(t) for t in targets if "://" in t))
    for line in lines:
        print(f"wsdeck tail: warning: {line}", file=sys.stderr)


async def _send_all(hub: Hub, name: str, messages: list[str | bytes]) -> None:
    for message in messages:
        if not await hub.send(name, message):
            return


async def _finish(
    hub: Hub, runner: asyncio.Task[None], sends: set[asyncio.Task[None]], recorder: Recorder | None
) -> None:
    """Close every connection with 1000, keep recording their last events, then stop tasks."""
    for task in list(sends):
        task.cancel()
    for client in hub.clients.values():
        client.stop()
    limit = max((c.settings.close_timeout for c in hub.clients.values()), default=1.0) + 1.0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(limit):
            while not all(c.idle for c in hub.clients.values()):
                batch = await hub.bus.get_batch(timeout=0.05)
                if recorder:
                    recorder.write(batch)
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    if recorder:
        recorder.write(hub.bus.take())
        recorder.close()


def parse_send(value: str) -> str | bytes:
    """``--send`` values: text, or ``hex:01ff`` / ``base64:AAE=`` for binary."""
    from tui.core.codec import PayloadError, decode

    for prefix in ("hex:", "base64:"):
        if value.startswith(prefix):
            try:
                return decode(value[len(prefix) :], "hex" if prefix == "hex:" else "base64")
            except PayloadError as exc:
                raise UsageError(f"--send {value!r}: {exc}") from None
    if value.startswith("text:"):
        return value[len("text:") :]
    return value
