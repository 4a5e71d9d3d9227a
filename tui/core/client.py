"""One WebSocket client per named connection: the Incari Start/Stop/Send nodes and their events.

``start()`` and ``stop()`` are requests (like Incari's Client Start and Client Stop): they
return at once and the long-lived :meth:`WsClient.run` task, owned by a worker, carries them
out. Only the ``start`` and ``stop`` events move the state to ``open`` and ``stopped``.

We run our own reconnect loop around ``await connect(...)`` instead of
``async for ws in connect(...)``: the settings' policy (jitter, ceiling, attempt budget,
reset after a stable connection), an ``error`` event for every failed attempt, an
observable countdown and a Stop that interrupts the wait all need the loop in our hands.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from websockets.exceptions import ConnectionClosed, PayloadTooBig

from settings import Connection, Message
from settings.redaction import Redactor
from tui.core.backoff import Backoff
from tui.core.errors import ConfigProblem, Failure, KeepaliveTimeout, classify, describe_close
from tui.core.events import (
    ErrorEvent,
    ErrorKind,
    Event,
    PongEvent,
    ReceiveEvent,
    RuleSendEvent,
    SendEvent,
    StartEvent,
    StopBy,
    StopEvent,
    payload_size,
)
from tui.core.options import ConnectOptions, build_options

if TYPE_CHECKING:  # websockets' client (~35 ms with urllib) loads with the first connect
    from tui.core.wire import Connector, WireConnection

# Let other tasks run after this many messages read in a row (a power of two, minus one).
_YIELD_MASK = 255

# The longest exception text kept in an ``internal`` error message.
_INTERNAL_TEXT = 160

# Seconds a shutdown still waits for the stop event of a connection whose peer did not
# answer the close frame in time.
_STOP_GRACE = 0.2

# Close codes that end a connection without anything having gone wrong. RFC 6455
# §7.1.5: 1005 is what a close frame without a status code is reported as (node ws,
# websocat and many servers close that way); 1006 (no close frame at all) is abnormal.
_NORMAL_CLOSE_CODES = frozenset({1000, 1001, 1005})

CLOSE_REASON_LIMIT = 123
"""Bytes of UTF-8 a close reason may take (RFC 6455 §5.5: 125-byte control frame payload)."""


def close_problem(code: int, reason: str) -> str | None:
    """Why Stop may not close with ``code`` and ``reason``; ``None`` when it may.

    A client may send 1000 (normal closure) or an application's own 3000-4999 (RFC 6455
    §7.4.2); the other codes are reserved for the protocol or the server.
    """
    if code != 1000 and not 3000 <= code <= 4999:
        return f"close code {code} is not allowed: use 1000 (normal) or 3000-4999 (application)"
    try:
        size = len(reason.encode("utf-8"))
    except UnicodeEncodeError:
        return "the reason is not valid text"
    if size > CLOSE_REASON_LIMIT:
        return f"the reason is {size} bytes of UTF-8; at most {CLOSE_REASON_LIMIT} fit"
    return None


def is_error_close(code: int | None, failure_codes: Collection[int] = ()) -> bool:
    """Whether a close code reports a failure: not 1000/1001/1005, and not an application's
    own code (3000-4999, whose meaning only the application knows) unless it is one of
    ``failure_codes`` (the connection's ``failure_close_codes``)."""
    if code is None:
        return True
    if code >= 3000:
        return code in failure_codes
    return code not in _NORMAL_CLOSE_CODES


class State(StrEnum):
    """Where a connection is in ``stopped → connecting → open → closing → stopped``."""

    STOPPED = "stopped"
    CONNECTING = "connecting"
    OPEN = "open"
    CLOSING = "closing"
    RECONNECTING = "reconnecting"


class EventSink(Protocol):
    """Where a client puts its events (the hub's :class:`~tui.core.bus.EventBus`)."""

    @property
    def full(self) -> bool: ...

    def offer(self, event: Event) -> bool: ...

    async def put(self, event: Event) -> None: ...


class Automation(Protocol):
    """A connection's automation (:mod:`tui.core.automation`), driven by its client."""

    def opened(self, sink: EventSink) -> EventSink:
        """The connection is open: start; received events go to the sink returned (which
        passes them on to ``sink``)."""
        ...

    async def closed(self) -> None:
        """The connection closed: stop everything started by :meth:`opened`."""
        ...


@dataclass(slots=True)
class Stats:
    """Per-connection counters, read by the dashboard and ``tail``."""

    msgs_in: int = 0
    bytes_in: int = 0
    msgs_out: int = 0
    bytes_out: int = 0
    reconnects: int = 0
    errors: int = 0
    last_error: str | None = None
    last_activity: float | None = None


@dataclass(slots=True)
class _Closed:
    code: int | None
    reason: str
    by: StopBy
    failed: bool = False


class WsClient:
    """Runs one connection; all methods must be called from the event loop that runs it."""

    def __init__(
        self,
        settings: Connection,
        sink: EventSink,
        *,
        env: Mapping[str, str] | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.name = settings.name
        self.stats = Stats()
        self.state = State.STOPPED
        self.failed = False
        self.crashed = False  # the task running this client ended unexpectedly (see run)
        self.attempt = 0
        self.reconnect_at: float | None = None
        self._sink = sink
        self._env = env
        self._rng = rng
        self._ws: WireConnection | None = None
        self._final_url: str | None = None  # where the open connection went after redirects
        self._secrets: list[str] = []
        # None while the connection has no secret worth hiding: its messages skip redaction.
        self._redact: Redactor | None = None
        self._start_requested = asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._idle = asyncio.Event()  # set while stopped with no Start pending
        self._idle.set()
        self._restart = False
        self._close_code, self._close_reason = 1000, ""
        self._pending_puts: set[asyncio.Future[None]] = set()
        self._latency: float | None = None
        self._keepalive_latency = 0.0  # the keepalive's last measure, already taken in
        self._last_failure: Failure | None = None
        self._unanswered_close: float | None = None  # seconds a shutdown waited in vain
        # Set by tui.core.automation for a connection with schedules, rules or macros;
        # None (the rest) costs nothing per message.
        self.automation: Automation | None = None

    # -- requests (Incari command nodes) ---------------------------------------------------

    def start(self) -> bool:
        """Client Start: ask to connect. Returns False when not stopped."""
        if self.state is not State.STOPPED or self._start_requested.is_set():
            return False
        self.failed = False
        self.crashed = False
        self.state = State.CONNECTING
        self._unanswered_close = None
        self._stop_requested.clear()
        self._idle.clear()
        self._start_requested.set()
        return True

    def stop(self, code: int = 1000, reason: str = "") -> bool:
        """Client Stop: ask to close with ``code`` and ``reason``; never reconnects.

        Returns False when already stopped or closing.

        Raises:
            ValueError: the code or reason may not be sent (see :func:`close_problem`).
        """
        problem = close_problem(code, reason)
        if problem is not None:
            raise ValueError(problem)
        self._restart = False
        if self.state in (State.STOPPED, State.CLOSING):
            return False
        self._close_code, self._close_reason = code, reason
        if self.state is State.OPEN:
            self.state = State.CLOSING
        self._stop_requested.set()
        return True

    def restart(self) -> None:
        """Stop (if running) and start again once the ``stop`` event has happened."""
        if self.state is State.STOPPED and not self._start_requested.is_set():
            self.start()
            return
        self.stop()
        self._restart = True

    async def send(self, message: str | bytes, rule: str | None = None) -> bool:
        """Client Send: send a text or binary message; an ``error`` event when not open.

        ``rule`` names the automation that sends it (recorded in its ``send`` event).
        """
        ws = self._ws
        if ws is None or self.state is not State.OPEN:
            await self.refuse_send()
            return False
        size = payload_size(message)
        ws.allowance = size
        try:
            await ws.send(message)
        except ConnectionClosed as exc:
            await self._error("send", f"not sent: the connection closed ({exc})")
            return False
        except (TypeError, ValueError) as exc:
            await self._error("send", f"not sent: {exc}")
            return False
        finally:
            ws.allowance = 0
        stats = self.stats
        stats.msgs_out += 1
        stats.bytes_out += size
        ts = time.time()
        stats.last_activity = ts
        if self._redact is not None:
            message = self._redact(message)
        if rule is None:
            await self._emit(SendEvent(self.name, ts, data=message, size=size))
        else:
            await self._emit(RuleSendEvent(self.name, ts, data=message, size=size, rule=rule))
        return True

    async def ping(self) -> float | None:
        """A manual ping: a ``pong`` event with the round trip in seconds (also returned).

        An ``error`` event instead when the connection is not open (kind ``send``) or no
        pong comes within ``ping_timeout`` (kind ``timeout``; the connection stays open).
        """
        ws = self._ws
        if ws is None or self.state is not State.OPEN:
            await self._error("send", f"not pinged: {self.name} is {self.state.value}, not open")
            return None
        timeout = self.settings.ping_timeout
        try:
            pong = await ws.ping()
            async with asyncio.timeout(timeout):
                rtt = await pong
        except TimeoutError:
            await self._error("timeout", f"no pong within ping_timeout ({timeout:g} s)")
            return None
        except ConnectionClosed as exc:
            await self._error("send", f"not pinged: the connection closed ({exc})")
            return None
        self._latency = rtt
        await self._emit(PongEvent(self.name, time.time(), rtt=rtt))
        return rtt

    async def refuse_send(self) -> None:
        """The ``error`` event of a Send tried while the connection is not open."""
        await self._error("send", f"not sent: {self.name} is {self.state.value}, not open")

    # -- observation -----------------------------------------------------------------------

    @property
    def idle(self) -> bool:
        """Stopped with no Start pending: nothing will happen until the next Start."""
        return self.state is State.STOPPED and not self._start_requested.is_set()

    @property
    def url(self) -> str:
        """The URL to show: where the connection is open (after any redirects), else the
        configured one, without credentials."""
        return self._final_url or self.settings.display_url

    @property
    def latency(self) -> float | None:
        """Round trip of the last ping, keepalive or manual, in seconds (None before the first)."""
        if self._ws is not None:
            self._take_keepalive_latency(self._ws)
        return self._latency

    def _take_keepalive_latency(self, ws: WireConnection) -> None:
        # Only a new measure replaces the last one: a manual ping since keeps its own.
        if ws.latency and ws.latency != self._keepalive_latency:
            self._keepalive_latency = self._latency = ws.latency

    def reconnect_in(self, now: float | None = None) -> float | None:
        """Seconds left before the next attempt while ``reconnecting`` (for a countdown)."""
        if self.state is not State.RECONNECTING or self.reconnect_at is None:
            return None
        return max(0.0, self.reconnect_at - (time.monotonic() if now is None else now))

    # -- the worker's task -----------------------------------------------------------------

    async def run(self, crashed: BaseException | None = None) -> None:
        """Serve Start requests until cancelled (app shutdown). Never raises otherwise.

        An owner whose task running this ended unexpectedly runs it again with the cause
        as ``crashed``: the client is reset to ``stopped`` (shown as crashed until the next
        Start) and an ``internal`` error event records what happened.
        """
        if crashed is not None:
            await self._recover(crashed)
        try:
            while True:
                await self._start_requested.wait()
                self._start_requested.clear()
                try:
                    await self._session()
                except Exception as exc:  # a bug must not kill the worker silently
                    await self._error("internal", _internal_message(exc))
                    self.failed = True
                finally:
                    self.reconnect_at = None
                    if not self._start_requested.is_set():
                        self.state = State.STOPPED
                if self._restart:
                    self._restart = False
                    self.start()
                elif self.idle:
                    self._idle.set()
        finally:
            await self._abort()

    async def stop_and_wait(self, timeout: float = 2.0) -> None:
        """Client Stop (code 1000), then wait (at most ``timeout`` s) until the stop event is out.

        For an owner about to cancel this client's task: cancelling an open connection
        would close it with 1011 and lose its ``stop`` event.
        """
        self.stop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()

    async def shutdown(self, timeout: float = 2.0) -> None:
        """Close an open connection with 1001 (going away) before the app exits.

        Waits (at most ``timeout`` seconds in all) until the ``stop`` event is out, so an
        owner that closes its recording right after this records the last events too.
        """
        ws = self._ws
        self._restart = False
        self._stop_requested.set()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(timeout):
                if ws is not None:
                    await ws.close(1001, "client shutting down")
                await self._idle.wait()
        ws = self._ws
        if ws is not None and not self._idle.is_set():
            # The peer has not finished the closing handshake in time: drop the TCP
            # connection and give the session a moment to emit its stop event, which an
            # owner cancelling the task right after this would otherwise lose.
            self._unanswered_close = timeout
            ws.transport.abort()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_STOP_GRACE):
                    await self._idle.wait()

    async def _abort(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.transport.abort()

    async def _session(self) -> None:
        backoff = Backoff(self.settings.reconnect, self._rng)
        attempt = 0
        while True:
            attempt += 1
            self.attempt = attempt
            if attempt > 1:
                self.stats.reconnects += 1
            self.state = State.CONNECTING
            try:
                delay = await self._attempt(attempt, backoff)
            except Exception as exc:  # a bug costs one attempt, not the connection for good
                delay = await self._after_internal_error(exc, backoff)
            if delay is None:
                return
            if not await self._wait_reconnect(delay):
                await self._stopped(None, "reconnect cancelled", "client")
                return

    async def _attempt(self, attempt: int, backoff: Backoff) -> float | None:
        """Connect, serve until closed; the delay before the next attempt, or ``None`` once
        the session is over (its ``stop`` event is out)."""
        ws = await self._open(attempt)
        if ws is None and self._stop_requested.is_set():
            await self._stopped(None, "stopped before the connection opened", "client")
            return None
        if ws is None:
            failure = self._last_failure
            retry = failure is not None and (
                failure.transient
                or (failure.kind != "config" and self.settings.reconnect.retry_config_failures)
            )
            delay = backoff.next_delay() if retry else None
            if delay is None:
                self.failed = True
                by = failure.by if failure is not None else "network"
                await self._stopped(None, "connection failed", by)
            return delay
        opened = time.monotonic()
        closed = await self._serve(ws, attempt)
        if closed.by == "client" and self._stop_requested.is_set():
            await self._stopped(closed.code, closed.reason, "client")
            return None
        if time.monotonic() - opened >= self.settings.reconnect.reset_after:
            backoff.reset()
        delay = backoff.next_delay()
        if delay is None:
            # Same rule as the error event of _close_info: a server that ends with
            # an application code (4001 "bye") has not failed.
            self.failed = closed.failed
            await self._stopped(closed.code, closed.reason, closed.by)
            return None
        await self._stopped(closed.code, closed.reason, closed.by, State.RECONNECTING)
        return delay

    async def _after_internal_error(self, exc: Exception, backoff: Backoff) -> float | None:
        """An ``internal`` error event, then what the reconnect policy says (like a lost
        connection: a ``stop`` event if it was open, and the next delay)."""
        was_open = self.state in (State.OPEN, State.CLOSING)
        await self._error("internal", _internal_message(exc))
        if self._stop_requested.is_set():
            await self._stopped(None, "stopped after an internal error", "client")
            return None
        delay = backoff.next_delay()
        if delay is None:
            self.failed = True
            await self._stopped(None, "internal error", "client")
            return None
        if was_open:
            await self._stopped(None, "internal error", "client", State.RECONNECTING)
        return delay

    async def _recover(self, cause: BaseException) -> None:
        """Start over as ``stopped`` after the task running this client died."""
        self.state = State.STOPPED
        self.failed = self.crashed = True
        self.reconnect_at = None
        self._restart = False
        self._start_requested.clear()
        self._stop_requested.clear()
        self._idle.set()
        await self._abort()
        reason = _internal_message(cause)
        await self._error("internal", f"connection task ended: {reason}; Start starts it again")

    async def _open(self, attempt: int) -> WireConnection | None:
        """One connection attempt, abandoned at once when Stop is requested."""
        from tui.core.wire import Connector

        settings = self.settings
        try:
            options = build_options(settings, self._env or {})
        except ConfigProblem as exc:
            await self._failure(Failure("config", str(exc), transient=False, by="client"))
            return None
        self._secrets = options.secrets
        self._redact = Redactor(options.secrets) or None
        self._final_url = None
        connector = Connector(
            options.url, follow_redirects=settings.follow_redirects, **options.kwargs
        )
        attempt_task = asyncio.ensure_future(_connect(connector))
        stop_task = asyncio.ensure_future(self._stop_requested.wait())
        try:
            await asyncio.wait({attempt_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_task.cancel()
        if not attempt_task.done():
            await _reap(attempt_task)
        if options.tls_trace is not None:
            options.tls_trace.stop()
        if not attempt_task.done() or attempt_task.cancelled():
            return None
        failure = attempt_task.exception()
        if failure is not None:
            if not self._stop_requested.is_set():
                await self._failure(self._classify_attempt(failure, connector, options))
            return None
        self._final_url = connector.final_url
        return attempt_task.result()

    def _classify_attempt(
        self, exc: BaseException, connector: Connector, options: ConnectOptions
    ) -> Failure:
        settings = self.settings
        return classify(
            connector.cause(exc),
            url=settings.display_url,
            open_timeout=settings.open_timeout,
            secrets=self._secrets,
            subprotocols=settings.subprotocols,
            chosen_subprotocol=connector.chosen_subprotocol,
            tls_trace=options.tls_trace,
            client_cert=settings.tls.client_cert is not None,
            proxy=connector.proxy_in_use,
        )

    async def _serve(self, ws: WireConnection, attempt: int) -> _Closed:
        """Announce ``start``, send ``on_start_send``, then read until the connection closes."""
        self._ws = ws
        self.state = State.OPEN
        await self._emit(
            StartEvent(
                self.name,
                time.time(),
                url=self.url,
                subprotocol=ws.subprotocol,
                attempt=attempt,
                verified=self.settings.tls_verified,
            )
        )
        # Failures detected by the protocol are reported as they happen; one that came in
        # with the handshake's bytes (before this point) is reported now.
        ws.on_failure = self._wire_failure
        if ws.failure is not None:
            self._wire_failure(ws.failure)
        closer = asyncio.ensure_future(self._close_when_stopped(ws))
        automation: Automation | None = None
        try:
            for message in self.settings.on_start_send:
                if self._stop_requested.is_set() or not await self.send(_message_data(message)):
                    break
            sink = self._sink
            if self.automation is not None:  # schedules start after on_start_send
                automation = self.automation
                sink = automation.opened(sink)
            await self._read(ws, sink)
        except Exception:
            ws.transport.abort()  # after a bug, nothing more is read from or sent on it
            raise
        finally:
            if automation is not None:
                await automation.closed()
            await _reap(closer)
            ws.on_failure = None
            self._take_keepalive_latency(ws)
            self._ws = None
        return await self._close_info(ws)

    def _wire_failure(self, exc: BaseException) -> None:
        """A failure the protocol just detected: the ``error`` event goes out now, and the
        connection shows ``closing`` while websockets finishes the closing handshake."""
        if isinstance(exc, PayloadTooBig):
            limit = self.settings.max_message_size
            message = f"incoming message over max_message_size ({limit} bytes): {exc}"
            failure = Failure("too_big", message, transient=True, by="client")
        else:
            failure = classify(exc)
        if self.state is State.OPEN:
            self.state = State.CLOSING
        self._last_failure = failure
        self.stats.errors += 1
        message = self._redact(failure.message) if self._redact else failure.message
        self.stats.last_error = message
        event = ErrorEvent(self.name, time.time(), kind=failure.kind, message=message)
        if not self._sink.offer(event):  # called from the protocol: no await here
            task = asyncio.ensure_future(self._sink.put(event))
            self._pending_puts.add(task)
            task.add_done_callback(self._pending_puts.discard)

    async def _read(self, ws: WireConnection, sink: EventSink) -> None:
        # asyncio reads up to 256 KiB per callback and websockets parses all of it before
        # anything else runs: ~4 000 small frames, 50-100 ms in which the UI cannot draw.
        # 64 KiB reads bound that stall (~1 000 frames) at no measurable cost in throughput.
        with contextlib.suppress(AttributeError):  # not every transport has the knob
            ws.transport.max_size = 64 * 1024  # type: ignore[attr-defined]
        name = self.name
        stats = self.stats
        offer = sink.offer
        put = sink.put
        clock = time.time
        recv = ws.recv  # not `async for`: one async-generator step less per message
        redact = self._redact
        redact_text = redact.text if redact is not None else None
        redact_binary = redact.binary if redact is not None else None
        holding = False  # this task waits for room on the sink for an event it holds

        def take(raw: bytes | bytearray | memoryview, text: bool) -> bool:
            # Whole messages as they are read (see WireConnection.data_received); False
            # leaves the frame to recv() below: while the sink is full, or this task
            # holds an event (order), or the text is not valid UTF-8 (recv() fails the
            # connection for it, as websockets does).
            if holding or sink.full:
                return False
            payload = raw if type(raw) is bytes else bytes(raw)  # a bytearray from the parser
            size = len(payload)  # the wire's bytes: UTF-8 for text
            data: str | bytes = payload
            if text:
                try:
                    data = payload.decode()
                except UnicodeDecodeError:
                    return False
                if redact_text is not None:
                    data = redact_text(data)
            elif redact_binary is not None:
                data = redact_binary(payload)
            ts = clock()
            stats.msgs_in += 1
            stats.bytes_in += size
            stats.last_activity = ts
            offer(ReceiveEvent(name, ts, 0, data, size))
            return True

        ws.take_message = take
        try:
            while True:
                data = await recv()
                ts = clock()
                # payload_size inlined: this runs for every message received. Secrets
                # are hidden after it: the size is what the wire carried.
                if isinstance(data, str):
                    size = len(data) if data.isascii() else len(data.encode())
                    if redact_text is not None:
                        data = redact_text(data)
                else:
                    size = len(data)
                    if redact_binary is not None:
                        data = redact_binary(data)
                stats.msgs_in += 1
                stats.bytes_in += size
                stats.last_activity = ts
                event = ReceiveEvent(name, ts, 0, data, size)
                if not offer(event):
                    holding = True
                    try:
                        await put(event)
                    finally:
                        holding = False
                elif stats.msgs_in & _YIELD_MASK == 0:
                    # Buffered frames are read without suspending; yield now and then so
                    # the UI (keys, repaints) gets the loop during a flood.
                    await asyncio.sleep(0)
        except ConnectionClosed:
            pass  # how it closed is read from the protocol state in _close_info
        finally:
            ws.take_message = None

    async def _close_when_stopped(self, ws: WireConnection) -> None:
        await self._stop_requested.wait()
        self.state = State.CLOSING
        await ws.close(self._close_code, self._close_reason)

    async def _close_info(self, ws: WireConnection) -> _Closed:
        """Who closed, with which code, and an ``error`` event when it was not normal.

        A failure the protocol detected was reported already (:meth:`_wire_failure`).
        """
        protocol = ws.protocol
        received, sent = protocol.close_rcvd, protocol.close_sent
        detected = ws.failure
        failure_codes = self.settings.failure_close_codes
        if self._stop_requested.is_set() and sent is not None and sent.code == self._close_code:
            # The operator's Stop: its code and reason, whatever the server answered.
            return _Closed(sent.code, sent.reason, "client")
        if received is not None and protocol.close_rcvd_then_sent:
            failed = is_error_close(received.code, failure_codes)
            if failed:
                detail = describe_close(received.code, received.reason)
                await self._failure(Failure("closed", f"server closed: {detail}", True, "server"))
            return _Closed(received.code, received.reason, "server", failed)
        if sent is not None and received is None:
            if isinstance(detected, KeepaliveTimeout):  # reported when the ping timed out
                return _Closed(sent.code, sent.reason, "network", True)
            if self._unanswered_close is not None:
                waited = self._unanswered_close
                message = f"no close frame from the server within {waited:g} s: connection dropped"
                await self._failure(Failure("timeout", message, True, "client"))
            elif detected is None:
                detail = describe_close(sent.code, sent.reason)
                await self._failure(Failure("closed", f"closed: {detail}", True, "client"))
            return _Closed(sent.code, sent.reason, "client", True)
        if sent is not None:
            # We closed first (after a failure we reported) and the server answered.
            return _Closed(sent.code, sent.reason, "client", detected is not None)
        if detected is not None:  # we dropped the connection (a peer that stopped reading)
            return _Closed(1006, "", "client", True)
        await self._failure(
            Failure("closed", "connection lost: no close frame (1006 abnormal closure)", True)
        )
        return _Closed(1006, "", "network", True)

    async def _wait_reconnect(self, delay: float) -> bool:
        """Wait out the backoff; False when Stop was requested meanwhile."""
        self.state = State.RECONNECTING
        self.reconnect_at = time.monotonic() + delay
        try:
            async with asyncio.timeout(delay):
                await self._stop_requested.wait()
        except TimeoutError:
            return True
        finally:
            self.reconnect_at = None
        return False

    # -- events ----------------------------------------------------------------------------

    async def _emit(self, event: Event) -> None:
        if not self._sink.offer(event):
            await self._sink.put(event)

    async def _stopped(
        self, code: int | None, reason: str, by: StopBy, state: State = State.STOPPED
    ) -> None:
        self.state = state
        if self._redact is not None:
            reason = self._redact(reason)
        await self._emit(StopEvent(self.name, time.time(), code=code, reason=reason, by=by))

    async def _failure(self, failure: Failure) -> None:
        self._last_failure = failure
        await self._error(failure.kind, failure.message)

    async def _error(self, kind: ErrorKind, message: str) -> None:
        if self._redact is not None:
            message = self._redact(message)
        self.stats.errors += 1
        self.stats.last_error = message
        await self._emit(ErrorEvent(self.name, time.time(), kind=kind, message=message))


def _internal_message(exc: BaseException) -> str:
    """A short, one-line account of an unexpected exception (a bug, not the network)."""
    text = " ".join(str(exc).split())
    if len(text) > _INTERNAL_TEXT:
        text = text[: _INTERNAL_TEXT - 1] + "…"
    return f"internal error: {type(exc).__name__}" + (f": {text}" if text else "")


def _message_data(message: Message) -> str | bytes:
    """The wire form of a settings message: text as is, hex/base64 decoded."""
    return message if isinstance(message, str) else message.data()


async def _connect(connector: Connector) -> WireConnection:
    from tui.core.wire import WireConnection

    connection = await connector
    assert isinstance(connection, WireConnection)  # Connector's create_connection
    return connection


async def _reap(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` and wait until it has ended, without swallowing our own cancellation.

    ``suppress(BaseException)`` around ``await task`` also ate a cancellation of the caller
    (app shutdown), which then went on waiting for a close the server never answers.
    """
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled():
        task.exception()  # retrieved: a failure of a task being reaped no longer matters
