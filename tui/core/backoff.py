"""Reconnect delays: exponential backoff with jitter, a ceiling and an attempt budget."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol


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
        base = min(policy.max_delay, policy.initial_delay * policy.multiplier**self.failures)
        self.failures += 1
        # Symmetric jitter spreads many clients that lost the same server apart.
        spread = base * policy.jitter * (2 * self._rng() - 1)
        return max(0.0, min(policy.max_delay, base + spread))
