"""Reconnect delays: exponential backoff with jitter, a ceiling and an attempt budget."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Protocol

_MAX_POWER = 700.0  # math.log of a float below the largest one (~709.78)


class BackoffPolicy(Protocol):
    """The reconnect fields of a connection's settings (``settings.Reconnect``)."""

    enabled: bool
    initial_delay: float
    max_delay: float
    multiplier: float
    jitter: float
    max_attempts: int


class Backoff:
    """Delays between consecutive failed attempts; ``reset`` after a stable connection."""

    def __init__(self, policy: BackoffPolicy, rng: Callable[[], float] = random.random) -> None:
        self._policy = policy
        self._rng = rng
        self.failures = 0

    def reset(self) -> None:
        """Forget past failures: the next delay is the initial one again."""
        self.failures = 0

    def next_delay(self) -> float | None:
        """The delay before the next attempt, or ``None`` when no attempt is left."""
        policy = self._policy
        if not policy.enabled:
            return None
        if policy.max_attempts and self.failures >= policy.max_attempts:
            return None
        base = _grown(policy.initial_delay, policy.multiplier, self.failures, policy.max_delay)
        self.failures += 1
        # Symmetric jitter spreads many clients that lost the same server apart.
        spread = base * policy.jitter * (2 * self._rng() - 1)
        return max(0.0, min(policy.max_delay, base + spread))


def _grown(initial: float, multiplier: float, failures: int, ceiling: float) -> float:
    """``min(ceiling, initial * multiplier**failures)`` compared in log space.

    ``2.0**1024`` overflows (OverflowError): a server down for ~17 minutes at the defaults
    used to end the reconnect loop for good. In log space attempt 10**6 costs what attempt
    20 does and simply gives the ceiling.
    """
    if failures == 0 or initial <= 0 or multiplier <= 1:
        return min(ceiling, initial)
    power = failures * math.log(multiplier)
    if math.log(initial) + power >= math.log(ceiling):
        return ceiling
    if power < _MAX_POWER:  # the exact product (1, 2, 4, 8 …), safe from overflow here
        return min(ceiling, initial * multiplier**failures)
    return math.exp(math.log(initial) + power)  # a tiny initial delay below a huge power
