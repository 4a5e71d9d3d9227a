"""``wsdeck tail`` pairs requests: unanswered ones are ``timeout`` events, on stdout, in the
recording, and counted by the ``unanswered`` watch (against the demo's JSON-RPC endpoint)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import wsdeck
from tui.core.events import (
    AlertEvent,
    Event,
    RuleSendEvent,
    SendEvent,
    TimeoutEvent,
    decode_line,
)

RPC = """
[[connections]]
name = "rpc"
url = "{url}/rpc"
proxy = "none"
correlate_timeout = 0.3

[connections.watch]
unanswered = {{ more_than = 1, within = 0.6, level = "critical" }}
"""


def _rpc(method: str, params: list[int], id_: int) -> str:
    return json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": id_})


SENDS = (_rpc("sum", [1, 2], 1), _rpc("sleep", [60_000], 2), _rpc("sleep", [60_000], 3))


def _tail(config: Path, *extra: str) -> list[str]:
    sends = [arg for message in SENDS for arg in ("--send", message)]
    result = wsdeck("tail", "rpc", "--config", str(config), *sends, "--timeout", "2.5", *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_unanswered_requests_are_timeout_events_that_raise_and_clear_an_alert(
    demo_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(RPC.format(url=demo_url))
    record = tmp_path / "events.jsonl"
    lines = _tail(config, "--record", str(record))
    events = [decode_line(line) for line in lines]
    sent = {json.loads(e.data)["id"]: e.seq for e in events if isinstance(e, SendEvent)}
    timeouts = [e for e in events if isinstance(e, TimeoutEvent)]
    # The answered sum is not a timeout; both sleeps are, each once.
    assert sorted(e.request for e in timeouts) == [sent[2], sent[3]]
    assert all(0.3 <= e.waited < 2 for e in timeouts)
    alerts = [e for e in events if isinstance(e, AlertEvent)]
    assert [(a.name, a.state) for a in alerts] == [
        ("unanswered", "raised"),
        ("unanswered", "cleared"),
    ]
    assert alerts[0].cause == max(e.seq for e in timeouts)
    assert alerts[0].level == "critical"
    line = next(json.loads(line) for line in lines if '"event":"timeout"' in line)
    assert set(line) == {"seq", "ts", "connection", "event", "request", "waited_ms"}
    assert record.read_text().splitlines() == lines


def test_timeouts_in_the_text_format(demo_url: str, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(RPC.format(url=demo_url))
    text = "\n".join(_tail(config, "--format", "text"))
    assert text.count(" rpc ⏱ no response to #") == 2
    assert " rpc ⚠ RAISED critical unanswered: 2 timeouts within 0.6 s (more than 1)" in text


def _beating(demo_url: str, tmp_path: Path, interval: float, seconds: str) -> list[Event]:
    """The events of ``tail`` on the rpc connection, with a schedule that sends a request
    nobody answers every ``interval`` seconds, for ``seconds``."""
    config = tmp_path / "wsdeck.toml"
    beat = _rpc("sleep", [60_000], 1).replace('"', '\\"')
    config.write_text(
        RPC.format(url=demo_url)
        + f'\n[[connections.every]]\nname = "beat"\ninterval = {interval}\nmessage = "{beat}"\n'
    )
    result = wsdeck("tail", "rpc", "--config", str(config), "--timeout", seconds)
    assert result.returncode == 0, result.stderr
    return [decode_line(line) for line in result.stdout.splitlines()]


def test_requests_a_schedule_sends_time_out_too(demo_url: str, tmp_path: Path) -> None:
    # Automation's sends are RuleSendEvents: paired as the operator's own, with no --send.
    events = _beating(demo_url, tmp_path, 0.5, "2")
    beats = {e.seq for e in events if isinstance(e, RuleSendEvent) and e.rule == "beat"}
    timeouts = [e.request for e in events if isinstance(e, TimeoutEvent)]
    assert timeouts
    assert set(timeouts) <= beats


def test_timeout_events_come_within_a_quarter_second_of_their_deadline(
    demo_url: str, tmp_path: Path
) -> None:
    # The README: a timeout event's `ts` is within a quarter of a second of its deadline.
    # Requests sent every 0.24 s wake tail's loop just before each poll: timeouts came
    # up to half a second late when the wait for events was not bounded by the next one.
    events = _beating(demo_url, tmp_path, 0.24, "3")
    late = [e.waited - 0.3 for e in events if isinstance(e, TimeoutEvent)]
    assert len(late) >= 5
    assert max(late) <= 0.25, sorted(late)
