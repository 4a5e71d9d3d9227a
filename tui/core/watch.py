"""The watch engine: alerts raised and cleared from a connection's events and the clock.

Owners (the dashboard, ``tail``, ``check``) make one :class:`WatchEngine` with the sink its
alert events go to (the hub's bus) and let the hub hand each watched connection's client a
:class:`WatchedSink` instead of the bus: every event such a client puts on the bus is then
observed right after it got its ``seq``, in the reader's own callback, before the drain.
A connection without watches gets the bare bus, so it pays nothing, not even a call.

Time-driven changes (a silence, a window emptying, a rule's ``hold``) are found by
:meth:`WatchEngine.tick`, which the owner calls a few times a second (:meth:`WatchEngine.run`);
their alerts carry the moment the threshold was crossed, not the moment it was noticed.

Payload rules run in the reader's callback: a watched message costs ~1.5 µs of CPU with a
silence watch and the jq rule ``.[2].status == "alarm"`` on a 128-byte JSON message (a bare
bus 0.2 µs, the silence watch alone 0.35 µs), since :class:`~tui.core.jq.JqProgram`
answers such conditions on orjson's parse instead of running jq (~5.5 µs, ~9 µs in the
dashboard with its caches cold); a regex rule well under 1 µs. The silence watch only
notes the time of each message: the clock's :meth:`WatchEngine.tick` (4 a second, ~0.2 ms
for 500 watched connections) finds the silences.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tui.core.events import (
    AlertEvent,
    AlertLevel,
    ErrorEvent,
    Event,
    ReceiveEvent,
    StartEvent,
    StopEvent,
    TimeoutEvent,
)
from tui.core.matcher import Matcher

if TYPE_CHECKING:
    from settings import Connection
    from settings.watch import Alerting, Burst, PayloadRule, Watch

BELL_EVERY = 30.0
"""Seconds between two bells of one unacknowledged alert."""

HISTORY = 200
"""Cleared alerts kept for the alerts screen."""

TICK = 0.25
"""Seconds between two time checks in :meth:`WatchEngine.run`."""

WAITING = 1000
"""Most alert events waiting for room on a full bus; later ones are counted as lost."""


class AlertSink(Protocol):
    """Where alert events go (the hub's :class:`~tui.core.bus.EventBus`)."""

    @property
    def full(self) -> bool: ...

    def offer(self, event: Event) -> bool: ...

    async def put(self, event: Event) -> None: ...


@dataclass(slots=True, eq=False)
class Alert:
    """One alert from its raising to its clearing, as the dashboard lists it."""

    connection: str
    name: str
    level: AlertLevel
    message: str
    raised_at: float
    cause: int | None
    figures: dict[str, float] = field(default_factory=dict)
    cleared_at: float | None = None
    acknowledged: bool = False
    event: AlertEvent | None = None
    """The ``raised`` alert event (its ``seq`` is 0 until the bus took it)."""

    @property
    def active(self) -> bool:
        """Raised and not yet cleared."""
        return self.cleared_at is None

    def duration(self, now: float) -> float:
        """Seconds raised: until cleared, or until ``now``."""
        end = self.cleared_at if self.cleared_at is not None else now
        return max(0.0, end - self.raised_at)


class _Watch:
    """One watch on one connection: its settings and the alert it has raised, if any."""

    __slots__ = ("alert", "bell", "bell_at", "level", "name", "watcher")

    def __init__(self, watcher: Watcher, name: str, settings: Alerting) -> None:
        self.watcher = watcher
        self.name = name
        self.level: AlertLevel = settings.level
        self.bell = settings.bell
        self.alert: Alert | None = None
        self.bell_at = float("-inf")

    def tick(self, now: float) -> None:
        """Raise or clear what the passing of time decides (each kind of watch says how)."""
        raise NotImplementedError

    def raise_(self, ts: float, message: str, figures: dict[str, float], cause: int | None) -> None:
        if self.alert is None:
            engine = self.watcher.engine
            self.alert = engine.raise_alert(self, ts, message, figures, cause)
            engine.ring(self, engine.clock())

    def clear(self, ts: float, message: str, figures: dict[str, float]) -> None:
        alert, self.alert = self.alert, None
        if alert is not None:
            self.watcher.engine.clear_alert(alert, ts, message, figures)


class _Burst(_Watch):
    """More than ``more_than`` events within ``within`` seconds (flapping, error bursts,
    unanswered requests)."""

    __slots__ = ("label", "last_seq", "more_than", "times", "within")

    def __init__(self, watcher: Watcher, name: str, settings: Burst, label: str) -> None:
        super().__init__(watcher, name, settings)
        self.more_than = settings.more_than
        self.within = settings.within
        self.label = label
        # Only the last more_than + 1 times matter: the alert is about the oldest of them.
        self.times: deque[float] = deque(maxlen=settings.more_than + 1)
        self.last_seq: int | None = None

    def note(self, ts: float, seq: int) -> None:
        self.tick(ts)  # a quiet spell that ended between two ticks clears first
        times = self.times
        times.append(ts)
        self.last_seq = seq
        if len(times) == times.maxlen and ts - times[0] <= self.within:
            count = len(times)
            self.raise_(
                ts,
                f"{count} {self.label} within {self.within:g} s (more than {self.more_than})",
                {self.label: count, "within_s": self.within},
                seq,
            )

    def tick(self, now: float) -> None:
        if self.alert is not None and self.times and now - self.times[-1] >= self.within:
            quiet = self.times[-1] + self.within
            self.clear(quiet, f"no {self.label} for {self.within:g} s", {"within_s": self.within})


class _Silence(_Watch):
    """Nothing received for ``after`` seconds while open."""

    __slots__ = ("after", "open", "since", "since_seq")

    def __init__(self, watcher: Watcher, settings: float, alerting: Alerting) -> None:
        super().__init__(watcher, "silence", alerting)
        self.after = settings
        self.open = False
        self.since = 0.0  # the last message received, or the start event
        self.since_seq: int | None = None

    def tick(self, now: float) -> None:
        if self.open and self.alert is None and now - self.since >= self.after:
            self.raise_(
                self.since + self.after,
                f"no message for {self.after:g} s",
                {"after_s": self.after},
                self.since_seq,
            )

    def received(self, ts: float, seq: int) -> None:
        if ts - self.since >= self.after:
            # A silence that ended between two ticks still raises (at its moment) first.
            self.tick(ts)
        if self.alert is not None:
            silent = round(ts - self.since, 3)
            self.clear(ts, f"a message after {silent:g} s of silence", {"silent_s": silent})
        self.since, self.since_seq = ts, seq


class _Rule(_Watch):
    """A payload rule: raised while received messages match."""

    __slots__ = ("condition", "hold", "last_match", "matches", "test")

    def __init__(self, watcher: Watcher, name: str, settings: PayloadRule) -> None:
        super().__init__(watcher, name, settings)
        self.hold = settings.hold
        self.test = Matcher(settings.regex, settings.jq).test
        condition = f"jq {settings.jq}" if settings.jq is not None else f"regex {settings.regex}"
        self.condition = condition if len(condition) <= 80 else condition[:79] + "…"
        self.matches = 0
        self.last_match = 0.0

    def received(self, event: ReceiveEvent) -> None:
        if self.hold and self.alert is not None:
            self.tick(event.ts)  # a hold that ran out between two ticks clears first
        if self.test(event.data):
            self.last_match = event.ts
            if self.alert is None:
                self.matches = 1
                message = f"a message matches {self.condition}"
                self.raise_(event.ts, message, {"matches": 1}, event.seq)
            else:
                self.matches += 1
        elif self.alert is not None:
            figures: dict[str, float] = {"matches": self.matches}
            self.clear(event.ts, "a message does not match", figures)

    def tick(self, now: float) -> None:
        if self.alert is not None and self.hold and now - self.last_match >= self.hold:
            message = f"no matching message for {self.hold:g} s"
            self.clear(self.last_match + self.hold, message, {"matches": self.matches})


class Watcher:
    """The watches of one connection; :meth:`observe` takes each of its events in order."""

    def __init__(self, engine: WatchEngine, connection: str, watch: Watch) -> None:
        self.engine = engine
        self.connection = connection
        self.silence = _Silence(self, watch.silence.after, watch.silence) if watch.silence else None
        self.flapping = (
            _Burst(self, "flapping", watch.flapping, "stops") if watch.flapping else None
        )
        self.errors = _Burst(self, "errors", watch.errors, "errors") if watch.errors else None
        self.unanswered = (
            _Burst(self, "unanswered", watch.unanswered, "timeouts") if watch.unanswered else None
        )
        self.rules = [_Rule(self, name, rule) for name, rule in watch.rules.items()]

    def watches(self) -> Iterator[_Watch]:
        """Every watch of the connection."""
        for built_in in (self.silence, self.flapping, self.errors, self.unanswered):
            if built_in is not None:
                yield built_in
        yield from self.rules

    def observe(self, event: Event) -> None:
        """Take the connection's next event (its ``seq`` already set)."""
        if type(event) is ReceiveEvent:  # the hot path: keep it first and short
            if self.silence is not None:
                self.silence.received(event.ts, event.seq)
            for rule in self.rules:
                rule.received(event)
        elif isinstance(event, StartEvent):
            if self.silence is not None:
                self.silence.open = True
                self.silence.since, self.silence.since_seq = event.ts, event.seq
        elif isinstance(event, StopEvent):
            self._stopped(event)
        elif isinstance(event, ErrorEvent) and self.errors is not None:
            self.errors.note(event.ts, event.seq)
        elif isinstance(event, TimeoutEvent) and self.unanswered is not None:
            self.unanswered.note(event.ts, event.seq)

    def _stopped(self, event: StopEvent) -> None:
        silence = self.silence
        if silence is not None:
            silence.open = False
            if event.by == "client":  # the operator stopped it: nothing is missing any more
                silence.clear(event.ts, "the connection was stopped", {})
        if self.flapping is not None and event.by != "client":
            self.flapping.note(event.ts, event.seq)

    def tick(self, now: float) -> None:
        """Raise or clear what the passing of time decides; ring unacknowledged bells."""
        ring = self.engine.ring
        for watch in self.watches():
            watch.tick(now)
            if watch.alert is not None:
                ring(watch, now)


class WatchedSink:
    """The bus as a watched connection's client sees it: events are observed once taken."""

    __slots__ = ("_bus", "_observe")

    def __init__(self, bus: AlertSink, watcher: Watcher) -> None:
        self._bus = bus
        self._observe = watcher.observe

    @property
    def full(self) -> bool:
        """Whether the bus would refuse an event now."""
        return self._bus.full

    def offer(self, event: Event) -> bool:
        """Put ``event`` on the bus unless it is full; observed when taken."""
        if self._bus.offer(event):
            self._observe(event)
            return True
        return False

    async def put(self, event: Event) -> None:
        """Put ``event`` on the bus, waiting for room; then observe it."""
        await self._bus.put(event)
        self._observe(event)


class WatchEngine:
    """Every watched connection's watches, the alerts they raised, and the bell.

    Args:
        sink: where alert events go (the hub's bus).
        clock: wall-clock time, as event timestamps use.
        bell: rings the terminal bell (the App's); None where there is no terminal to ring.
    """

    def __init__(
        self,
        sink: AlertSink,
        *,
        clock: Callable[[], float] = time.time,
        bell: Callable[[], None] | None = None,
    ) -> None:
        self.sink = sink
        self.clock = clock
        self.bell = bell
        self.watchers: dict[str, Watcher] = {}
        self.active: dict[tuple[str, str], Alert] = {}
        self.history: deque[Alert] = deque(maxlen=HISTORY)
        """Cleared alerts, oldest first."""
        self.version = 0
        """Grows with every change to the alerts: redraw when it differs from the last seen."""
        self._waiting: deque[AlertEvent] = deque()  # refused by a full sink; sent by run()
        self.lost = 0
        """Alert events dropped while :data:`WAITING` waited for a full bus (the alerts
        themselves stay right: only their events are missing from the feed and recording)."""

    # -- connections -------------------------------------------------------------------------

    def sink_for(self, connection: Connection, bus: AlertSink) -> AlertSink:
        """What the connection's client should put its events on: ``bus`` itself when the
        connection has no watches, else a :class:`WatchedSink` observing them."""
        watch = connection.watch
        if watch is None or watch.empty:
            return bus
        watcher = Watcher(self, connection.name, watch)
        self.watchers[connection.name] = watcher
        return WatchedSink(bus, watcher)

    def forget(self, name: str) -> None:
        """Stop watching connection ``name`` (removed or replaced); its alerts are cleared."""
        watcher = self.watchers.pop(name, None)
        if watcher is not None:
            now = self.clock()
            for watch in watcher.watches():
                watch.clear(now, "the watch was removed", {})

    def observe(self, event: Event) -> None:
        """Observe an event of a watched connection not taken through a :class:`WatchedSink`."""
        watcher = self.watchers.get(event.connection)
        if watcher is not None:
            watcher.observe(event)

    # -- time --------------------------------------------------------------------------------

    def tick(self, now: float | None = None) -> None:
        """Raise and clear what time decides, and ring the bell of unacknowledged alerts."""
        now = self.clock() if now is None else now
        for watcher in self.watchers.values():
            watcher.tick(now)

    async def run(self, period: float = TICK) -> None:
        """Tick every ``period`` seconds until cancelled; alert events a full sink refused
        are put on it here, waiting for room."""
        while True:
            await asyncio.sleep(period)
            self.tick()
            await self.flush()

    async def flush(self) -> None:
        """Put the alert events a full sink refused on it, in order, waiting for room."""
        waiting = self._waiting
        while waiting:
            await self.sink.put(waiting[0])
            waiting.popleft()

    # -- alerts ------------------------------------------------------------------------------

    def raise_alert(
        self, watch: _Watch, ts: float, message: str, figures: dict[str, float], cause: int | None
    ) -> Alert:
        """Record a new alert of ``watch`` and send its ``raised`` event."""
        connection = watch.watcher.connection
        alert = Alert(connection, watch.name, watch.level, message, ts, cause, figures)
        self.active[(connection, watch.name)] = alert
        event = AlertEvent(
            connection,
            ts,
            name=watch.name,
            level=watch.level,
            message=message,
            figures=figures,
            cause=cause,
        )
        alert.event = event
        self._send(event)
        self.version += 1
        return alert

    def clear_alert(self, alert: Alert, ts: float, message: str, figures: dict[str, float]) -> None:
        """Clear an active alert and send its ``cleared`` event."""
        self.active.pop((alert.connection, alert.name), None)
        alert.cleared_at = ts
        self.history.append(alert)
        self._send(
            AlertEvent(
                alert.connection,
                ts,
                name=alert.name,
                level=alert.level,
                state="cleared",
                message=message,
                figures=figures,
                cause=alert.cause,
            )
        )
        self.version += 1

    def acknowledge(self, alert: Alert) -> None:
        """Mark an alert seen: its bell stops; it stays raised until its watch clears it."""
        if not alert.acknowledged:
            alert.acknowledged = True
            self.version += 1

    def alerts(self) -> list[Alert]:
        """Active alerts (critical first, then newest first), then cleared ones (newest first)."""
        active = sorted(self.active.values(), key=lambda a: (a.level != "critical", -a.raised_at))
        return active + list(reversed(self.history))

    def counts(self) -> tuple[int, int]:
        """Active alerts: (critical, warning)."""
        critical = sum(1 for alert in self.active.values() if alert.level == "critical")
        return critical, len(self.active) - critical

    def badges(self) -> dict[str, tuple[AlertLevel, int]]:
        """Each connection's worst active alert level and number of active alerts
        (connections without one are absent)."""
        badges: dict[str, tuple[AlertLevel, int]] = {}
        for alert in self.active.values():
            level, count = badges.get(alert.connection, (alert.level, 0))
            badges[alert.connection] = (
                "critical" if "critical" in (level, alert.level) else level,
                count + 1,
            )
        return badges

    def _send(self, event: AlertEvent) -> None:
        if self._waiting or not self.sink.offer(event):
            if len(self._waiting) < WAITING:
                self._waiting.append(event)
            else:  # the first keep their order; a bus full for long must not grow this
                self.lost += 1

    def ring(self, watch: _Watch, now: float) -> None:
        """Ring the bell for ``watch``'s alert if it asks for it, is not acknowledged and
        has not rung within :data:`BELL_EVERY` seconds."""
        alert = watch.alert
        if (
            self.bell is not None
            and watch.bell
            and alert is not None
            and not alert.acknowledged
            and now - watch.bell_at >= BELL_EVERY
        ):
            watch.bell_at = now
            self.bell()
