"""Automation against real peers: the demo server's echo and ticker, and websocat.

Schedules fire on their grid only while open and start over after a reconnect; reply rules
answer with templates, forward to other connections, keep to their rate limit and suspend
themselves in an echo loop; the panic pause stops everything.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from settings import Connection
from tests.core.conftest import FAST_RECONNECT, Collector, connection
from tests.core.test_websocat import websocat_mirror
from tui.core.automation import Automation
from tui.core.events import RuleSendEvent, decode_line, encode_line
from tui.core.hub import Hub
from tui.demo_server import DemoServer


def automated(hub_runner: Any, *connections: Any) -> tuple[Hub, Collector, Automation]:
    hub, events = hub_runner(*connections)
    automation = Automation(hub)
    automation.attach_all()
    return hub, events, automation


def rule_sends(events: Collector, rule: str, name: str | None = None) -> list[RuleSendEvent]:
    return [e for e in events.of("send", name) if isinstance(e, RuleSendEvent) and e.rule == rule]


def automation_errors(events: Collector) -> list[str]:
    return [e.message for e in events.of("error") if e.kind == "automation"]


def rule_ticker(demo: DemoServer, rate: int, rule: dict[str, Any]) -> Connection:
    """The demo's ticker at ``rate`` messages a second, with one reply rule."""
    return connection("ticker", demo.endpoint(f"/ticker?rate={rate}"), on_receive=[rule])


def sink(demo: DemoServer) -> Connection:
    """An echo connection that rules forward to."""
    return connection("sink", demo.endpoint("/echo"))


async def test_schedule_fires_on_its_grid_with_bounded_drift(
    demo: DemoServer, hub_runner: Any
) -> None:
    interval = 0.1
    echo = connection(
        "echo",
        demo.endpoint("/echo"),
        every=[{"name": "beat", "interval": interval, "message": '{"op":"ping"}'}],
    )
    hub, events, _ = automated(hub_runner, echo)
    hub.start("echo")
    (start,) = await events.count("start", 1)
    await events.until(lambda: len(rule_sends(events, "beat")) >= 10)
    sends = rule_sends(events, "beat")[:10]
    # Each send is due at start + k * interval: the error of the 10th is that of the first
    # (no drift that adds up), and bounded by the loop's latency under load.
    for beat, send in enumerate(sends, 1):
        late = send.ts - (start.ts + beat * interval)
        assert -0.02 < late < 0.25, (beat, late)
    # The echoes come back as ordinary receive events.
    await events.until(lambda: len(events.of("receive")) >= 10)


async def test_schedule_runs_only_while_open_and_restarts_after_reconnect(
    demo: DemoServer, hub_runner: Any
) -> None:
    # /close closes at once after the start: a reconnect loop with fresh starts.
    target = demo.endpoint("/echo")
    echo = connection(
        "echo",
        target,
        reconnect=FAST_RECONNECT,
        every=[{"name": "beat", "interval": 0.15, "message": "tick"}],
    )
    hub, events, automation = automated(hub_runner, echo)
    hub.start("echo")
    await events.until(lambda: len(rule_sends(events, "beat")) >= 2)
    hub.stop("echo")
    await events.count("stop", 1)
    sent = len(rule_sends(events, "beat"))
    stopped = time.monotonic()
    # Stopped: nothing is due and nothing is sent.
    (status,) = [s for s in automation.statuses() if s.name == "beat"]
    assert status.state == "closed"
    assert status.next_due is None
    await asyncio.sleep(0.4)  # three intervals in which a schedule would have fired
    events.events.extend(hub.bus.take())
    assert len(rule_sends(events, "beat")) == sent
    assert not events.of("error"), events.of("error")
    # Started again: the schedule counts from the new start event.
    hub.start("echo")
    starts = await events.count("start", 2)
    await events.until(lambda: len(rule_sends(events, "beat")) > sent)
    first_after = rule_sends(events, "beat")[sent]
    assert first_after.ts - starts[1].ts == pytest.approx(0.15, abs=0.1)
    assert time.monotonic() - stopped > 0.4


async def test_schedule_resumes_on_its_new_grid_after_a_reconnect(hub_runner: Any) -> None:
    # A server that drops every connection after 0.35 s (1011): the client reconnects.
    async def short_lived(ws: ServerConnection) -> None:
        await asyncio.sleep(0.35)
        await ws.close(1011, "restarting")

    async with serve(short_lived, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        flaky = connection(
            "flaky",
            f"ws://127.0.0.1:{port}/",
            reconnect=FAST_RECONNECT,
            every=[{"name": "beat", "interval": 0.1, "message": "tick"}],
        )
        hub, events, _ = automated(hub_runner, flaky)
        hub.start("flaky")
        starts = await events.count("start", 3)
        await events.count("stop", 2)
        sends = rule_sends(events, "beat")
        # Every beat falls in an open period, on a grid counted from that period's start.
        for send in sends:
            opened = max(s.ts for s in starts if s.ts <= send.ts)
            offset = send.ts - opened
            assert offset == pytest.approx(round(offset / 0.1) * 0.1, abs=0.08), offset
            assert offset >= 0.08
        # The second period has its own beats: the schedule started over.
        assert any(starts[1].ts < s.ts < starts[2].ts for s in sends)
        assert not [e for e in events.of("error") if e.kind in ("send", "automation")]


async def _pong_echo(demo: DemoServer, hub_runner: Any) -> tuple[Hub, Collector]:
    """An open echo connection whose rule answers a ping with a pong built by jq."""
    echo = connection(
        "echo",
        demo.endpoint("/echo"),
        on_receive=[
            {
                "name": "pong",
                "match_jq": '.op == "ping"',
                "reply_jq": '{"op": "pong", "id": .id}',
            }
        ],
    )
    hub, events, _ = automated(hub_runner, echo)
    hub.start("echo")
    await events.count("start", 1)
    return hub, events


async def test_reply_rule_builds_its_reply_with_jq(demo: DemoServer, hub_runner: Any) -> None:
    hub, events = await _pong_echo(demo, hub_runner)
    assert await hub.send("echo", '{"op":"ping","id":7}')
    (reply,) = await _one(events, "pong")
    assert json.loads(reply.data) == {"op": "pong", "id": 7}
    # The pong comes back from the echo server; it does not match: no loop, one reply.
    await events.until(lambda: len(events.of("receive")) >= 2)
    assert len(rule_sends(events, "pong")) == 1
    # The JSON record names the rule, and reads back as the same event.
    record = json.loads(encode_line(reply))
    assert record["event"] == "send"
    assert record["rule"] == "pong"
    back = decode_line(encode_line(reply))
    assert isinstance(back, RuleSendEvent)
    assert back.rule == "pong"


async def test_a_reply_too_deep_to_encode_is_skipped_and_the_rules_go_on(
    demo: DemoServer, hub_runner: Any
) -> None:
    # A peer's ping whose id is thousands of levels deep: json.dumps of the reply raised
    # RecursionError, which ended the one rules task: no rule of any connection answered again.
    hub, events = await _pong_echo(demo, hub_runner)
    depth = 5000
    assert await hub.send("echo", '{"op":"ping","id":' + "[" * depth + "]" * depth + "}")
    await events.until(lambda: len(events.of("receive")) >= 1)
    assert await hub.send("echo", '{"op":"ping","id":7}')
    (reply,) = await _one(events, "pong")
    assert json.loads(reply.data) == {"op": "pong", "id": 7}


async def test_a_note_rule_marks_the_matching_message(demo: DemoServer, hub_runner: Any) -> None:
    ticker = rule_ticker(
        demo,
        100,
        {
            "name": "alarm",
            "match_jq": '.status == "alarm"',
            "note": "alarm from the ticker",
            "max_per_second": 100,
        },
    )
    hub, events, _ = automated(hub_runner, ticker)
    hub.start("ticker")
    await events.until(lambda: len(events.of("note")) >= 2, timeout=10)
    first, second = events.of("note")[:2]
    # Each note follows the message it marks, and names it by seq: every 50th message.
    by_seq = {e.seq: e for e in events.of("receive")}
    for note in (first, second):
        marked = by_seq[note.cause]
        assert json.loads(marked.data)["status"] == "alarm"
        assert note.seq > marked.seq
        assert (note.rule, note.text) == ("alarm", "alarm from the ticker")
    assert (
        json.loads(by_seq[second.cause].data)["seq"] - json.loads(by_seq[first.cause].data)["seq"]
        == 50
    )
    assert not events.of("send")
    record = encode_line(first)
    assert json.loads(record) == {
        "seq": first.seq,
        "ts": json.loads(record)["ts"],
        "connection": "ticker",
        "event": "note",
        "rule": "alarm",
        "text": "alarm from the ticker",
        "cause": first.cause,
    }
    assert encode_line(decode_line(record)) == record


async def _one(events: Collector, rule: str) -> list[RuleSendEvent]:
    await events.until(lambda: len(rule_sends(events, rule)) >= 1)
    return rule_sends(events, rule)


async def test_reply_rule_forwards_to_another_connection(demo: DemoServer, hub_runner: Any) -> None:
    ticker = rule_ticker(
        demo,
        50,
        {
            "name": "forward",
            "match": '"status"',
            "reply_jq": '"seq " + (.seq | tostring)',
            "to": "sink",
            "max_per_second": 1000,
        },
    )
    hub, events, _ = automated(hub_runner, ticker, sink(demo))
    hub.start("sink")
    await events.count("start", 1)
    hub.start("ticker")
    await events.until(lambda: len(rule_sends(events, "forward", "sink")) >= 3)
    first = rule_sends(events, "forward", "sink")[0]
    assert first.data.startswith("seq ")
    # What was forwarded arrives back on the sink (an echo server), not on the ticker.
    await events.until(lambda: any(e.data == first.data for e in events.of("receive", "sink")))
    assert not rule_sends(events, "forward", "ticker")


async def test_forwarding_to_a_closed_connection_is_an_error_naming_the_rule(
    demo: DemoServer, hub_runner: Any
) -> None:
    ticker = rule_ticker(demo, 20, {"name": "forward", "match": "seq", "send": "x", "to": "sink"})
    hub, events, _ = automated(hub_runner, ticker, sink(demo))
    hub.start("ticker")
    await events.until(lambda: bool(automation_errors(events)))
    assert automation_errors(events)[0] == "forward: not sent, sink is stopped"
    assert events.of("error")[0].connection == "ticker"


async def test_rate_limit_skips_and_says_so_once(demo: DemoServer, hub_runner: Any) -> None:
    ticker = rule_ticker(
        demo, 200, {"name": "ack", "match": "seq", "send": "ack", "max_per_second": 2}
    )
    hub, events, automation = automated(hub_runner, ticker)
    hub.start("ticker")
    started = time.monotonic()
    await events.until(lambda: len(events.of("receive")) >= 150)
    elapsed = time.monotonic() - started
    hub.stop("ticker")
    await events.count("stop", 1)
    # A burst of 2, then 2 a second: far fewer replies than messages.
    assert 2 <= len(rule_sends(events, "ack")) <= 2 + 2 * elapsed + 1
    limited = [m for m in automation_errors(events) if "rate-limited" in m]
    assert len(limited) == 1
    assert limited[0].startswith("rule ack rate-limited")
    (status,) = [s for s in automation.statuses() if s.name == "ack"]
    assert "limited" in status.detail


async def test_a_rule_answering_its_own_echo_is_suspended(
    demo: DemoServer, hub_runner: Any
) -> None:
    echo = connection(
        "echo",
        demo.endpoint("/echo"),
        on_receive=[{"name": "parrot", "match": "hello", "send": "hello again"}],
    )
    hub, events, automation = automated(hub_runner, echo)
    hub.start("echo")
    await events.count("start", 1)
    assert await hub.send("echo", "hello")
    await events.until(lambda: bool(automation_errors(events)))
    (message,) = automation_errors(events)
    assert message.startswith("rule parrot suspended: its own reply came back")
    # It sent once (for the operator's hello) and stopped at its own echo.
    await asyncio.sleep(0.2)
    events.events.extend(hub.bus.take())
    assert len(rule_sends(events, "parrot")) == 1
    (status,) = [s for s in automation.statuses() if s.name == "parrot"]
    assert status.state == "suspended"
    # Resumed, it answers once more and is suspended again.
    assert automation.connections["echo"].resume_rule("parrot")
    assert await hub.send("echo", "hello")
    await events.until(lambda: len(automation_errors(events)) >= 2)
    assert len(rule_sends(events, "parrot")) == 2


async def test_two_rules_answering_each_other_are_stopped(
    demo: DemoServer, hub_runner: Any
) -> None:
    # a -> b -> a ... through an echo server: no rule sees its own output, the chain grows.
    echo = connection(
        "echo",
        demo.endpoint("/echo"),
        on_receive=[
            {"name": "a", "match": "^(start|from b)", "send": "from a", "max_per_second": 1000},
            {"name": "b", "match": "^from a", "send": "from b", "max_per_second": 1000},
        ],
    )
    hub, events, _ = automated(hub_runner, echo)
    hub.start("echo")
    await events.count("start", 1)
    assert await hub.send("echo", "start")
    await events.until(lambda: any("suspended" in m for m in automation_errors(events)))
    sent = len(events.of("send"))
    await asyncio.sleep(0.2)
    events.events.extend(hub.bus.take())
    assert len(events.of("send")) == sent <= 1 + 10


async def test_panic_pause_stops_schedules_and_rules_until_resumed(
    demo: DemoServer, hub_runner: Any
) -> None:
    echo = connection(
        "echo",
        demo.endpoint("/echo"),
        every=[{"name": "beat", "interval": 0.05, "message": "beat"}],
        on_receive=[{"name": "answer", "match": "^question$", "send": "answer"}],
    )
    hub, events, automation = automated(hub_runner, echo)
    hub.start("echo")
    await events.until(lambda: len(rule_sends(events, "beat")) >= 2)
    automation.set_paused(True)
    await asyncio.sleep(0.05)
    events.events.extend(hub.bus.take())
    beats = len(rule_sends(events, "beat"))
    assert await hub.send("echo", "question")
    await events.until(lambda: any(e.data == "question" for e in events.of("receive")))
    await asyncio.sleep(0.3)
    events.events.extend(hub.bus.take())
    assert len(rule_sends(events, "beat")) == beats
    assert not rule_sends(events, "answer")
    assert {s.state for s in automation.statuses()} == {"paused"}
    automation.set_paused(False)
    await events.until(lambda: len(rule_sends(events, "beat")) > beats)
    assert await hub.send("echo", "question")
    await _one(events, "answer")


async def test_pausing_one_connection_leaves_the_others(demo: DemoServer, hub_runner: Any) -> None:
    beat = [{"name": "beat", "interval": 0.05, "message": "beat"}]
    one = connection("one", demo.endpoint("/echo"), every=beat)
    two = connection("two", demo.endpoint("/echo"), every=beat)
    hub, events, automation = automated(hub_runner, one, two)
    hub.start("one")
    hub.start("two")
    await events.until(lambda: len(rule_sends(events, "beat", "two")) >= 1)
    assert automation.toggle_connection("one") is True
    await asyncio.sleep(0.05)
    events.events.extend(hub.bus.take())
    before = len(rule_sends(events, "beat", "one"))
    others = len(rule_sends(events, "beat", "two"))
    await events.until(lambda: len(rule_sends(events, "beat", "two")) >= others + 4)
    assert len(rule_sends(events, "beat", "one")) == before
    assert automation.toggle_connection("one") is False
    await events.until(lambda: len(rule_sends(events, "beat", "one")) > before)


async def test_websocat_echo_answers_with_a_template(hub_runner: Any) -> None:
    async with websocat_mirror() as port:
        peer = connection(
            "w",
            f"ws://127.0.0.1:{port}/",
            reconnect={"enabled": True, "initial_delay": 0.05, "max_delay": 0.1, "jitter": 0},
            every=[{"name": "ping", "interval": 0.1, "message": '{"op":"ping","id":1}'}],
            on_receive=[
                {
                    "name": "pong",
                    "match_jq": '.op == "ping"',
                    "reply_jq": '{"op":"pong","id":.id}',
                }
            ],
        )
        hub, events, _ = automated(hub_runner, peer)
        hub.start("w")  # websocat may still be binding: reconnect covers that
        await events.until(lambda: len(rule_sends(events, "pong")) >= 2, timeout=10)
        assert json.loads(rule_sends(events, "pong")[0].data) == {"op": "pong", "id": 1}
        assert not automation_errors(events)


MACROS = {
    "login": {
        "steps": [
            {"send": '{"op":"login","id":5}'},
            {"wait_jq": '.op == "login" and .id == 5', "timeout": 2},
            {"send": "subscribe"},
        ]
    },
    "slow": {"steps": [{"send": "a"}, {"wait": "never comes back", "timeout": 0.2}, {"send": "b"}]},
}


async def test_a_macro_sends_waits_and_sends_in_order(demo: DemoServer, hub_runner: Any) -> None:
    echo = connection("echo", demo.endpoint("/echo"), macros=MACROS)
    hub, events, automation = automated(hub_runner, echo)
    hub.start("echo")
    await events.count("start", 1)
    run = automation.start_macro("echo", "login")
    assert run.task is not None
    await asyncio.wait_for(asyncio.shield(run.task), 5)
    assert run.state == "done"
    events.events.extend(hub.bus.take())
    sends = rule_sends(events, "macro login")
    assert [s.data for s in sends] == ['{"op":"login","id":5}', "subscribe"]
    # The second send went out after the echo of the first arrived (the wait).
    (echoed,) = [e for e in events.of("receive") if e.data == sends[0].data]
    assert sends[0].seq < echoed.seq < sends[1].seq
    (status,) = [s for s in automation.statuses() if s.name == "login"]
    assert (status.state, status.count, status.detail) == ("done", 1, "done: 3 steps")


async def test_a_macro_wait_times_out_with_an_error_event(
    demo: DemoServer, hub_runner: Any
) -> None:
    echo = connection("echo", demo.endpoint("/echo"), macros=MACROS)
    hub, events, automation = automated(hub_runner, echo)
    hub.start("echo")
    await events.count("start", 1)
    started = time.monotonic()
    run = automation.start_macro("echo", "slow")
    assert run.task is not None
    await asyncio.wait_for(asyncio.shield(run.task), 5)
    assert time.monotonic() - started >= 0.2
    assert run.state == "failed"
    await events.until(lambda: bool(automation_errors(events)))
    (message,) = automation_errors(events)
    assert message == (
        "macro slow failed at step 2: nothing matched 'never comes back' within 0.2 s"
    )
    # "b" was never sent.
    assert [s.data for s in rule_sends(events, "macro slow")] == ["a"]


async def test_a_macro_is_cancelled_and_fails_on_a_closed_connection(
    demo: DemoServer, hub_runner: Any
) -> None:
    slow = {"steps": [{"send": "a"}, {"wait": "never", "timeout": 30}]}
    echo = connection("echo", demo.endpoint("/echo"), macros={"slow": slow})
    hub, events, automation = automated(hub_runner, echo)
    run = automation.start_macro("echo", "slow")  # not started: the first send fails
    assert run.task is not None
    await asyncio.wait_for(asyncio.shield(run.task), 5)
    assert run.detail == "step 1: echo is stopped, not open"
    hub.start("echo")
    await events.count("start", 1)
    run = automation.start_macro("echo", "slow")
    await events.until(lambda: bool(rule_sends(events, "macro slow")))
    assert run.cancel()
    assert run.task is not None
    await asyncio.wait({run.task}, timeout=5)
    assert run.state == "cancelled"
    # A wait that is going on when the connection closes fails at once.
    run = automation.start_macro("echo", "slow")
    await events.until(lambda: len(rule_sends(events, "macro slow")) >= 2)
    hub.stop("echo")
    assert run.task is not None
    await asyncio.wait({run.task}, timeout=5)
    assert (run.state, run.detail) == ("failed", "step 2: echo closed")
    await events.until(lambda: len(automation_errors(events)) >= 3)
    assert automation_errors(events)[1] == "macro slow cancelled at step 2"


async def test_the_demo_echo_answers_its_own_heartbeat(demo: DemoServer, hub_runner: Any) -> None:
    from settings import WsdeckSettings
    from tui.launch import demo_connections

    connections = demo_connections(demo.url, 9)
    # The demo's settings are valid as a whole (the ticker's rule forwards to echo).
    WsdeckSettings(connections=connections, _env_file=None)
    echo = connections[0]
    assert echo.every[0].interval == 5
    # The same heartbeat and rule, faster: the ping comes back, the rule answers it.
    fast = echo.model_copy(update={"every": [echo.every[0].model_copy(update={"interval": 0.1})]})
    hub, events, _ = automated(hub_runner, fast)
    hub.start("echo")
    await events.until(lambda: len(rule_sends(events, "pong")) >= 1)
    assert json.loads(rule_sends(events, "pong")[0].data) == {"op": "pong", "id": 1}
