"""Automation (issue 15): scheduled sends, reply rules and macros, driven by each connection.

A client with automation calls :meth:`ConnectionAutomation.opened` once its connection is open
(after ``on_start_send``) and :meth:`ConnectionAutomation.closed` when it closes, so schedules
run only while open and start over at every ``start`` (reconnects included), in the
dashboard's workers and in ``tail`` alike. Received messages reach the rules through a tap on
the client's sink that only automated connections have: the others pay nothing per message.
Rules run in a task of their own, never in the reader or the UI's drain: a jq program cannot
be interrupted, so it must not hold up either.

Everything automation sends is an ordinary ``send`` event naming its rule
(:class:`~tui.core.events.RuleSendEvent`); what goes wrong is an ``error`` event of kind
``automation`` naming the rule. Safety: each reply rule has a rate limit, a rule whose reply
comes back and triggers it again (an echo loop) is suspended, and :meth:`Automation.pause_all`
stops everything at once (the operator's panic button).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from settings.automation import Macro, MacroStep, ReplyRule, Schedule, rule_name, schedule_name
from tui.core.client import EventSink, State, WsClient
from tui.core.events import ErrorEvent, Event, NoteEvent, ReceiveEvent
from tui.core.jq import NO_VALUE, compile_program
from tui.core.matcher import Matcher, payload_text

if TYPE_CHECKING:
    from tui.core.hub import Hub

LOOP_WINDOW = 5.0
"""Seconds a message automation sent is remembered, to recognise it when it comes back."""

MAX_CHAIN = 8
"""Replies to replies (rule A's answer triggering rule B...) before the next is a loop."""

LIMIT_REPORTS = 30.0
"""Seconds between two errors saying that a rule is rate-limited."""

QUEUE_LIMIT = 10_000
"""Received messages waiting for the rules; beyond, the oldest are skipped (and counted)."""

_SENT_LIMIT = 256  # messages remembered per connection for loop detection
_YIELD_EVERY = 64  # messages the rules take before letting other tasks run

Kind = Literal["every", "on_receive", "macro"]


def _message(message: str | object) -> str | bytes:
    """The wire form of a settings message (text, or hex/base64 decoded)."""
    if isinstance(message, str):
        return message
    data: bytes = message.data()  # type: ignore[attr-defined]
    return data


@dataclass(slots=True)
class Status:
    """One line of the automation screen."""

    connection: str
    kind: Kind
    name: str
    state: str
    """``active``, ``paused``, ``suspended``, ``closed`` (schedules while not open), or a
    macro's ``idle``, ``running``, ``done``, ``failed``, ``cancelled``."""
    count: int
    last_run: float | None
    detail: str = ""
    next_due: float | None = None


@dataclass(slots=True)
class _ScheduleState:
    schedule: Schedule
    name: str
    sent: int = 0
    last_run: float | None = None
    next_due: float | None = None  # wall clock, while scheduled


@dataclass(slots=True)
class _RuleState:
    rule: ReplyRule
    name: str
    matcher: Matcher
    matched: int = 0
    sent: int = 0
    noted: int = 0
    limited: int = 0
    last_run: float | None = None
    suspended: str | None = None
    limit_said: float = float("-inf")  # when the last rate-limit error went out
    tokens: float = 0.0
    refilled: float = 0.0


@dataclass(slots=True)
class MacroRun:
    """One run of a macro: its progress, for the screen and the palette."""

    connection: str
    name: str
    steps: list[MacroStep]
    step: int = 0
    state: str = "running"
    started: float = field(default_factory=time.time)
    detail: str = ""
    task: asyncio.Task[None] | None = None
    waiter: asyncio.Future[None] | None = None  # the wait step listening now

    @property
    def running(self) -> bool:
        return self.state == "running"

    def cancel(self) -> bool:
        """Stop the run at its current step; False when it had ended."""
        if self.task is None or self.task.done():
            return False
        self.task.cancel()
        return True

    def progress(self) -> str:
        """``step 2/3: wait "ready"`` while running, the outcome after."""
        if not self.running:
            return self.detail or self.state
        step = self.steps[self.step]
        what = "send" if step.send is not None else f"wait {step.wait or step.wait_jq}"
        return f"step {self.step + 1}/{len(self.steps)}: {what}"


class _Tap:
    """The client's sink, with every received message also handed to the automation."""

    __slots__ = ("_owner", "_sink")

    def __init__(self, sink: EventSink, owner: ConnectionAutomation) -> None:
        self._sink = sink
        self._owner = owner

    @property
    def full(self) -> bool:
        return self._sink.full

    def offer(self, event: Event) -> bool:
        if not self._sink.offer(event):
            return False
        self._owner.received(event)
        return True

    async def put(self, event: Event) -> None:
        await self._sink.put(event)
        self._owner.received(event)


class ConnectionAutomation:
    """One connection's schedules, reply rules and macros."""

    def __init__(self, owner: Automation, client: WsClient) -> None:
        self.owner = owner
        self.client = client
        settings = client.settings
        self.schedules = [
            _ScheduleState(s, schedule_name(s, i)) for i, s in enumerate(settings.every)
        ]
        self.rules = [
            _RuleState(r, rule_name(r, i), Matcher(r.match, r.match_jq))
            for i, r in enumerate(settings.on_receive)
        ]
        # With only regex conditions the reader screens each message itself (a search in C,
        # about a microsecond): only those a rule may act on wake the rules' task, which
        # under fan-in cost more than everything else automation does per message.
        patterns = [r.matcher.regex for r in self.rules]
        self._screen: list[re.Pattern[str]] | None = (
            [p for p in patterns if p is not None] if None not in patterns else None
        )
        self.macros: dict[str, Macro] = dict(settings.macros)
        self.paused = False
        self.is_open = False
        self._running = asyncio.Event()  # set while neither this nor everything is paused
        self._tasks: list[asyncio.Task[None]] = []
        self._waiters: list[tuple[Matcher, asyncio.Future[None]]] = []
        # Recently sent by automation: payload -> (rule, chain depth, forget after).
        self._sent: dict[str | bytes, tuple[str, int, float]] = {}
        self._listen = False  # whether received messages are queued now
        self.sync_pause()

    @property
    def name(self) -> str:
        return self.client.name

    @property
    def active(self) -> bool:
        """Not paused, neither here nor by the panic button."""
        return self._running.is_set()

    def sync_pause(self) -> None:
        """Apply this connection's and the global pause."""
        if self.paused or self.owner.paused:
            self._running.clear()
        else:
            self._running.set()
        self._update_listen()

    def _update_listen(self) -> None:
        self._listen = self.is_open and (
            (bool(self.rules) and self._running.is_set()) or bool(self._waiters)
        )

    # -- the client's hooks -------------------------------------------------------------

    def opened(self, sink: EventSink) -> EventSink:
        """Start the schedules and the rules' task; received messages come through the tap
        returned (``sink`` plus this automation)."""
        self._sent.clear()
        self.is_open = True
        self._tasks = [asyncio.ensure_future(self._schedule(state)) for state in self.schedules]
        self.owner.session_opened()
        self._update_listen()
        return _Tap(sink, self)

    async def closed(self) -> None:
        """Stop the schedules and the rules; waiting macro steps fail."""
        tasks, self._tasks = self._tasks, []
        self.is_open = False
        self._update_listen()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        await self.owner.session_closed()
        for state in self.schedules:
            state.next_due = None
        for _, waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(ConnectionError(f"{self.name} closed"))

    def received(self, event: Event) -> None:
        """A received message (called by the reader: no await, nothing slow)."""
        if not self._listen:
            return
        screen = self._screen
        if screen is not None and not self._waiters:
            data = event.data  # type: ignore[attr-defined]  # only receives are tapped
            text = data if type(data) is str else payload_text(data)
            if text is None or not any(p.search(text) for p in screen):
                return
        self.owner.take(self, event)  # type: ignore[arg-type]

    # -- schedules ----------------------------------------------------------------------

    async def _schedule(self, state: _ScheduleState) -> None:
        """Send on a fixed grid from the start (or from a resume): drift never adds up."""
        loop = asyncio.get_running_loop()
        schedule = state.schedule
        data = _message(schedule.message)
        rng = self.owner.rng
        while True:
            await self._running.wait()
            base, beat = loop.time(), 0
            while self._running.is_set():
                beat += 1
                due = base + beat * schedule.interval
                if schedule.jitter:
                    due += schedule.jitter * (2 * rng() - 1)
                state.next_due = time.time() + (due - loop.time())
                await asyncio.sleep(max(0.0, due - loop.time()))
                if not self._running.is_set():
                    break
                state.next_due = None
                # Closing since the beat was due: the schedule ends with the connection.
                # A heartbeat is not remembered for loop detection: a rule answering its
                # echo is the first reply of a chain, as if the server had sent it.
                if self.client.state is State.OPEN and await self.client.send(
                    data, rule=state.name
                ):
                    state.sent += 1
                    state.last_run = time.time()
            state.next_due = None

    # -- reply rules and macro waits ----------------------------------------------------

    async def look_at(self, event: ReceiveEvent) -> None:
        """What the rules and the waiting macro steps make of a received message."""
        if not self.is_open:  # closed since it arrived: no reply can go out
            return
        if self._waiters:
            self._resolve_waiters(event.data)
        if self.rules and self._running.is_set():
            await self._apply_rules(event)

    def _resolve_waiters(self, data: str | bytes) -> None:
        for matcher, waiter in self._waiters:
            if not waiter.done() and matcher(data):
                waiter.set_result(None)

    def _echo_of(self, data: str | bytes) -> tuple[str, int]:
        """The rule that sent ``data`` here lately and the depth of its chain ("", 0: none)."""
        sent = self._sent
        if not sent:
            return "", 0
        found = sent.get(data)
        if found is None or found[2] < time.monotonic():
            return "", 0
        return found[0], found[1]

    def remember(self, data: str | bytes, rule: str, depth: int) -> None:
        """``rule`` sent ``data`` on this connection (for loop detection)."""
        if not self.rules:
            return  # nothing here could be triggered by its echo
        sent = self._sent
        if len(sent) >= _SENT_LIMIT:
            now = time.monotonic()
            for key in [k for k, v in sent.items() if v[2] < now] or list(sent)[:64]:
                del sent[key]
        sent[data] = (rule, depth, time.monotonic() + LOOP_WINDOW)

    async def _apply_rules(self, event: ReceiveEvent) -> None:
        data = event.data
        source, depth = self._echo_of(data)
        for state in self.rules:
            if state.suspended is not None or not state.matcher(data):
                continue
            state.matched += 1
            if source == state.name or depth >= MAX_CHAIN:
                why = "its own reply came back and matched it again"
                if source != state.name:
                    why = f"{depth} replies in a row answered each other"
                state.suspended = why
                await self.owner.report(
                    self.name, f"rule {state.name} suspended: {why} (a loop); resume it to retry"
                )
                continue
            if not self._take_token(state):
                continue
            await self._act(state, event, depth + 1)

    def _take_token(self, state: _RuleState) -> bool:
        """The rule's rate limit: a bucket of ``max_per_second`` tokens, refilled as fast."""
        rate = state.rule.max_per_second
        now = time.monotonic()
        if state.refilled == 0.0:
            state.tokens = max(1.0, rate)
        else:
            state.tokens = min(max(1.0, rate), state.tokens + (now - state.refilled) * rate)
        state.refilled = now
        if state.tokens >= 1.0:
            state.tokens -= 1.0
            return True
        state.limited += 1
        if now - state.limit_said >= LIMIT_REPORTS:
            state.limit_said = now
            self.owner.report_soon(
                self.name,
                f"rule {state.name} rate-limited: more than {rate:g} a second; "
                f"skipping the rest (said at most every {LIMIT_REPORTS:g} s)",
            )
        return False

    async def _act(self, state: _RuleState, event: ReceiveEvent, depth: int) -> None:
        rule = state.rule
        state.last_run = time.time()
        if rule.note is not None:
            note = NoteEvent(
                self.name, time.time(), rule=state.name, text=rule.note, cause=event.seq
            )
            await self.owner.emit(note)
            state.noted += 1
        if rule.send is None and rule.reply_jq is None:
            return
        data = event.data
        out: str | bytes
        if rule.reply_jq is not None:
            value = compile_program(rule.reply_jq).first(data)
            if value is NO_VALUE:
                return
            if isinstance(value, str):
                out = value
            else:
                try:
                    out = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                except RecursionError:  # a peer's value thousands of levels deep: no reply
                    return  # (raised, it ended the rules task of every connection)
        else:
            out = _message(rule.send)
        target = self.client if rule.to is None else self.owner.hub.clients.get(rule.to)
        if target is None:  # deleted in the settings screen since the load
            await self.owner.report(self.name, f"rule {state.name}: no connection {rule.to!r}")
            return
        if await self._reply(target, out, state.name, depth):
            state.sent += 1

    async def _reply(self, target: WsClient, data: str | bytes, rule: str, depth: int) -> bool:
        """Send as ``rule``, remembered for loop detection; not open: an error naming the
        rule (not the target's own)."""
        if target.state is not State.OPEN:
            message = f"{rule}: not sent, {target.name} is {target.state.value}"
            await self.owner.report(self.name, message)
            return False
        peer = self.owner.connections.get(target.name)
        if peer is not None:
            peer.remember(data, rule, depth)
        return await target.send(data, rule=rule)

    def resume_rule(self, name: str) -> bool:
        """Lift a loop suspension; False when no such rule is suspended."""
        for state in self.rules:
            if state.name == name and state.suspended is not None:
                state.suspended = None
                self._sent.clear()
                return True
        return False

    # -- macros -------------------------------------------------------------------------

    async def run_macro(self, run: MacroRun) -> None:
        """Run ``run``'s steps in order; the first failure ends it with an error event."""
        label = f"macro {run.name}"
        try:
            for index, step in enumerate(run.steps):
                run.step = index
                if step.send is not None:
                    await self._macro_send(run, index, label)
                else:
                    await self._macro_wait(run, step)
        except _StepFailed as failure:
            run.state, run.detail = "failed", f"step {run.step + 1}: {failure}"
            await self.owner.report(self.name, f"{label} failed at {run.detail}")
        except asyncio.CancelledError:
            run.state, run.detail = "cancelled", f"cancelled at step {run.step + 1}"
            await self.owner.report(self.name, f"{label} {run.detail}")
        else:
            run.state, run.detail = "done", f"done: {len(run.steps)} steps"
        finally:
            self._drop_waiter(run)

    async def _macro_send(self, run: MacroRun, index: int, label: str) -> None:
        step = run.steps[index]
        await self._running.wait()  # paused: the macro waits too
        following = run.steps[index + 1] if index + 1 < len(run.steps) else None
        if following is not None and following.send is None:
            # Listen before sending: the answer may come before the next step begins.
            self._add_waiter(run, following)
        if self.client.state is not State.OPEN:
            raise _StepFailed(f"{self.name} is {self.client.state.value}, not open")
        if not await self.client.send(_message(step.send), rule=label):
            raise _StepFailed("not sent")

    async def _macro_wait(self, run: MacroRun, step: MacroStep) -> None:
        if self.client.state is not State.OPEN:
            raise _StepFailed(f"{self.name} is {self.client.state.value}, not open")
        waiter = run.waiter or self._add_waiter(run, step)
        try:
            async with asyncio.timeout(step.timeout):
                await waiter
        except TimeoutError:
            what = step.wait if step.wait is not None else f"jq {step.wait_jq}"
            raise _StepFailed(f"nothing matched {what!r} within {step.timeout:g} s") from None
        except ConnectionError as exc:
            raise _StepFailed(str(exc)) from None
        finally:
            self._drop_waiter(run)

    def _add_waiter(self, run: MacroRun, step: MacroStep) -> asyncio.Future[None]:
        self._drop_waiter(run)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter.add_done_callback(_retrieve)
        matcher = Matcher(step.wait, step.wait_jq)
        self._waiters.append((matcher, waiter))
        run.waiter = waiter
        self._update_listen()
        return waiter

    def _drop_waiter(self, run: MacroRun) -> None:
        waiter, run.waiter = run.waiter, None
        if waiter is not None:
            self._waiters = [(m, w) for m, w in self._waiters if w is not waiter]
            self._update_listen()

    # -- what the screen shows ----------------------------------------------------------

    def statuses(self) -> Iterator[Status]:
        """Every schedule and rule of this connection, as the automation screen lists them."""
        paused = "paused" if not self.active else None
        is_open = self.is_open
        for s in self.schedules:
            state = paused or ("active" if is_open else "closed")
            every = f"every {s.schedule.interval:g} s"
            if s.schedule.jitter:
                every += f" ± {s.schedule.jitter:g}"
            yield Status(self.name, "every", s.name, state, s.sent, s.last_run, every, s.next_due)
        for r in self.rules:
            state = "suspended" if r.suspended else paused or "active"
            detail = f"match {r.matcher.source}"
            if r.rule.to:
                detail += f" → {r.rule.to}"
            detail += f"; matched {r.matched}"
            if r.limited:
                detail += f", limited {r.limited}"
            if r.suspended:
                detail = f"{r.suspended}; {detail}"
            count = r.sent + r.noted
            yield Status(self.name, "on_receive", r.name, state, count, r.last_run, detail)


class _StepFailed(Exception):
    """A macro step could not be done; the text says why."""


def _retrieve(future: asyncio.Future[None]) -> None:
    # A waiter failed by a close after its macro gave up on it: nothing is left to tell.
    if not future.cancelled():
        future.exception()


class Automation:
    """Every connection's automation, and the pause of all of it (the panic button)."""

    def __init__(self, hub: Hub, *, rng: Callable[[], float] = random.random) -> None:
        self.hub = hub
        self.rng = rng
        self.paused = False
        self.connections: dict[str, ConnectionAutomation] = {}
        self.skipped = 0  # received messages the rules never saw (queue over its limit)
        # One queue and one task for the rules of every connection: under fan-in a wake-up
        # takes the messages of many connections (one per message cost ~25 % more CPU).
        self._queue: deque[tuple[ConnectionAutomation, ReceiveEvent]] = deque()
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._sessions = 0  # automated connections open now
        self.runs: list[MacroRun] = []  # the running ones and the last few ended
        self.run_counts: dict[tuple[str, str], int] = {}
        self._reports: set[asyncio.Task[None]] = set()

    # -- the rules' task ------------------------------------------------------------------

    def session_opened(self) -> None:
        """An automated connection opened: its messages need the rules' task."""
        self._sessions += 1
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._take_messages())

    async def session_closed(self) -> None:
        """An automated connection closed: the rules' task ends with the last one."""
        self._sessions -= 1
        if self._sessions == 0 and self._worker is not None:
            worker, self._worker = self._worker, None
            worker.cancel()
            await asyncio.wait({worker})
            self._queue.clear()

    def take(self, automation: ConnectionAutomation, event: ReceiveEvent) -> None:
        """Queue a received message for the rules' task (no await: the reader calls it)."""
        queue = self._queue
        queue.append((automation, event))
        if len(queue) > QUEUE_LIMIT:
            queue.popleft()
            self.skipped += 1
        self._wake.set()

    async def _take_messages(self) -> None:
        queue = self._queue
        wake = self._wake
        while True:
            await wake.wait()
            wake.clear()
            taken = 0
            while queue:
                automation, event = queue.popleft()
                await automation.look_at(event)
                taken += 1
                if taken % _YIELD_EVERY == 0:
                    await asyncio.sleep(0)

    def attach_all(self) -> None:
        """Give every automated connection of the hub its automation."""
        for client in self.hub.clients.values():
            self.attach(client)

    def attach(self, client: WsClient) -> None:
        """(Re)build ``client``'s automation from its settings; used at the next ``start``."""
        if client.settings.automated:
            automation = ConnectionAutomation(self, client)
            self.connections[client.name] = automation
            client.automation = automation
        else:
            self.connections.pop(client.name, None)
            client.automation = None

    def detach(self, name: str) -> None:
        """Forget a deleted connection's automation."""
        automation = self.connections.pop(name, None)
        if automation is not None and automation.client.automation is automation:
            automation.client.automation = None

    # -- pausing --------------------------------------------------------------------------

    def set_paused(self, paused: bool) -> None:
        """Pause (or resume) all automation: nothing is sent, no rule looks at messages."""
        self.paused = paused
        for automation in self.connections.values():
            automation.sync_pause()

    def toggle_connection(self, name: str) -> bool | None:
        """Pause or resume ``name``'s automation; its new ``paused``, None without any."""
        automation = self.connections.get(name)
        if automation is None:
            return None
        automation.paused = not automation.paused
        automation.sync_pause()
        return automation.paused

    # -- macros ---------------------------------------------------------------------------

    def start_macro(self, connection: str, name: str) -> MacroRun:
        """Run macro ``name`` of ``connection`` in a task of its own.

        Raises:
            KeyError: no such connection or macro.
        """
        automation = self.connections[connection]
        steps = automation.macros[name].steps
        run = MacroRun(connection, name, list(steps))
        run.task = asyncio.ensure_future(automation.run_macro(run))
        ended = [r for r in self.runs if not r.running][-20:]
        self.runs = [*ended, *(r for r in self.runs if r.running), run]
        key = (connection, name)
        self.run_counts[key] = self.run_counts.get(key, 0) + 1
        return run

    def macro_runs(self, connection: str, name: str) -> MacroRun | None:
        """The latest run of a macro, if any."""
        for run in reversed(self.runs):
            if run.connection == connection and run.name == name:
                return run
        return None

    # -- events and status ----------------------------------------------------------------

    async def report(self, connection: str, message: str) -> None:
        """An ``error`` event of kind ``automation`` on ``connection``."""
        client = self.hub.clients.get(connection)
        if client is not None:
            client.stats.errors += 1
            client.stats.last_error = message
        await self.emit(ErrorEvent(connection, time.time(), kind="automation", message=message))

    async def emit(self, event: Event) -> None:
        """Put ``event`` on the hub's bus (waiting while it is full)."""
        bus = self.hub.bus
        if not bus.offer(event):
            await bus.put(event)

    def report_soon(self, connection: str, message: str) -> None:
        """:meth:`report` from code that cannot wait."""
        task = asyncio.ensure_future(self.report(connection, message))
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    def statuses(self) -> list[Status]:
        """Every schedule, rule and macro with its state, counts and last run."""
        found: list[Status] = []
        for automation in self.connections.values():
            found.extend(automation.statuses())
            for name, macro in automation.macros.items():
                run = self.macro_runs(automation.name, name)
                count = self.run_counts.get((automation.name, name), 0)
                if run is None:
                    detail = f"{len(macro.steps)} steps"
                    found.append(Status(automation.name, "macro", name, "idle", 0, None, detail))
                    continue
                state = "paused" if run.running and not automation.active else run.state
                found.append(
                    Status(
                        automation.name, "macro", name, state, count, run.started, run.progress()
                    )
                )
        return found
