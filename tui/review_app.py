"""The dashboard in review (``wsdeck open FILE…``): recorded events, nothing connected.

The App is the live one with no connections, no recording and a feed over a
:class:`~tui.review_store.FileRing`; files are indexed a step at a time in a worker, and
the feed takes the indexed events in as it takes live ones (follow, pause, search).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from textual import work

from tui.app import WsdeckApp
from tui.messages import EventsArrived

if TYPE_CHECKING:
    from settings import WsdeckSettings
    from tui.review_store import RecordingStore

__all__ = ["ReviewApp"]

NOTICES = 12
"""Times a second at most the feed is told about newly indexed events (as live, tui.drain)."""


class ReviewApp(WsdeckApp):
    """The dashboard over recordings: feed, search, filter, detail; no controls."""

    TITLE = "wsdeck review"

    def __init__(self, settings: WsdeckSettings, store: RecordingStore) -> None:
        self.store = store  # before the App's set-up, which builds the screen around it
        super().__init__(settings)

    def _set_up(self, settings: WsdeckSettings) -> None:
        from tui.review_screen import ReviewScreen

        # The live set-up with nothing to connect and nothing to record (whatever the
        # settings say), then the feed over the files instead of the live ring.
        review = settings.model_copy(
            update={"connections": [], "recording": type(settings.recording)()}
        )
        super()._set_up(review)
        # A recorded connection named like a configured one gets its fields (issue 14):
        # the fields view (v) extracts them from the rows drawn, as live.
        for connection in settings.connections:
            self.analysis.configure(connection)
        self.ring = self.store.ring
        self.main = ReviewScreen(self.store)

    def _start(self) -> None:
        super()._start()
        self.sub_title = ", ".join(str(source.path) for source in self.store.sources)
        self._index()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The settings editor adds and starts connections: nothing of the kind in review.
        if action in ("settings", "pause_automation", "automation"):
            return False
        return super().check_action(action, parameters)

    @work(name="index", group="index", exit_on_error=False)
    async def _index(self) -> None:
        """Index the files a frame's worth at a time, telling the feed as events come in."""
        store = self.store
        due = 0.0
        while not store.done:
            store.step()
            now = time.monotonic()
            if now >= due:
                due = now + 1 / NOTICES
                self.post_message(EventsArrived())
            await asyncio.sleep(0)
        self.post_message(EventsArrived())
        self.main.refresh_state()
        if store.malformed:
            problems = "\n".join(store.problems)
            more = store.malformed - len(store.problems)
            if more > 0:
                problems += f"\n… and {more} more"
            count = f"{store.malformed} malformed line{'s' * (store.malformed != 1)} skipped"
            self.notify(f"{count}:\n{problems}", title="review", severity="warning", markup=False)

    def on_unmount(self) -> None:
        super().on_unmount()
        self.store.close()
