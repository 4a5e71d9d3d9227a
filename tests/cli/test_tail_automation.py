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


MACRO = """
[[connections]]
name = "echo"
url = "{url}/echo"
proxy = "none"

[connections.macros.login]
steps = [{{send = "login"}}, {{wait = "^login$", timeout = 5}}, {{send = "subscribe"}}]
"""


def test_tail_runs_a_macro_after_the_start(demo_url: str, tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(MACRO.format(url=demo_url))
    result = wsdeck(
        "tail", "echo", "--config", str(config), "--macro", "login", "--count", "2",
        "--timeout", "20",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    events = _events(result.stdout)
    sends = [(e["text"], e["rule"]) for e in events if e["event"] == "send"]
    assert sends == [("login", "macro login"), ("subscribe", "macro login")]
    # The second send went out after the echo of the first (the wait).
    kinds = [(e["event"], e.get("text")) for e in events]
    assert kinds.index(("receive", "login")) < kinds.index(("send", "subscribe"))


def test_tail_refuses_an_unknown_macro_or_macros_without_automation(
    demo_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(MACRO.format(url=demo_url))
    unknown = wsdeck("tail", "echo", "--config", str(config), "--macro", "logout")
    assert unknown.returncode == 2
    assert "--macro 'logout': no connection given has a macro of that name" in unknown.stderr
    off = wsdeck("tail", "echo", "--config", str(config), "--macro", "login", "--no-automation")
    assert off.returncode == 2
    assert "leave out --no-automation" in off.stderr
