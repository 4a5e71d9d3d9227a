"""Watches on one connection (issue 13): what wsdeck raises an alert about.

``[connections.watch]`` holds at most one of each built-in watch (``silence``,
``flapping``, ``errors``, ``unanswered``) and any number of named payload rules under
``[connections.watch.rules.NAME]``. Programs and patterns are checked when settings load
(:mod:`settings.patterns`), so a bad one is a settings error at its field path.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from settings.patterns import JqProgram, RegexPattern

# Like every settings model: unknown keys are errors (a misspelt `witin` must not be ignored).
_CONFIG = ConfigDict(extra="forbid")

Level = Literal["warning", "critical"]
"""How bad an alert is; ``critical`` sorts first everywhere."""

BUILT_IN = ("silence", "flapping", "errors", "unanswered")
"""Names of the built-in watches; alerts are named after them, so no rule may take them."""

WatchSeconds = Annotated[float, Field(gt=0, le=86_400, allow_inf_nan=False)]


class Alerting(BaseModel):
    """What every watch has: the level of its alert and whether it rings the bell."""

    model_config = _CONFIG

    level: Level = "warning"
    """``warning`` or ``critical``."""

    bell: bool = False
    """Ring the terminal bell when the alert is raised (at most once per 30 s per watch)."""


class Silence(Alerting):
    """No message received for ``after`` seconds while the connection is open."""

    after: WatchSeconds
    """Seconds without a received message (counted from the start event) that raise the
    alert; the next message clears it."""


class Burst(Alerting):
    """More than ``more_than`` events within ``within`` seconds; clears after ``within``
    quiet seconds."""

    more_than: int = Field(ge=0, le=10_000)
    """The alert is raised by one event more than this within the window."""

    within: WatchSeconds
    """Length of the sliding window, in seconds."""


class PayloadRule(Alerting):
    """A condition on received messages: raised while messages match, cleared by the first
    one that does not (or ``hold`` seconds after the last match)."""

    jq: JqProgram | None = None
    """A jq program; a message matches when its first output is neither ``false`` nor
    ``null``. A payload that is not JSON does not match."""

    regex: RegexPattern | None = None
    """A regular expression searched in the text of the message (binary messages are read
    as UTF-8)."""

    hold: float = Field(default=0, ge=0, le=86_400, allow_inf_nan=False)
    """Seconds after the last matching message at which the alert clears even if no other
    message came; 0: only a message that does not match clears it."""

    @model_validator(mode="after")
    def _one_condition(self) -> PayloadRule:
        if (self.jq is None) == (self.regex is None):
            raise ValueError("a rule needs exactly one of jq or regex")
        return self


def _check_rule_name(name: str) -> str:
    if not name.strip() or name != name.strip():
        raise ValueError("a rule name must not be empty or start or end with spaces")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name):
        raise ValueError("a rule name must not contain control or format characters")
    if name in BUILT_IN:
        raise ValueError(f"{name!r} is a built-in watch; give the rule another name")
    return name


RuleName = Annotated[str, Field(max_length=64), AfterValidator(_check_rule_name)]


class Watch(BaseModel):
    """The watches of one connection; alerts go to the feed, recordings and ``tail``."""

    model_config = _CONFIG

    silence: Silence | None = None
    """Raise when the connection is open but nothing arrives."""

    flapping: Burst | None = None
    """Raise when the connection drops more than ``more_than`` times within ``within``
    seconds (stops caused by the server or the network; the operator's Stop does not count)."""

    errors: Burst | None = None
    """Raise on more than ``more_than`` error events within ``within`` seconds."""

    unanswered: Burst | None = None
    """Raise on more than ``more_than`` requests unanswered (``timeout`` events, see
    ``correlate_timeout``) within ``within`` seconds."""

    rules: dict[RuleName, PayloadRule] = Field(default_factory=dict)
    """Payload rules by name; the name is the alert's name."""

    @property
    def empty(self) -> bool:
        """Whether no watch is configured (the connection pays nothing for watching)."""
        return (
            self.silence is None
            and self.flapping is None
            and self.errors is None
            and self.unanswered is None
            and not (self.rules)
        )
