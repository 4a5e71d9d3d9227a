"""Automation settings (issue 15): what loads, and what is an error at which field path."""

from __future__ import annotations

from settings.automation import rule_name, schedule_name
from tests.settings.helpers import WriteConfig, load_file, problems_of

VALID = """
[[connections]]
name = "echo"
url = "ws://127.0.0.1:8765/echo"

[[connections.every]]
name = "heartbeat"
interval = 30
jitter = 2
message = '{"op":"ping"}'

[[connections.every]]
interval = 5
message = {hex = "00 ff"}

[[connections.on_receive]]
name = "pong"
match_jq = '.op == "ping"'
reply_jq = '{"op": "pong", "id": .id}'

[[connections.on_receive]]
match = "alarm"
send = "ack"
to = "ops"
max_per_second = 1

[connections.macros.login]
steps = [
  {send = '{"op":"login"}'},
  {wait = '"ok"', timeout = 5},
  {send = '{"op":"subscribe"}'},
]

[[connections.on_receive]]
name = "mark"
match = "error"
note = "an error from the server"

[[connections]]
name = "ops"
url = "ws://127.0.0.1:8765/echo"
"""


def test_schedules_rules_and_macros_load(write_config: WriteConfig) -> None:
    settings = load_file(write_config(VALID))
    echo = settings.connection("echo")
    assert echo.automated
    assert not settings.connection("ops").automated
    beat, binary = echo.every
    assert (beat.interval, beat.jitter, beat.message) == (30, 2, '{"op":"ping"}')
    assert schedule_name(beat, 0) == "heartbeat"
    assert schedule_name(binary, 1) == "every[1]"
    assert not isinstance(binary.message, str)
    assert binary.message.data() == b"\x00\xff"
    pong, forward, mark = echo.on_receive
    assert (mark.note, mark.send, mark.reply_jq) == ("an error from the server", None, None)
    assert pong.max_per_second == 5  # the safe default
    assert rule_name(forward, 1) == "on_receive[1]"
    assert forward.to == "ops"
    steps = echo.macros["login"].steps
    assert [s.send is not None for s in steps] == [True, False, True]
    assert steps[1].timeout == 5


def _problems(write_config: WriteConfig, extra: str) -> list[str]:
    base = '[[connections]]\nname = "echo"\nurl = "ws://127.0.0.1:8765/echo"\n'
    return [str(p) for p in problems_of(write_config(base + extra))]


def test_an_unknown_target_connection_is_an_error_at_its_path(write_config: WriteConfig) -> None:
    (problem,) = _problems(
        write_config, '[[connections.on_receive]]\nmatch = "x"\nsend = "y"\nto = "nowhere"\n'
    )
    assert problem.startswith("connections[0].on_receive[0].to: no connection named 'nowhere'")
    assert "(known: echo)" in problem


def test_a_bad_interval_is_an_error_at_its_path(write_config: WriteConfig) -> None:
    (problem,) = _problems(write_config, '[[connections.every]]\ninterval = 0\nmessage = "x"\n')
    assert problem.startswith("connections[0].every[0].interval: ")
    assert "0.05" in problem


def test_jitter_of_half_the_interval_is_refused(write_config: WriteConfig) -> None:
    (problem,) = _problems(
        write_config, '[[connections.every]]\ninterval = 2\njitter = 1\nmessage = "x"\n'
    )
    assert problem.startswith("connections[0].every[0]: ")
    assert "less than half the interval" in problem


def test_an_invalid_jq_reply_is_an_error_at_its_path(write_config: WriteConfig) -> None:
    (problem,) = _problems(
        write_config, '[[connections.on_receive]]\nmatch = "x"\nreply_jq = "{op: |"\n'
    )
    assert problem.startswith("connections[0].on_receive[0].reply_jq: invalid jq program")


def test_a_rule_needs_one_match_and_an_action(write_config: WriteConfig) -> None:
    (no_match,) = _problems(write_config, '[[connections.on_receive]]\nsend = "y"\n')
    assert "exactly one of match or match_jq" in no_match
    (no_action,) = _problems(write_config, '[[connections.on_receive]]\nmatch = "x"\n')
    assert "needs an action: send, reply_jq or note" in no_action
    (nowhere,) = _problems(
        write_config, '[[connections.on_receive]]\nmatch = "x"\nnote = "n"\nto = "echo"\n'
    )
    assert "to names where a reply goes" in nowhere


def test_schedules_and_rules_need_names_of_their_own(write_config: WriteConfig) -> None:
    (problem,) = _problems(
        write_config,
        '[[connections.every]]\nname = "ping"\ninterval = 1\nmessage = "x"\n'
        '[[connections.on_receive]]\nname = "ping"\nmatch = "x"\nsend = "y"\n',
    )
    assert problem.startswith("connections[0].on_receive: ")
    assert "the name 'ping' is given to two schedules or reply rules" in problem


def test_a_macro_step_is_one_thing(write_config: WriteConfig) -> None:
    (problem,) = _problems(
        write_config, '[connections.macros.m]\nsteps = [{send = "a", wait = "b"}]\n'
    )
    assert problem.startswith("connections[0].macros.m.steps[0]: ")
    assert "exactly one of send, wait or wait_jq" in problem
