"""``wsdeck tail``: the headless twin of the dashboard on the same core.

Starts the named (or ad-hoc URL) connections with their schedules and reply rules (not with
``--no-automation``), sends each ``--send`` and runs each ``--macro`` after every ``start``
event, prints events as JSON Lines (or text) and ends after ``--count`` receive events,
after ``--timeout`` seconds, when every connection has stopped for good, when stdout's reader
goes away (as on SIGPIPE: 141), or on SIGHUP, SIGTERM or SIGINT (see :mod:`tui.hangup`).

What is printed is what is recorded (``--record``): every event, the final ``stop`` events
included, and a ``timeout`` event for each request unanswered in time (requests are paired
with their responses as in the dashboard, :mod:`tui.core.pairing`). Exactly ``--count``
receive events are printed; messages that arrive while the connections close after that are
neither printed nor recorded.

Exit codes: 0 done; 1 an ``error`` event occurred and nothing was received (or ``--count``
was asked for and nothing arrived in time); 2 usage or settings error; 128 + N ended by
signal N.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import countOf
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, TextIO

from settings import Connection, WsdeckSettings, mask_url
from tui import hangup
from tui.adhoc import UrlFlags, UsageError, connections_for
from tui.core.cautions import command_line_password, connection_cautions
from tui.core.display import text_pieces
from tui.core.events import (
    ErrorEvent,
    Event,
    ReceiveEvent,
    StartEvent,
    encode_chunks,
    encode_pieces,
)
from tui.core.hub import Hub
from tui.core.pairing import Pairings
from tui.core.recorder import Recorder, recorder_for, stopped_event
from tui.core.timeouts import TimeoutPoster, lost_message

if TYPE_CHECKING:
    import argparse

    from tui.core.automation import Automation

__all__ = [
    "TailOptions",
    "UsageError",
    "parse_send",
    "resolve",
    "run_tail",
    "send_all",
    "sends_from",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_POLL = 0.25

View = Literal["text", "hex", "base64"]


@dataclass
class TailOptions:
    """What the command line asked ``tail`` to do."""

    targets: list[str]
    sends: list[str | bytes] = field(default_factory=list)
    count: int | None = None
    timeout: float | None = None
    format: Literal["jsonl", "text"] = "jsonl"
    view: View | None = None
    """How ``--format text`` shows binary payloads; None: each connection's ``receive_view``."""
    flags: UrlFlags = field(default_factory=UrlFlags)
    automation: bool = True
    """Run the connections' schedules and reply rules, as the dashboard does."""
    macros: list[str] = field(default_factory=list)
    """Macros run after every ``start`` of each connection that has them."""


def resolve(
    targets: Sequence[str], settings: WsdeckSettings, flags: UrlFlags | None = None
) -> list[Connection]:
    """Connections for the names and ad-hoc ``ws://``/``wss://`` URLs given on the command
    line, in that order; the URLs are named by :mod:`tui.adhoc`'s rules."""
    named: dict[str, Connection] = {}
    for target in targets:
        if "://" in target:
            continue
        try:
            connection = settings.connection(target)
        except KeyError:
            known = ", ".join(c.name for c in settings.connections) or "none configured"
            message = f"no connection named {target!r} (known: {known})"
            if ":" in target or "/" in target:  # a URL without its scheme, surely
                message += f"; a URL needs a scheme: {mask_url('ws://' + target)!r}"
            raise UsageError(message) from None
        if connection.name in named:
            raise UsageError(f"{mask_url(target)!r} is given twice")
        named[connection.name] = connection
    urls = [target for target in targets if "://" in target]
    ad_hoc = iter(connections_for(urls, flags or UrlFlags(), named, auto_start=True))
    return [next(ad_hoc) if "://" in target else named[target] for target in targets]


class _Printer:
    """Writes batches to stdout; a closed pipe or a hung-up terminal ends output quietly.

    JSON Lines go to the binary layer under ``out`` when it has one: the records are
    encoded as UTF-8 bytes (:func:`encode_chunks`), and a large payload's encoded form is
    written as it is, never decoded to text, copied into a batch or encoded back.
    """

    def __init__(self, out: TextIO, fmt: str, views: Mapping[str, str]) -> None:
        self.out = out
        self.fmt = fmt
        self.views = views
        self.closed = False
        self.ended_by = signal.SIGPIPE
        """What output's end is taken for: the reader gone, or (EIO) a terminal hung up."""
        self.binary: BinaryIO | None = getattr(out, "buffer", None) if fmt == "jsonl" else None
        if self.binary is not None:
            out.flush()  # anything written as text before goes out first

    def write(self, events: list[Event]) -> None:
        if self.closed or not events:
            return
        try:
            # One flush per batch (hundreds of events in a flood).
            if self.binary is not None:
                for chunk in encode_chunks(events):
                    self.binary.write(chunk)
                self.binary.flush()
                return
            if self.fmt == "jsonl":
                pieces = encode_pieces(events)
            else:
                pieces = text_pieces(events, self.views)
            for piece in pieces:
                self.out.write(piece)
            self.out.flush()
        except OSError as exc:  # EPIPE from a closed pipe, EIO from a terminal that hung up
            self.closed = True
            if exc.errno == errno.EIO:  # its SIGHUP may not have been handled yet
                self.ended_by = signal.SIGHUP
            # Python would complain again when flushing stdout at exit.
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.out.fileno())


class _Run:
    """One run's output and counters: each batch goes to stdout and the recording alike."""

    def __init__(
        self,
        hub: Hub,
        options: TailOptions,
        printer: _Printer,
        recorder: Recorder | None,
        automation: Automation | None = None,
    ):
        self.hub = hub
        self.automation = automation
        self.options = options
        self.printer = printer
        self.recorder = recorder
        self.received = 0
        self.errors = 0
        self.opened: set[str] = set()
        self.sends: set[asyncio.Task[None]] = set()
        self.full = False
        """``--count`` receive events are out: later ones are not shown."""
        self.pairings = Pairings(mark_limit=0)  # the timeouts matter here, not the marks
        for name, client in hub.clients.items():
            settings = client.settings
            self.pairings.configure(name, settings.correlate, settings.correlate_timeout)
        self._timeouts = TimeoutPoster(hub.bus, hub.watches, on_lost=_lost)
        self._expire_at = 0.0

    def take(self, batch: list[Event]) -> None:
        """Count, print and record ``batch``; start the ``--send`` messages after a start."""
        if self.full:
            batch = [e for e in batch if type(e) is not ReceiveEvent]
            mixed = bool(batch)
            self._count(batch, send=False)
        else:
            # Counted in C: in a flood nearly every event is a receive, and nothing else
            # is done per receive here.
            receives = countOf(map(type, batch), ReceiveEvent)
            mixed = receives < len(batch)  # events other than receives (sends?) in it
            limit = self.options.count
            if limit is not None and self.received + receives >= limit:
                cut = _after_receive(batch, limit - self.received)
                rest = [e for e in batch[cut:] if type(e) is not ReceiveEvent]
                batch = batch[:cut]
                self.received = limit
                self._count(batch, send=True)
                self.full = True
                self._count(rest, send=False)
                batch += rest
            else:
                self.received += receives
                if receives < len(batch):
                    self._count(batch, send=True)
        self.printer.write(batch)
        if self.recorder:
            self.recorder.write(batch)
        if mixed or self.pairings.active:
            # A batch of receives alone has nothing to pair until a request was sent
            # (JSON-RPC) or a connection has `correlate`: a flood pays nothing more here.
            self.pairings.take(batch)

    def expire(self) -> None:
        """Put the timeout events of requests unanswered too long on the bus once they are
        due (and a few times a second: early responses are forgotten then); they are
        printed with the next batch."""
        now = time.time()
        if now >= self._expire_at or now >= self.pairings.due:
            self._expire_at = now + _POLL
            self._timeouts.put(self.pairings.expire(now))

    def wait(self) -> float:
        """Seconds to wait for events at most: until :meth:`expire` has work, or a poll."""
        return max(0.0, min(_POLL, self.pairings.due - time.time()))

    def _count(self, events: list[Event], *, send: bool) -> None:
        """Count errors and opened connections; ``send``: start the ``--send`` messages."""
        for event in events:
            kind = type(event)
            if kind is ErrorEvent:
                self.errors += 1
            elif kind is StartEvent:
                self.opened.add(event.connection)
                if send and self.options.sends:
                    self._send_after_start(event.connection)
                if send and self.automation is not None:
                    self._macros_after_start(event.connection)

    def _send_after_start(self, name: str) -> None:
        task = asyncio.create_task(send_all(self.hub, name, self.options.sends))
        self.sends.add(task)
        task.add_done_callback(self.sends.discard)

    def _macros_after_start(self, name: str) -> None:
        assert self.automation is not None
        automation = self.automation.connections.get(name)
        for macro in self.options.macros:
            if automation is not None and macro in automation.macros:
                self.automation.start_macro(name, macro)

    def timed_out(self) -> None:
        """``--timeout`` ended: a ``timeout`` error for each connection that never opened."""
        seconds = self.options.timeout
        for name, client in self.hub.clients.items():
            if name not in self.opened and not client.idle:
                message = f"--timeout {seconds:g} s ended before the connection opened"
                self.hub.bus.offer(ErrorEvent(name, time.time(), kind="timeout", message=message))


def _lost(count: int) -> None:
    """Timeout events lost to a full bus: said on stderr (stdout is data)."""
    print(f"wsdeck tail: {lost_message(count)}", file=sys.stderr)


def _after_receive(batch: list[Event], receives: int) -> int:
    """The index in ``batch`` right after its ``receives``-th receive event."""
    for index, event in enumerate(batch):
        if type(event) is ReceiveEvent:
            receives -= 1
            if receives <= 0:
                return index + 1
    return len(batch)


async def run_tail(options: TailOptions, settings: WsdeckSettings, out: TextIO = sys.stdout) -> int:
    """Run ``tail`` until done; returns the exit code. Settings problems are the caller's."""
    connections = resolve(options.targets, settings, options.flags)
    env = settings.reference_env()
    _warn(options.targets, connections, env)
    hub = Hub(connections, env=env)
    automation = _automation(options, connections, hub)
    views = {c.name: options.view or c.receive_view for c in connections}

    def recording_stopped(reason: str) -> None:  # printed and counted like any error event
        assert recorder is not None
        hub.bus.offer(stopped_event(recorder.path, reason))

    recorder = recorder_for(settings.recording, on_failure=recording_stopped)
    for note in recorder.notes if recorder else ():
        print(f"wsdeck tail: {note}", file=sys.stderr)
    run = _Run(hub, options, _Printer(out, options.format, views), recorder, automation)
    signals: list[int] = []

    def hang_up(signum: int) -> None:
        signals.append(signum)
        hub.bus.wake()

    restore = hangup.install(hang_up)
    runner = asyncio.create_task(hub.run_clients())
    deadline = None if options.timeout is None else time.monotonic() + options.timeout
    try:
        for connection in connections:
            hub.start(connection.name)
        while not run.full and not signals:
            wait = run.wait()  # a timeout event is due, at the latest, when the wait ends
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    run.timed_out()
                    break
                wait = min(wait, left)
            run.take(await hub.bus.get_batch(timeout=wait))
            if run.printer.closed:
                # The reader went away (`wsdeck tail URL | head -2` on an endless stream):
                # end as a killed pipeline's writer does, connections going away.
                signals.append(run.printer.ended_by)
                break
            run.expire()
            if all(c.idle for c in hub.clients.values()) and not hub.bus.pending:
                break
    finally:
        await _finish(run, runner, hang_up=bool(signals))
        restore()
    if signals:
        return hangup.exit_status(signals[0])
    if run.received == 0 and (run.errors or options.count):
        return EXIT_FAILED
    return EXIT_OK


def _automation(options: TailOptions, connections: list[Connection], hub: Hub) -> Automation | None:
    """The connections' automation, unless ``--no-automation``; checks ``--macro``."""
    if options.macros and not options.automation:
        raise UsageError("--macro runs automation: leave out --no-automation")
    for macro in options.macros:
        if not any(macro in c.macros for c in connections):
            raise UsageError(f"--macro {macro!r}: no connection given has a macro of that name")
    if not options.automation or not any(c.automated for c in connections):
        return None
    from tui.core.automation import Automation

    automation = Automation(hub)
    automation.attach_all()
    return automation


def _warn(targets: Sequence[str], connections: list[Connection], env: Mapping[str, str]) -> None:
    """Warnings on stderr (TLS not verified, unredactable or visible secrets): stdout is data."""
    lines = [line for c in connections for line in connection_cautions(c, env)]
    lines += filter(None, (command_line_password(t) for t in targets if "://" in t))
    for line in lines:
        print(f"wsdeck tail: warning: {line}", file=sys.stderr)


async def send_all(hub: Hub, name: str, messages: list[str | bytes]) -> None:
    """Send ``messages`` in order on ``name``; stop at the first that cannot be sent."""
    for message in messages:
        if not await hub.send(name, message):
            return


async def _finish(run: _Run, runner: asyncio.Task[None], *, hang_up: bool) -> None:
    """Close every connection (1000, or 1001 after a signal), keep printing and recording
    their last events, then stop the tasks and close the recording (flush and fsync)."""
    hub = run.hub
    for task in list(run.sends):
        task.cancel()
    for macro in run.automation.runs if run.automation is not None else ():
        macro.cancel()
    timeouts = [c.settings.close_timeout for c in hub.clients.values()]
    if hang_up:
        budget = hangup.close_budget(timeouts)
        closing: asyncio.Future[Any] = asyncio.ensure_future(hub.shutdown(timeout=budget))
        # The shutdown bounds itself; waiting a little longer lets the stop events of
        # connections it had to drop come out.
        limit = budget + hangup.RESERVE / 2
    else:
        limit = max(timeouts, default=1.0) + 1.0
        closing = asyncio.gather(*(c.stop_and_wait(limit) for c in hub.clients.values()))
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(limit):
            while not closing.done():
                run.take(hub.bus.take())
                await asyncio.wait({closing}, timeout=0.02)
    closing.cancel()
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    run.take(hub.bus.take())
    if run.recorder:
        run.recorder.close()


def sends_from(args: argparse.Namespace) -> list[str | bytes]:
    """The messages of every ``--send`` (``tail``'s and ``check``'s), in order."""
    return [parse_send(value) for value in args.send]


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
