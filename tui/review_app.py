"""The dashboard in review (``wsdeck open FILE…``): recorded events, nothing connected.

The App is the live one with no connections, no recording and a feed over a
:class:`~tui.review_store.FileRing`. Once the first screen is drawn, the files are indexed
in a thread (a 1 000 000-event file takes seconds; indexed in the UI's event loop, a frame
at a time, it held the first screen up by most of a second under load), and the feed takes
the indexed events in as it takes live ones (follow, pause, search), told
:data:`NOTICES` times a second. The same thread extracts the fields of the recorded
connections for the table and the plots (:mod:`tui.review_fields`); the live analysis
thread has nothing to analyse here and is stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from tui.app import WsdeckApp

if TYPE_CHECKING:
    from textual.timer import Timer

    from settings import WsdeckSettings
    from tui.review_fields import ReviewFields
    from tui.review_store import RecordingStore

__all__ = ["ReviewApp"]

NOTICES = 12
"""Times a second at most the feed is told about newly indexed events (as live, tui.drain)."""


class ReviewApp(WsdeckApp):
    """The dashboard over recordings: feed, search, filter, detail, fields, plots; no controls."""

    TITLE = "wsdeck review"

    fields: ReviewFields
    """The recorded connections' fields, extracted by the indexing thread."""

    def __init__(self, settings: WsdeckSettings, store: RecordingStore) -> None:
        self.store = store  # before the App's set-up, which builds the screen around it
        self._shown_events = -1
        self._poll: Timer | None = None
        self._finished = False  # the indexing thread ended (the files are indexed, or closed)
        super().__init__(settings)

    def _set_up(self, settings: WsdeckSettings) -> None:
        from tui.review_fields import ReviewFields
        from tui.review_screen import ReviewScreen

        # The live set-up with nothing to connect and nothing to record (whatever the
        # settings say), then the feed over the files instead of the live ring.
        review = settings.model_copy(
            update={"connections": [], "recording": type(settings.recording)()}
        )
        super()._set_up(review)
        # A recorded connection named like a configured one gets its fields (issue 14).
        for connection in settings.connections:
            self.analysis.configure(connection)
        self.fields = ReviewFields(self.store, self.analysis.fields)
        # What is indexed already (a small file: all of it) has its values in the first
        # screen's table: a few messages, each interval's last.
        self.fields.catch_up()
        self.rates = self.store.timeline.rates  # the recorded rates, for the plot
        self.ring = self.store.ring
        self.main = ReviewScreen(self.store)

    def _start(self) -> None:
        super()._start()
        # The live analysis thread flushes the field store on the wall clock: the indexing
        # thread is the store's one writer here.
        self.analysis.stop()
        self.sub_title = ", ".join(str(source.path) for source in self.store.sources)
        # After the first screen is drawn: until then the thread would take the GIL from it.
        self.call_after_refresh(self._begin_indexing)

    def fields_changed(self) -> None:
        """A field was added or removed (palette): extract the connection's fields again."""
        # Always: the indexing thread may be past its last look at the fields (its last
        # catch_up ran, _finished is not set yet). catch_up takes a lock and does only what
        # changed, so one running beside the indexing costs next to nothing.
        self._catch_up()

    @work(thread=True, name="fields", group="fields", exit_on_error=False)
    def _catch_up(self) -> None:
        self.fields.catch_up()

    def connection_names(self) -> list[str]:
        """The recorded connections (the palette's plot commands)."""
        return list(self.store.counts)

    def _sample_rates(self) -> None:
        """No live counters in review: the rates come from the recording (see Timeline)."""

    def plot_clock(self) -> float:
        """The plots' "now": the latest recorded timestamp indexed so far."""
        return self.store.timeline.end

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The settings editor adds and starts connections: nothing of the kind in review.
        if action in ("settings", "pause_automation", "automation"):
            return False
        return super().check_action(action, parameters)

    def _begin_indexing(self) -> None:
        self._poll = self.set_interval(1 / NOTICES, self._indexed, name="review-index")
        self._index()

    @work(thread=True, name="index", group="index", exit_on_error=False)
    def _index(self) -> None:
        """Index the files to their end (or until the App closes the store), extracting
        the fields of what is indexed as it goes."""
        store = self.store
        try:
            while not store.done and not store.closed:
                store.step(seconds=0.1)
                self.fields.catch_up()
            if not store.closed:
                self.fields.catch_up()  # a small file is all indexed before the App starts
        finally:  # else a failure would leave the poll running and the problems untold
            self._finished = True

    def _indexed(self) -> None:
        """Tell the feed and the table about what was indexed since the last look."""
        store = self.store
        done = self._finished  # read first: then the events below are all of them
        if store.events != self._shown_events and self.main.is_attached:
            self._shown_events = store.events
            self.main.events_arrived()
            self.main.refresh_state()
        if not done:
            return
        if self._poll is not None:
            self._poll.stop()
            self._poll = None
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
        self.store.close()  # waits for the block being indexed; the thread then ends
