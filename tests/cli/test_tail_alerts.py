"""``wsdeck tail`` with a watched connection: alert events on stdout and in the recording."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import wsdeck
from tui.core.events import AlertEvent, decode_line

WATCHED = """
[[connections]]
name = "pulse"
url = "{url}/pulse?rate=40&period=1&alarm=0.3&pause=0.3"
proxy = "none"

[connections.watch]
silence = {{ after = 0.15 }}

[connections.watch.rules.alarm]
jq = ".alarm"
level = "critical"
"""


def test_alerts_go_to_stdout_and_the_recording(demo_url: str, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(WATCHED.format(url=demo_url))
    record = tmp_path / "events.jsonl"
    # 90 messages at 40/s span three periods (each with an alarm and a pause).
    result = wsdeck(
        "tail", "pulse", "--config", str(config), "--count", "90", "--record", str(record)
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    events = [decode_line(line) for line in lines]
    alerts = [e for e in events if isinstance(e, AlertEvent)]
    assert {(a.name, a.state) for a in alerts} >= {
        ("alarm", "raised"),
        ("alarm", "cleared"),
        ("silence", "raised"),
        ("silence", "cleared"),
    }
    raised = next(json.loads(line) for line in lines if '"state":"raised"' in line)
    assert set(raised) == {
        "seq", "ts", "connection", "event", "name", "level", "state", "message", "figures", "cause"
    }  # fmt: skip
    assert record.read_text().splitlines() == lines


def test_alerts_in_the_text_format(demo_url: str, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(WATCHED.format(url=demo_url))
    result = wsdeck("tail", "pulse", "--config", str(config), "--count", "90", "--format", "text")
    assert result.returncode == 0, result.stderr
    assert " pulse ⚠ RAISED critical alarm: a message matches jq .alarm\n" in result.stdout
    assert " pulse ⚠ cleared alarm: a message does not match\n" in result.stdout
