"""Nothing lost: floods through ``tail --record`` and the dashboard's recording.

10 connections each receive 20 000 sequence-numbered messages from the demo server's
``/flood`` in two sessions of 10 000: the server closes with 1000 after each flood and the
connection reconnects once (``max_attempts = 1``). Every message must be in the
recording exactly once, events in ``seq`` order, each session's payload numbers 1..10 000
without a gap. The demo server runs in a process of its own, so it does not share the
event loop (or the core) with the client under test.
"""

from __future__ import annotations

import asyncio
import stat
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button

from settings import WsdeckSettings
from tests.conftest import demo_server_process
from tests.hardening.conftest import connection, wait_until
from tui.app import WsdeckApp
from tui.core.events import Event, ReceiveEvent, StartEvent, StopEvent, decode_line, encode_line
from tui.core.recorder import Recorder
from tui.core.ring import EventRing
from tui.demo_server import DemoServer
from tui.screens.confirm import ConfirmScreen

CONNECTIONS = 10
PER_SESSION = 10_000
SESSIONS = 2
TOTAL = CONNECTIONS * PER_SESSION * SESSIONS  # 200 000
ONCE_MORE = {
    "enabled": True,
    "initial_delay": 0.05,
    "max_delay": 0.05,
    "jitter": 0.0,
    "max_attempts": 1,  # one reconnect after the first flood's close, then stop
    "reset_after": 3600.0,
}


@pytest.fixture
def demo_process() -> Iterator[str]:
    """``ws://127.0.0.1:PORT`` of the demo server in its own process."""
    with demo_server_process() as url:
        yield url


def _flood_toml(base: str, record: Path) -> str:
    lines = []
    for index in range(CONNECTIONS):
        lines += [
            "[[connections]]",
            f'name = "flood{index}"',
            f'url = "{base}/flood?count={PER_SESSION}&size=24&binary={index % 2}"',
            'proxy = "none"',
            'compression = "none"',
            "close_timeout = 2.0",
            "reconnect = { "
            + ", ".join(f"{k} = {str(v).lower()}" for k, v in ONCE_MORE.items())
            + " }",
        ]
    lines += ["[recording]", f'path = "{record}"']
    return "\n".join(lines) + "\n"


def _payload_seq(data: str | bytes) -> int:
    return int.from_bytes(data[:8], "big") if isinstance(data, bytes) else int(data[:8])


def check_complete(events: list[Event]) -> None:
    """Every flood message exactly once, in order, per connection and per session."""
    seqs = [event.seq for event in events]
    assert seqs == list(range(1, len(events) + 1)), "seq must be 1, 2, 3, … without a gap"
    sessions: dict[str, list[list[int]]] = defaultdict(list)
    stops: dict[str, list[StopEvent]] = defaultdict(list)
    for event in events:
        if isinstance(event, StartEvent):
            sessions[event.connection].append([])
        elif isinstance(event, ReceiveEvent):
            sessions[event.connection][-1].append(_payload_seq(event.data))
            assert event.size == 24
        elif isinstance(event, StopEvent):
            stops[event.connection].append(event)
    assert sorted(sessions) == [f"flood{i}" for i in range(CONNECTIONS)]
    expected = list(range(1, PER_SESSION + 1))
    for name, runs in sessions.items():
        assert len(runs) == SESSIONS, (name, len(runs))
        for run in runs:
            assert run == expected, f"{name}: payloads missing, repeated or out of order"
        assert [(s.code, s.by) for s in stops[name]] == [(1000, "server")] * SESSIONS
    assert sum(isinstance(e, ReceiveEvent) for e in events) == TOTAL


@pytest.mark.soak
async def test_tail_records_200k_messages_across_reconnects(
    demo_process: str, tmp_path: Path
) -> None:
    record = tmp_path / "tail.jsonl"
    config = tmp_path / "wsdeck.toml"
    config.write_text(_flood_toml(demo_process, record))
    stdout_path = tmp_path / "stdout.jsonl"
    names = [f"flood{i}" for i in range(CONNECTIONS)]
    with stdout_path.open("wb") as stdout:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tui",
            "tail",
            *names,
            "--config",
            str(config),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=stdout,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(90):
                _, err = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, err.decode()
    recorded_text = record.read_text()
    recorded = [decode_line(line) for line in recorded_text.splitlines()]
    check_complete(recorded)
    # stdout carries the same events: tail ended only once every connection had stopped.
    assert stdout_path.read_text() == recorded_text


@pytest.mark.soak
async def test_dashboard_records_200k_messages_across_reconnects(
    demo_process: str, tmp_path: Path
) -> None:
    record = tmp_path / "app.jsonl"
    conns = [
        connection(
            f"flood{i}",
            f"{demo_process}/flood?count={PER_SESSION}&size=24&binary={i % 2}",
            auto_start=True,
            compression="none",
            close_timeout=2.0,
            reconnect=ONCE_MORE,
        )
        for i in range(CONNECTIONS)
    ]
    settings = WsdeckSettings(connections=conns, recording={"path": record}, _env_file=None)
    app = WsdeckApp(settings, config_path=None)
    async with app.run_test(size=(120, 40)) as pilot:
        clients = app.hub.clients.values()
        await wait_until(
            pilot,
            lambda: app.ring.total >= TOTAL and all(c.idle for c in clients),
            timeout=90,
        )
        await wait_until(pilot, lambda: app.hub.bus.pending == 0)
        seen = app.ring.total
        await app._quit()
    recorded = [decode_line(line) for line in record.read_text().splitlines()]
    check_complete(recorded)
    assert len(recorded) == seen


class WatchedRing(EventRing):
    """The App's ring, keeping every event the App ever put into it (the ring drops old ones)."""

    def __init__(self, max_events: int) -> None:
        super().__init__(max_events)
        self.seen: list[Event] = []

    def extend(self, events: Sequence[Event]) -> None:
        self.seen.extend(events)
        super().extend(events)


async def test_quitting_during_a_flood_flushes_the_recording(
    demo_process: str, tmp_path: Path
) -> None:
    record = tmp_path / "quit.jsonl"
    conns = [
        connection(
            f"flood{i}",
            f"{demo_process}/flood?count=10000000&size=32&binary={i % 2}",
            auto_start=True,
            compression="none",
        )
        for i in range(3)
    ]
    settings = WsdeckSettings(connections=conns, recording={"path": record}, _env_file=None)
    app = WsdeckApp(settings, config_path=None)
    app.ring = ring = WatchedRing(app.ring.max_events)
    seen = ring.seen
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(seen) >= 30_000, timeout=30)
        # The ctrl+q path (action, confirmation, yes), without Pilot's key presses, which
        # wait for an idle app and so take seconds while the flood runs.
        await app.run_action("request_quit")
        await wait_until(
            pilot, lambda: isinstance(app.screen, ConfirmScreen) and bool(app.screen.query(Button))
        )
        await app.screen.run_action("answer(True)")
        await wait_until(pilot, lambda: not app.is_running, timeout=10)
    lines = record.read_text().splitlines()
    # Hundreds of thousands of lines: read the seq from the fixed prefix '{"seq":N,'
    # (every line is compared with encode_line of the event the App saw, just below).
    seqs = [int(line[7 : line.index(",")]) for line in lines]
    assert seqs == list(range(1, len(lines) + 1)), "a gap in seq"
    missing = [e.seq for e in seen if e.seq > len(lines)]
    assert not missing, f"{len(missing)} events shown but not recorded, first {missing[:5]}"
    assert all(lines[e.seq - 1] == encode_line(e) for e in seen)
    # The connections' last word, their stop events (1001 from us), is recorded too.
    stops = [decode_line(line) for line in lines if '"event":"stop"' in line]
    final = {e.connection: e for e in stops if isinstance(e, StopEvent)}
    assert sorted(final) == ["flood0", "flood1", "flood2"], final
    assert all((e.code, e.by) == (1001, "client") for e in final.values()), final


async def test_hub_shutdown_returns_once_every_stop_event_is_out(
    demo: DemoServer, hub_runner: Any
) -> None:
    conns = [connection(f"c{i}", demo.endpoint("/ticker?rate=100")) for i in range(3)]
    hub, events = hub_runner(*conns)
    for conn in conns:
        hub.start(conn.name)
    await events.count("start", 3)
    await hub.shutdown(timeout=2.0)
    # No waiting here: whoever closes its recording right after shutdown() has them all.
    events.events.extend(hub.bus.take())
    stops = events.of("stop")
    assert sorted(s.connection for s in stops) == ["c0", "c1", "c2"]
    assert all((s.code, s.by) == (1001, "client") for s in stops)
    assert all(client.idle for client in hub.clients.values())


def test_recorder_keeps_events_written_after_close(tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    recorder = Recorder(path, flush_interval=0.0)
    recorder.write([StartEvent("c", 1.0, 1, url="ws://127.0.0.1:9/")])
    recorder.close()
    recorder.tick()  # a periodic flush after close is a no-op, not an error
    recorder.write([])
    recorder.write([StopEvent("c", 2.0, 2, code=1001, by="client")])
    recorder.close()
    assert [e.seq for e in map(decode_line, path.read_text().splitlines())] == [1, 2]
    assert recorder.written == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
