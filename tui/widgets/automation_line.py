"""The selected bar's automation part: when the next scheduled send is due, or why none is."""

from __future__ import annotations

import time

from rich.text import Text

from tui.core.automation import Automation
from tui.core.display import printable


def automation_line(automation: Automation, name: str, now: float | None = None) -> Text:
    """``  ⏱ heartbeat in 12 s`` for ``name``; ``automation paused`` when it is; empty
    without automation. The panic pause is shown on every connection."""
    if automation.paused:
        return Text("  ⏸ ALL automation paused (! resumes)", style="bold reverse")
    connection = automation.connections.get(name)
    if connection is None:
        return Text()
    if not connection.active:
        return Text("  ⏸ automation paused (P resumes)", style="bold")
    due = [(s.next_due, s.name) for s in connection.schedules if s.next_due is not None]
    suspended = sum(1 for r in connection.rules if r.suspended)
    line = Text()
    if due:
        when, schedule = min(due)
        left = max(0.0, when - (time.time() if now is None else now))
        line.append(f"  ⏱ {printable(schedule, 20)} in {left:.0f} s")
    running = [r for r in automation.runs if r.connection == name and r.running]
    if running:
        run = running[-1]
        line.append(f"  ▶ macro {printable(run.name, 20)}: {printable(run.progress(), 40)}")
    if suspended:
        line.append(f"  ⚠ {suspended} rule{'s' * (suspended > 1)} suspended", style="bold")
    return line
