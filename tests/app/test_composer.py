"""Pilot tests for the Send composer: modes, validation, gating on the open state, history."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.widgets import Button, Select, Static, TextArea

from settings.messages import BinaryMessage, Message
from tests.app.conftest import type_text
from tui.widgets.composer import NOT_OPEN, Composer
from tui.widgets.composer_model import EMPTY_MESSAGE, Entry, History, mode_for


class ComposerApp(App[None]):
    """Mounts one composer, targets it at an open connection and records what it posts."""

    def __init__(self, *, is_open: bool = True, saved: Mapping[str, Message] | None = None):
        super().__init__()
        self.is_open = is_open
        self.saved = dict(saved or {})
        self.requests: list[Composer.SendRequested] = []
        self.blocked: list[Composer.SendBlocked] = []

    def compose(self) -> ComposeResult:
        yield Composer(id="composer")

    def on_mount(self) -> None:
        self.composer.set_target("echo", self.is_open, self.saved)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @on(Composer.SendRequested, "#composer")
    def _record(self, event: Composer.SendRequested) -> None:
        self.requests.append(event)

    @on(Composer.SendBlocked, "#composer")
    def _record_blocked(self, event: Composer.SendBlocked) -> None:
        self.blocked.append(event)


def editor(app: ComposerApp) -> TextArea:
    return app.query_one("#composer-editor", TextArea)


def error_line(app: ComposerApp) -> Static:
    return app.query_one("#composer-error", Static)


async def test_text_mode_sends_typed_text_and_clears_editor() -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.focused is editor(app)
        await type_text(pilot, "hello")
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert [(r.connection, r.data, r.mode) for r in app.requests] == [("echo", "hello", "text")]
        assert app.requests[0].control is app.composer
        assert editor(app).text == ""
        assert not error_line(app).display


async def test_send_button_sends() -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "hi")
        await pilot.click("#composer-send")
        await pilot.pause()
        assert [r.data for r in app.requests] == ["hi"]
        assert app.focused is editor(app)


async def test_empty_message_is_refused() -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert app.requests == []
        assert app.composer.error == EMPTY_MESSAGE
        assert error_line(app).display


async def test_json_mode_validates_sends_as_typed_and_formats() -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.mode = "json"
        await type_text(pilot, '{"a":')
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert app.requests == []
        assert app.composer.error == "invalid JSON: Expecting value (line 1, column 6)"
        assert error_line(app).display
        assert editor(app).text == '{"a":'

        # Any edit clears the error.
        await type_text(pilot, " 1}")
        await pilot.pause()
        assert app.composer.error == ""
        assert not error_line(app).display

        await pilot.press("ctrl+f")
        await pilot.pause()
        assert editor(app).text == '{\n  "a": 1\n}'

        editor(app).load_text('{"a": 1}')
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert [(r.data, r.mode) for r in app.requests] == [('{"a": 1}', "json")]


async def test_json_format_shows_error_and_keeps_text() -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.mode = "json"
        editor(app).load_text("[1, NaN]")
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert app.composer.error == "invalid JSON: NaN is not valid JSON"
        assert editor(app).text == "[1, NaN]"


async def test_format_is_hidden_outside_json_mode() -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        editor(app).load_text('{"a":1}')
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert editor(app).text == '{"a":1}'
        assert "ctrl+f" not in app.screen.active_bindings


@pytest.mark.parametrize(
    ("mode", "typed", "expected"),
    [("hex", "01 ff", b"\x01\xff"), ("base64", "AAEC/w==", b"\x00\x01\x02\xff")],
)
async def test_binary_modes_decode_to_bytes(mode: str, typed: str, expected: bytes) -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.mode = mode  # type: ignore[assignment]
        await type_text(pilot, typed)
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert [(r.data, r.mode) for r in app.requests] == [(expected, mode)]
        assert editor(app).text == ""


@pytest.mark.parametrize(("mode", "typed"), [("hex", "zz"), ("base64", "a!")])
async def test_binary_modes_reject_invalid_input(mode: str, typed: str) -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.mode = mode  # type: ignore[assignment]
        await type_text(pilot, typed)
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert app.requests == []
        assert app.composer.error.startswith(f"invalid {mode}:")
        assert str(error_line(app).render()).startswith(f"invalid {mode}:")
        assert editor(app).text == typed


async def test_not_open_greys_send_and_refuses_forced_send() -> None:
    app = ComposerApp(is_open=False)
    async with app.run_test(size=(80, 24)) as pilot:
        button = app.query_one("#composer-send", Button)
        assert button.disabled
        assert app.composer.check_action("send", ()) is None
        assert app.screen.active_bindings["ctrl+j"].enabled is False

        await type_text(pilot, "hello")
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert app.requests == []
        assert app.composer.error == NOT_OPEN
        assert [(b.connection, b.reason) for b in app.blocked] == [("echo", NOT_OPEN)]
        assert editor(app).text == "hello"

        app.composer.set_target("echo", True, {})
        await pilot.pause()
        assert not button.disabled
        assert app.screen.active_bindings["ctrl+j"].enabled is True
        assert app.composer.error == ""
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert [r.data for r in app.requests] == ["hello"]


async def test_no_connection_sends_nothing() -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.set_target(None, False, {})
        await type_text(pilot, "x")
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert app.requests == []
        assert app.query_one("#composer-send", Button).disabled
        assert [b.connection for b in app.blocked] == [None]


async def test_history_recalls_entries_with_their_mode() -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "first")
        await pilot.press("ctrl+j")
        app.composer.mode = "hex"
        await type_text(pilot, "01")
        await pilot.press("ctrl+j")
        app.composer.mode = "text"
        await type_text(pilot, "draft")
        await pilot.pause()
        assert len(app.requests) == 2

        await pilot.press("up")
        assert (editor(app).text, app.composer.mode) == ("01", "hex")
        await pilot.press("up")
        assert (editor(app).text, app.composer.mode) == ("first", "text")
        await pilot.press("up")  # the oldest entry: stays put
        assert editor(app).text == "first"
        await pilot.press("down")
        assert (editor(app).text, app.composer.mode) == ("01", "hex")
        await pilot.press("down")
        assert (editor(app).text, app.composer.mode) == ("draft", "text")
        await pilot.press("down")  # not browsing any more: a plain cursor move
        assert editor(app).text == "draft"


async def test_up_moves_the_cursor_inside_a_multiline_message() -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "sent")
        await pilot.press("ctrl+j")
        await type_text(pilot, "a")
        await pilot.press("enter")
        await type_text(pilot, "b")
        await pilot.press("up")
        assert editor(app).text == "a\nb"
        assert editor(app).cursor_location[0] == 0
        await pilot.press("up")
        assert editor(app).text == "sent"


async def test_history_is_bounded_and_skips_consecutive_duplicates() -> None:
    history = History(limit=3)
    for text in ("a", "b", "b", "c", "d"):
        history.push("echo", Entry(text, "text"))
    assert [e.text for e in history.entries("echo")] == ["b", "c", "d"]
    assert history.entries("other") == ()
    assert history.back("other", Entry("", "text")) is None


async def test_saved_binary_message_loads_in_its_encoding() -> None:
    saved: dict[str, Message] = {
        "bytes": BinaryMessage(hex="01ff"),
        "[red]b64": BinaryMessage(base64="AAE="),
    }
    app = ComposerApp(saved=saved)
    async with app.run_test(size=(80, 24)) as pilot:
        select = app.query_one("#composer-saved", Select)
        editor(app).focus()
        await pilot.press("ctrl+o", "down", "enter")
        await pilot.pause()
        assert (editor(app).text, app.composer.mode) == ("01ff", "hex")
        assert select.is_blank()
        assert app.focused is editor(app)
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert [r.data for r in app.requests] == [b"\x01\xff"]

        select.value = "[red]b64"
        await pilot.pause()
        assert (editor(app).text, app.composer.mode) == ("AAE=", "base64")


async def test_saved_name_is_shown_literally() -> None:
    app = ComposerApp(saved={"[red]b64": "x"})
    async with app.run_test(size=(80, 24)) as pilot:
        select = app.query_one("#composer-saved", Select)
        editor(app).focus()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert select.expanded
        assert "[red]b64" in app.export_screenshot()


async def test_saved_json_text_picks_json_mode() -> None:
    saved: dict[str, Message] = {"ping": '{"type": "ping"}', "plain": "hello"}
    app = ComposerApp(saved=saved)
    async with app.run_test(size=(80, 24)) as pilot:
        select = app.query_one("#composer-saved", Select)
        select.value = "ping"
        await pilot.pause()
        assert (editor(app).text, app.composer.mode) == ('{"type": "ping"}', "json")
        select.value = "plain"
        await pilot.pause()
        assert (editor(app).text, app.composer.mode) == ("hello", "text")


def test_mode_for_reads_json_only_for_objects_and_arrays() -> None:
    assert mode_for("[1]") == ("[1]", "json")
    assert mode_for("42") == ("42", "text")
    assert mode_for(BinaryMessage(base64="AAE=")) == ("AAE=", "base64")


async def test_ctrl_t_cycles_modes_and_updates_the_selector() -> None:
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        mode_select = app.query_one("#composer-mode", Select)
        seen = []
        for _ in range(4):
            await pilot.press("ctrl+t")
            seen.append((app.composer.mode, mode_select.value))
        assert seen == [
            ("json", "json"),
            ("hex", "hex"),
            ("base64", "base64"),
            ("text", "text"),
        ]


async def test_the_editor_is_the_composers_only_tab_stop() -> None:
    # The mode (ctrl+t), the saved messages (ctrl+o) and Send (ctrl+j) have keys: tab
    # goes round the panes instead of stopping at each control (issue 12 item 3).
    app = ComposerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        editor(app).focus()
        await pilot.press("tab")
        assert not any(w.has_focus for w in app.query("#composer-bar *"))
        assert all(not w.focusable for w in app.query("#composer-bar > *"))
