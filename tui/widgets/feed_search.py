"""A one-line search box for the feed: text or regex, case toggle, invalid regex shown inline.

It only posts intents (:class:`SearchBar.Search`, :class:`SearchBar.Cancelled`); the screen
that mounts it applies the search with ``EventFeed.set_filter``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Input

from tui.core.ring import FeedFilter

__all__ = ["SearchBar"]


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
    """Type a search; Enter applies it, Escape cancels, ctrl+r regex, ctrl+t case."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "toggle_regex", "Regex", id="search.regex"),
        Binding("ctrl+t", "toggle_case", "Case", id="search.case"),
        Binding("escape", "cancel", "Cancel", id="search.cancel"),
    ]

    @dataclass
    class Search(Message):
        """The user asked to search (``search`` may be empty: no search)."""

        bar: SearchBar
        search: str
        regex: bool
        case_sensitive: bool

        @property
        def control(self) -> SearchBar:
            """Alias for :attr:`bar`."""
            return self.bar

        def apply_to(self, flt: FeedFilter) -> FeedFilter:
            """``flt`` with this search."""
            return replace(
                flt, search=self.search, regex=self.regex, case_sensitive=self.case_sensitive
            )

    @dataclass
    class Cancelled(Message):
        """The user closed the search box without searching."""

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

    def _show_mode(self) -> None:
        mode = "regex" if self.regex else "text"
        case = "Aa" if self.case_sensitive else "aa"
        self.border_title = f"search ({mode}, {case})"
        result = self.validate(self.value)
        failures = result.failure_descriptions if result is not None else []
        self.border_subtitle = failures[0] if failures else ""

    def action_toggle_regex(self) -> None:
        self.regex = not self.regex
        self._show_mode()

    def action_toggle_case(self) -> None:
        self.case_sensitive = not self.case_sensitive
        self._show_mode()

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled(self))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show_mode()

    async def action_submit(self) -> None:
        result = self.validate(self.value)
        if result is not None and not result.is_valid:
            self._show_mode()
            self.app.bell()
            return
        self.post_message(self.Search(self, self.value, self.regex, self.case_sensitive))
