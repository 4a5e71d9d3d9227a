"""Automation settings (issue 15): scheduled sends, reply rules and macros of a connection.

A schedule sends a message every ``interval`` seconds while its connection is open; a reply
rule answers received messages that match it; a macro is a named sequence of sends and
waits run on demand. What runs them is :mod:`tui.core.automation`; here is only what they
are, checked when the settings load (a bad interval, an invalid regex or jq program, an
unknown target connection are settings errors with their field paths).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from settings.messages import MessageField
from settings.patterns import JqProgram, RegexPattern

_CONFIG = ConfigDict(extra="forbid", hide_input_in_errors=True)

MIN_INTERVAL = 0.05
"""Shortest schedule interval in seconds: faster is a flood, not a heartbeat."""

RuleName = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]+$")]


class Schedule(BaseModel):
    """``[[connections.every]]``: a message sent every ``interval`` seconds while open."""

    model_config = _CONFIG

    name: RuleName | None = None
    """Shown in the automation screen and recorded in the ``send`` events' ``rule``;
    default ``every[N]``."""

    interval: float = Field(ge=MIN_INTERVAL, le=86_400, allow_inf_nan=False)
    """Seconds between two sends, counted from the connection's ``start`` event."""

    jitter: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Each send moves by a random amount of up to this many seconds either way (on a
    fixed grid, so the error never adds up); less than half the interval."""

    message: MessageField
    """Text, or ``{hex = "..."}`` / ``{base64 = "..."}`` for a binary message."""

    @model_validator(mode="after")
    def _jitter_below_half(self) -> Self:
        if self.jitter >= self.interval / 2:
            raise ValueError(
                f"jitter ({self.jitter:g}) must be less than half the interval ({self.interval:g})"
            )
        return self


class ReplyRule(BaseModel):
    """``[[connections.on_receive]]``: what to do when a received message matches."""

    model_config = _CONFIG

    name: RuleName | None = None
    """Shown in the automation screen and error events; default ``on_receive[N]``."""

    match: RegexPattern | None = None
    """A regular expression searched for in the payload (text, or binary read as UTF-8)."""

    match_jq: JqProgram | None = None
    """A jq condition on the JSON payload: the rule applies when its first output is
    neither ``false`` nor ``null`` (``.op == "ping"``)."""

    send: MessageField | None = None
    """A fixed message to send in reply."""

    reply_jq: JqProgram | None = None
    """A jq program building the reply from the received payload
    (``{"op": "pong", "id": .id}``); a string result is sent as it is, anything else as
    compact JSON; no output sends nothing."""

    to: str | None = None
    """The connection the reply goes to; default this one."""

    note: str | None = Field(default=None, min_length=1, max_length=200)
    """Mark the matching message: a ``note`` event with this text follows it, naming the
    rule and the message's ``seq``."""

    max_per_second: float = Field(default=5.0, gt=0, le=1000, allow_inf_nan=False)
    """Most actions per second (a burst of as many is allowed); the rest are skipped and
    counted as limited."""

    @model_validator(mode="after")
    def _one_match_some_action(self) -> Self:
        if (self.match is None) == (self.match_jq is None):
            raise ValueError("a reply rule needs exactly one of match or match_jq")
        if self.send is not None and self.reply_jq is not None:
            raise ValueError("a reply rule has send or reply_jq, not both")
        if self.send is None and self.reply_jq is None and self.note is None:
            raise ValueError("a reply rule needs an action: send, reply_jq or note")
        if self.to is not None and self.send is None and self.reply_jq is None:
            raise ValueError("to names where a reply goes: give send or reply_jq")
        return self


class MacroStep(BaseModel):
    """One step of a macro: send a message, or wait for a matching message."""

    model_config = _CONFIG

    send: MessageField | None = None
    """Send this message."""

    wait: RegexPattern | None = None
    """Wait for a received message this regular expression finds something in."""

    wait_jq: JqProgram | None = None
    """Wait for a received JSON message this jq condition holds for."""

    timeout: float = Field(default=10.0, gt=0, le=3600, allow_inf_nan=False)
    """Seconds a wait may take; then the macro fails with an ``error`` event."""

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        given = [self.send is not None, self.wait is not None, self.wait_jq is not None]
        if sum(given) != 1:
            raise ValueError("a macro step has exactly one of send, wait or wait_jq")
        return self


class Macro(BaseModel):
    """``[connections.macros.NAME]``: a named sequence run from the palette or the composer."""

    model_config = _CONFIG

    steps: list[MacroStep] = Field(min_length=1, max_length=100)
    """The steps, in order; the macro stops at the first that fails."""


def schedule_name(schedule: Schedule, index: int) -> str:
    """The name a schedule is shown and recorded under."""
    return schedule.name or f"every[{index}]"


def rule_name(rule: ReplyRule, index: int) -> str:
    """The name a reply rule is shown and recorded under."""
    return rule.name or f"on_receive[{index}]"


def repeated_name(schedules: Sequence[Schedule], rules: Sequence[ReplyRule]) -> str | None:
    """A name two of a connection's schedules and rules share (their sends would be
    recorded alike), or None."""
    names = [schedule_name(s, i) for i, s in enumerate(schedules)]
    names += [rule_name(r, i) for i, r in enumerate(rules)]
    return next((name for name in names if names.count(name) > 1), None)


def unknown_targets(
    connections: Sequence[tuple[str, Iterable[ReplyRule]]],
) -> list[InitErrorDetails]:
    """An error at ``[i].on_receive[j].to`` for every reply rule that names no connection."""
    names = {name for name, _ in connections}
    errors: list[InitErrorDetails] = []
    for index, (_, rules) in enumerate(connections):
        for number, rule in enumerate(rules):
            if rule.to is not None and rule.to not in names:
                error = PydanticCustomError(
                    "unknown_connection",
                    "no connection named '{to}' (known: {known})",
                    {"to": rule.to, "known": ", ".join(sorted(names))},
                )
                loc = (index, "on_receive", number, "to")
                errors.append({"type": error, "loc": loc, "input": rule.to})
    return errors
