"""Reconnect delays: growth, ceiling, jitter, and no overflow however long a server is down."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tui.core.backoff import Backoff


@dataclass
class Policy:
    enabled: bool = True
    initial_delay: float = 1.0
    max_delay: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.0
    max_attempts: int = 0


def test_delays_grow_to_the_ceiling() -> None:
    backoff = Backoff(Policy())
    assert [backoff.next_delay() for _ in range(7)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_a_million_failures_still_give_the_ceiling() -> None:
    # 2.0**1024 overflowed at attempt 1 025 (~17 minutes of a dead server at the
    # defaults) and the reconnect loop ended for good.
    backoff = Backoff(Policy(jitter=0.1), rng=lambda: 1.0)
    at_twenty: float | None = None
    for attempt in range(1, 1_000_001):
        delay = backoff.next_delay()
        if attempt == 20:
            at_twenty = delay
    assert delay == at_twenty == 30.0
    assert backoff.failures == 1_000_000


@pytest.mark.parametrize("multiplier", [1.0, 1.0001, 10.0, 1e300])
def test_any_multiplier_is_bounded(multiplier: float) -> None:
    backoff = Backoff(Policy(initial_delay=0.5, max_delay=5.0, multiplier=multiplier))
    backoff.failures = 10**9
    assert backoff.next_delay() == (0.5 if multiplier == 1.0 else 5.0)


def test_jitter_stays_within_the_ceiling_and_reset_starts_over() -> None:
    backoff = Backoff(Policy(jitter=0.5), rng=lambda: 0.0)
    assert backoff.next_delay() == 0.5  # 1.0 - 50 %
    backoff.reset()
    assert Backoff(Policy(jitter=0.5), rng=lambda: 1.0).next_delay() == 1.5
    backoff.failures = 100
    assert backoff.next_delay() == 15.0


def test_attempt_budget() -> None:
    backoff = Backoff(Policy(max_attempts=2))
    assert backoff.next_delay() == 1.0
    assert backoff.next_delay() == 2.0
    assert backoff.next_delay() is None
