"""``wsdeck tail`` runs the connections' automation as the dashboard does (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import wsdeck

CONFIG = """
[[connections]]
name = "echo"
url = "{url}/echo"
proxy = "none"

[[connections.every]]
name = "heartbeat"
interval = 0.1
message = '{{"op":"ping","id":1}}'

[[connections.on_receive]]
name = "pong"
match_jq = '.op == "ping"'
reply_jq = '{{"op": "pong", "id": .id}}'
"""


def _events(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_tail_sends_heartbeats_and_replies(demo_url: str, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(CONFIG.format(url=demo_url))
    result = wsdeck("tail", "echo", "--config", str(config), "--count", "4", "--timeout", "20")
    assert result.returncode == 0, result.stderr
    sends = [e for e in _events(result.stdout) if e["event"] == "send"]
    # The heartbeat, its echo answered by the rule: both recorded with the rule's name.
    assert sends[0]["rule"] == "heartbeat"
    assert sends[0]["text"] == '{"op":"ping","id":1}'
    pongs = [e for e in sends if e.get("rule") == "pong"]
    assert pongs
    assert json.loads(str(pongs[0]["text"])) == {"op": "pong", "id": 1}


def test_tail_without_automation_sends_nothing(demo_url: str, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(CONFIG.format(url=demo_url))
    result = wsdeck("tail", "echo", "--config", str(config), "--no-automation", "--timeout", "0.6")
    assert result.returncode == 0, result.stderr
    kinds = [e["event"] for e in _events(result.stdout)]
    assert kinds == ["start", "stop"]
