"""Messages per second of every connection over the last minutes, for the rate plot.

Sampled from the clients' counters once a second (:meth:`RateHistory.sample`), never per
message: a connection costs one subtraction a second whatever its traffic.
"""

from __future__ import annotations

from collections.abc import Mapping

from tui.core.fields_store import Series

__all__ = ["RateHistory"]


class RateHistory:
    """Each connection's received messages per second, as a :class:`Series`."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, int]] = {}
        self._series: dict[str, Series] = {}

    def sample(self, now: float, counts: Mapping[str, int]) -> None:
        """Note every connection's received-message count at ``now``; the rate since the
        previous sample joins its series (connections gone are forgotten)."""
        for name in [name for name in self._last if name not in counts]:
            del self._last[name]
            self._series.pop(name, None)
        for name, count in counts.items():
            previous = self._last.get(name)
            self._last[name] = (now, count)
            if previous is None or now <= previous[0]:
                continue
            rate = max(0, count - previous[1]) / (now - previous[0])
            series = self._series.get(name)
            if series is None:
                series = self._series[name] = Series()
            series.add(now, rate)

    def series(self, name: str) -> Series | None:
        """``name``'s rates, once two samples were taken."""
        return self._series.get(name)
