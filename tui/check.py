"""``wsdeck check``: one connection checked the way monitoring systems expect a plugin to.

The Nagios/Icinga/Sensu plugin conventions (the Monitoring Plugins development guidelines):
exactly one status line on stdout, ``WSDECK STATE - text | perfdata``, and the exit status
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Performance data follows the guidelines' form
``label=value[UOM];[warn];[crit];[min];[max]`` with seconds as the unit, ``U`` for a value
that could not be measured, and trailing empty fields left out.

What each situation is:

- the connection cannot be opened (refused, DNS, handshake rejected, TLS, ``open_timeout``):
  CRITICAL with the error event's message;
- the expected message (``--expect REGEX`` / ``--expect-jq EXPR``; any message without
  either) does not arrive within ``--within`` seconds: CRITICAL; when messages arrived but
  none matched, the status line shows the last one (redacted like every payload, escaped,
  cut to 60 characters);
- it arrives later than ``--critical``: CRITICAL; later than ``--warning``: WARNING;
- ``--silence S``: nothing received for S seconds while open: CRITICAL at once; with it the
  check listens for the whole ``--within`` instead of ending at the expected message;
- the connection closes before the expected message: CRITICAL with the close code and reason;
- a named connection's watches (``[connections.watch]``) apply too: an alert of theirs
  still active when the check decides makes it CRITICAL (a ``critical`` alert) or at
  least WARNING (a ``warning``), named in the status line;
- bad usage, invalid settings, an unknown connection name, an invalid regex or jq program,
  and wsdeck's own bugs (a crash file is written): UNKNOWN, never a traceback.

Times: ``connect`` from the start to the open handshake; ``response`` from the moment the
last ``--send`` went out (the open handshake without ``--send``) to the expected message.
``--within`` counts from that same moment; connecting is bounded by the connection's
``open_timeout``. Reconnecting is off for the check: one attempt, one answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from settings import Connection, WsdeckSettings
from tui.adhoc import UrlFlags, UsageError
from tui.check_command import plugin_text
from tui.core.cautions import command_line_password, connection_cautions
from tui.core.display import printable
from tui.core.events import ErrorEvent, Event, ReceiveEvent, SendEvent, StartEvent, StopEvent
from tui.core.hub import Hub
from tui.core.watch import Alert
from tui.tail import resolve, send_all

__all__ = ["CheckOptions", "Outcome", "Status", "run_check", "status_line", "with_alerts"]

DEFAULT_CRITICAL = 10.0
"""Seconds for ``--critical`` (and so ``--within``) when not given."""
SHOWN_MESSAGE = 60
"""Characters of a wrong answer shown in the status line."""
_POLL = 0.05


class Status(enum.IntEnum):
    """A plugin's states, as exit statuses."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


@dataclass
class CheckOptions:
    """What the command line asked ``check`` to do (validated by :meth:`validate`)."""

    target: str
    sends: list[str | bytes] = field(default_factory=list)
    expect: str | None = None
    expect_jq: str | None = None
    within: float | None = None
    """Seconds to listen for the expected message; default: ``critical``."""
    warning: float | None = None
    critical: float = DEFAULT_CRITICAL
    silence: float | None = None
    flags: UrlFlags = field(default_factory=UrlFlags)

    @property
    def listen(self) -> float:
        """How long the check waits for its answer, from the last send (or the open)."""
        return self.critical if self.within is None else self.within

    def validate(self) -> Callable[[str | bytes], bool]:
        """Check the thresholds and compile the matcher.

        Raises:
            UsageError: a threshold out of order, an invalid regex or jq program.
        """
        if self.warning is not None and self.warning >= self.critical:
            raise UsageError(
                f"--warning {self.warning:g} must be less than --critical {self.critical:g}"
            )
        if self.silence is not None and self.silence >= self.listen:
            raise UsageError(
                f"--silence {self.silence:g} must be less than --within {self.listen:g} "
                "(the time the check listens)"
            )
        return _matcher(self.expect, self.expect_jq)


def _matcher(expect: str | None, expect_jq: str | None) -> Callable[[str | bytes], bool]:
    """The test of one payload: the condition watches use (:mod:`tui.core.matcher`), or any
    payload when neither ``--expect`` nor ``--expect-jq`` is given."""
    if expect is None and expect_jq is None:
        return lambda data: True
    from tui.core.jq import JqError
    from tui.core.matcher import Matcher

    try:
        return Matcher(expect, expect_jq)
    except re.error as exc:
        raise UsageError(f"--expect {expect!r}: invalid regular expression: {exc}") from None
    except JqError as exc:
        raise UsageError(f"--expect-jq {expect_jq!r}: invalid jq program: {exc}") from None


@dataclass
class Outcome:
    """A check's state, its text and what it measured (seconds; None: not measured)."""

    status: Status
    text: str
    connect: float | None = None
    response: float | None = None
    longest_silence: float | None = None


def _seconds(value: float | None) -> str:
    return "U" if value is None else f"{value:.6f}s"


def _limit(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def perfdata(outcome: Outcome, options: CheckOptions) -> str:
    """The performance data, in the guidelines' ``label=value[UOM];warn;crit;min;max`` form."""
    metrics = [
        f"connect={_seconds(outcome.connect)};;;0",
        f"response={_seconds(outcome.response)};{_limit(options.warning)};{options.critical:g};0",
    ]
    if options.silence is not None:
        metrics.append(f"silence={_seconds(outcome.longest_silence)};;{options.silence:g};0")
    return " ".join(metrics)


def status_line(outcome: Outcome, options: CheckOptions) -> str:
    """``WSDECK STATE - text | perfdata``; the text never holds a ``|`` (it would start the
    performance data) nor a line break."""
    text = plugin_text(outcome.text)
    if outcome.status is Status.UNKNOWN:
        return f"WSDECK UNKNOWN - {text}"
    return f"WSDECK {outcome.status.name} - {text} | {perfdata(outcome, options)}"


def _duration(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


class _Check:
    """One run: reads the hub's events and decides as soon as the answer is known."""

    def __init__(
        self, hub: Hub, name: str, options: CheckOptions, matches: Callable[[str | bytes], bool]
    ) -> None:
        self.hub = hub
        self.name = name
        self.options = options
        self.matches = matches
        self.began = time.time()
        self.opened: float | None = None
        self.reference: float | None = None
        """When the response clock started: the open, then each message of the request."""
        self.sent = 0
        self.sends = len(options.sends) + len(hub.get(name).settings.on_start_send)
        """Send events that make up the request: the connection's ``on_start_send``, then
        every ``--send``; the response clock starts at the last of them."""
        self.last_receive: float | None = None
        self.longest_silence = 0.0
        self.received = 0
        self.last_message: ReceiveEvent | None = None
        self.response: float | None = None
        self.error: ErrorEvent | None = None
        self.outcome: Outcome | None = None
        self.sending: asyncio.Task[None] | None = None

    def take(self, events: Sequence[Event]) -> None:
        """Account for ``events`` (in order); may decide the outcome."""
        for event in events:
            if self.outcome is not None:
                return
            kind = type(event)
            if kind is ReceiveEvent:
                assert isinstance(event, ReceiveEvent)
                self._receive(event)
            elif kind is StartEvent:
                self.opened = self.reference = self.last_receive = event.ts
                if self.options.sends:
                    self.sending = asyncio.create_task(
                        send_all(self.hub, self.name, self.options.sends)
                    )
            elif kind is SendEvent:
                self.sent += 1
                self.reference = event.ts
            elif kind is ErrorEvent:
                assert isinstance(event, ErrorEvent)
                self.error = self.error or event
            elif kind is StopEvent:
                assert isinstance(event, StopEvent)
                self._stopped(event)

    def _receive(self, event: ReceiveEvent) -> None:
        self._silence_until(event.ts)
        if self.outcome is not None:
            return
        self.last_receive = event.ts
        self.received += 1
        self.last_message = event
        if self.response is not None or self.sent < self.sends:
            return  # an answer counts once every --send is out
        if self.matches(event.data):
            assert self.reference is not None
            self.response = max(0.0, event.ts - self.reference)
            if self.options.silence is None:
                self.outcome = self._answered()

    def _silence_until(self, now: float) -> None:
        """Note the silence up to ``now``; CRITICAL once it reaches ``--silence``."""
        if self.last_receive is None or self.options.silence is None:
            return
        gap = now - self.last_receive
        self.longest_silence = max(self.longest_silence, gap)
        if gap >= self.options.silence:
            self.longest_silence = max(self.longest_silence, self.options.silence)
            self.outcome = self._outcome(
                Status.CRITICAL, f"{self.name}: nothing received for {self.options.silence:g} s"
            )

    def _stopped(self, event: StopEvent) -> None:
        if self.opened is None:
            reason = self.error.message if self.error else "the connection failed"
            self.outcome = self._outcome(Status.CRITICAL, f"{self.name}: {reason}")
        elif self.response is not None and self.options.silence is None:
            self.outcome = self._answered()
        else:
            code = "no close code" if event.code is None else f"code {event.code}"
            why = f": {event.reason}" if event.reason else ""
            cause = f" ({self.error.message})" if self.error else ""
            missing = "" if self.response is not None else " before the expected message"
            self.outcome = self._outcome(
                Status.CRITICAL,
                f"{self.name}: closed by {event.by}{missing}, {code}{why}{cause}",
            )

    def tick(self, now: float) -> None:
        """The clock moved: silence, and the end of ``--within``."""
        if self.outcome is not None or self.opened is None:
            return
        self._silence_until(now)
        if self.outcome is not None:
            return
        assert self.reference is not None
        if now - self.reference >= self.options.listen:
            self.outcome = self._answered() if self.response is not None else self._no_answer()

    def deadline(self) -> float:
        """The next time :meth:`tick` may decide something (epoch seconds)."""
        if self.reference is None or self.last_receive is None:
            return time.time() + _POLL
        ends = self.reference + self.options.listen
        if self.options.silence is not None:
            ends = min(ends, self.last_receive + self.options.silence)
        return ends

    def _answered(self) -> Outcome:
        assert self.response is not None
        options, took = self.options, self.response
        text = f"{self.name} answered in {_duration(took)}"
        if options.silence is not None:
            text += (
                f", {self.received} message{'s' * (self.received != 1)}, longest silence "
                f"{_duration(self.longest_silence)}"
            )
        if took >= options.critical:
            return self._outcome(
                Status.CRITICAL, f"{text} (over --critical {options.critical:g} s)"
            )
        if options.warning is not None and took >= options.warning:
            return self._outcome(Status.WARNING, f"{text} (over --warning {options.warning:g} s)")
        return self._outcome(Status.OK, text)

    def _no_answer(self) -> Outcome:
        within = f"within {self.options.listen:g} s"
        if self.sent < self.sends:
            return self._outcome(Status.CRITICAL, f"{self.name}: --send not sent {within}")
        if self.last_message is None:
            return self._outcome(Status.CRITICAL, f"{self.name}: no message {within}")
        data = self.last_message.data
        shown = data if isinstance(data, str) else f"[{len(data)} B binary] {data.hex()}"
        count = f"{self.received} message{'s' * (self.received != 1)}"
        return self._outcome(
            Status.CRITICAL,
            f"{self.name}: no expected message {within} ({count}, the last: "
            f"'{printable(shown, SHOWN_MESSAGE)}')",
        )

    def _outcome(self, status: Status, text: str) -> Outcome:
        connect = None if self.opened is None else self.opened - self.began
        silence = self.longest_silence if self.options.silence is not None else None
        return Outcome(status, text, connect, self.response, silence)


def _one_attempt(connection: Connection) -> Connection:
    """The connection without reconnecting: a check is one attempt."""
    reconnect = connection.reconnect.model_copy(update={"enabled": False})
    return connection.model_copy(update={"reconnect": reconnect})


async def run_check(options: CheckOptions, settings: WsdeckSettings) -> Outcome:
    """Run the check; its outcome. Usage problems raise :class:`UsageError` (UNKNOWN).

    Raises:
        UsageError: an unknown name, an invalid URL or flag, thresholds out of order, an
            invalid regex or jq program.
    """
    matches = options.validate()
    (connection,) = resolve([options.target], settings, options.flags)
    connection = _one_attempt(connection)
    env = settings.reference_env()
    # Warnings go to stderr: stdout is the status line alone.
    warnings = list(connection_cautions(connection, env))
    warnings += filter(None, [command_line_password(options.target)])
    for line in warnings:
        print(f"wsdeck check: warning: {line}", file=sys.stderr)
    hub = Hub([connection], env=env)
    check = _Check(hub, connection.name, options, matches)
    runner = asyncio.create_task(hub.run_clients())
    try:
        hub.start(connection.name)
        while check.outcome is None:
            wait = min(max(0.0, check.deadline() - time.time()), _POLL * 5)
            check.take(await hub.bus.get_batch(timeout=wait))
            check.tick(time.time())
        # Before closing: a stop clears some watches (silence) on its own.
        hub.watches.tick()
        alerts = [a for (name, _), a in hub.watches.active.items() if name == connection.name]
    finally:
        await _close(hub, runner, check)
    return with_alerts(check.outcome, alerts)


def with_alerts(outcome: Outcome, alerts: Sequence[Alert]) -> Outcome:
    """The outcome with the connection's active alerts (its watches, issue 13) in it: a
    critical alert makes it CRITICAL, a warning at least WARNING; each is named in the text."""
    if not alerts:
        return outcome
    ordered = sorted(alerts, key=lambda alert: alert.level != "critical")
    worst = Status.CRITICAL if ordered[0].level == "critical" else Status.WARNING
    listed = "; ".join(f"alert {a.name} ({a.level}): {a.message}" for a in ordered)
    status = max(outcome.status, worst)
    return replace(outcome, status=Status(status), text=f"{outcome.text}; {listed}")


async def _close(hub: Hub, runner: asyncio.Task[None], check: _Check) -> None:
    """Close the connection (1000) within its ``close_timeout``, then stop its task."""
    if check.sending is not None:
        check.sending.cancel()
    (client,) = hub.clients.values()
    limit = client.settings.close_timeout + 1.0
    with contextlib.suppress(TimeoutError):
        await client.stop_and_wait(limit)
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
