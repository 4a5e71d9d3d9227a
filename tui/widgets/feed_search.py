"""A one-line search box for the feed: finds as you type, text or regex, case, only matches.

It only posts intents: :class:`SearchBar.Search` (debounced, as the text or a toggle
changes; with the error instead while the regex is invalid), :class:`SearchBar.Jump`
(``enter`` next match, ``shift+enter`` previous) and :class:`SearchBar.Cancelled`; the
screen that mounts it applies them to the feed and tells it the match count to show
(:meth:`SearchBar.show_count`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.validation import ValidationResult, Validator
from textual.widgets import Input

from tui.core.ring import FeedFilter

__all__ = ["SearchBar"]

DEBOUNCE = 0.12
"""Seconds of no typing after which the search is applied (a burst of keys searches once)."""


class _PatternValidator(Validator):
    """Fails with the compile error of an invalid regular expression."""

    def __init__(self, bar: SearchBar) -> None:
        super().__init__()
        self._bar = bar

    def validate(self, value: str) -> ValidationResult:
        try:
            FeedFilter(search=value, regex=self._bar.regex).compile()
        except ValueError as exc:
            return self.failure(str(exc))
        return self.success()


class SearchBar(Input):
    """Type a search: matches are highlighted as you type; enter / shift+enter jump."""

    # In the order the key bar shows them; at 80 columns all but regex and case fit (those
    # two are named in the border title). Input's own enter ("Submit") is replaced.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Next", id="search.next"),
        Binding("shift+enter", "jump(-1)", "Previous", id="search.previous", key_display="⇧⏎"),
        Binding("ctrl+f", "toggle_only", "Only matches", id="search.only"),
        Binding("escape", "cancel", "Close", id="search.cancel"),
        Binding("ctrl+r", "toggle_regex", "Regex", id="search.regex"),
        Binding("ctrl+t", "toggle_case", "Case", id="search.case"),
    ]

    @dataclass
    class Search(Message):
        """Search for this (``search`` may be empty: no search)."""

        bar: SearchBar
        search: str
        regex: bool
        case_sensitive: bool
        only: bool
        """Whether the feed shows only the matching events (a filter) instead of all."""
        error: str = ""
        """Why ``search`` is not a valid regular expression (then nothing is searched)."""

        @property
        def control(self) -> SearchBar:
            """Alias for :attr:`bar`."""
            return self.bar

        @property
        def query(self) -> FeedFilter:
            """The search alone, as a filter."""
            return FeedFilter(
                search=self.search, regex=self.regex, case_sensitive=self.case_sensitive
            )

        def apply_to(self, flt: FeedFilter) -> FeedFilter:
            """``flt`` with this search."""
            return replace(
                flt, search=self.search, regex=self.regex, case_sensitive=self.case_sensitive
            )

    @dataclass
    class Jump(Message):
        """Go to the next (``step`` 1) or previous (-1) match."""

        bar: SearchBar
        step: int

        @property
        def control(self) -> SearchBar:
            """Alias for :attr:`bar`."""
            return self.bar

    @dataclass
    class Cancelled(Message):
        """The user closed the search box: no search any more."""

        bar: SearchBar

        @property
        def control(self) -> SearchBar:
            """Alias for :attr:`bar`."""
            return self.bar

    def __init__(
        self,
        value: str = "",
        *,
        regex: bool = False,
        case_sensitive: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        self.regex = regex
        self.case_sensitive = case_sensitive
        self.only = False
        self._debounce: Timer | None = None
        self._count = ""
        super().__init__(
            value,
            placeholder="search the feed",
            validators=[_PatternValidator(self)],
            validate_on=["changed", "submitted"],
            id=id,
            classes=classes,
        )

    def on_mount(self) -> None:
        self._show_mode()

    def show_count(self, count: str) -> None:
        """Show ``count`` (``3/120``, ``no match``) at the bar's bottom right."""
        self._count = count
        self._show_mode()

    @property
    def error(self) -> str:
        """Why the text is not a valid regular expression (empty when it is valid)."""
        result = self.validate(self.value)
        failures = result.failure_descriptions if result is not None else []
        return failures[0] if failures else ""

    def _show_mode(self) -> None:
        mode = "regex" if self.regex else "text"
        case = "Aa" if self.case_sensitive else "aa"
        only = ", only matches" if self.only else ""
        self.border_title = f"search ({mode}, {case}{only}) · ctrl+r ctrl+t ctrl+f"
        self.border_subtitle = self.error or self._count

    def _changed(self) -> None:
        """Search again once the typing pauses."""
        self._show_mode()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self._post_search, name="search-debounce")

    def _post_search(self) -> None:
        self._debounce = None
        # An invalid regex searches nothing: the old matches and count would pass for its.
        error = self.error
        search = "" if error else self.value
        self.post_message(
            self.Search(self, search, self.regex, self.case_sensitive, self.only, error)
        )

    def action_toggle_regex(self) -> None:
        self.regex = not self.regex
        self._changed()

    def action_toggle_case(self) -> None:
        self.case_sensitive = not self.case_sensitive
        self._changed()

    def action_toggle_only(self) -> None:
        self.only = not self.only
        self._changed()

    def action_cancel(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self.post_message(self.Cancelled(self))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    def action_jump(self, step: int) -> None:
        if self._debounce is not None:  # typed just now: search first, then jump
            self._debounce.stop()
            self._post_search()
        self.post_message(self.Jump(self, step))

    async def action_submit(self) -> None:
        if self.error:
            self._show_mode()
            self.app.bell()
            return
        self.action_jump(1)
