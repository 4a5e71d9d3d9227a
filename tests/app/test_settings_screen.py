"""Pilot tests of the settings screen, the connection form and the confirm dialog, on real files."""

from __future__ import annotations

import errno
import os
import stat
import tomllib
from pathlib import Path

import pytest
from pydantic import SecretStr
from textual.app import App
from textual.widgets import Collapsible, Input, OptionList, Static, TextArea

from settings import BinaryMessage, Message, WsdeckSettings, load_settings
from tests.app.settings_helpers import (
    SAMPLE,
    Host,
    fill_form,
    settings_file,
    text_of,
    tree,
    until,
    wait_screen,
    write_sample,
)
from tui.screens.confirm import ConfirmScreen
from tui.screens.connection_form import ConnectionForm
from tui.screens.form_text import (
    MASK,
    format_headers,
    format_messages,
    format_saved_messages,
    mask_credentials,
    parse_headers,
    parse_messages,
    parse_saved_messages,
    unmask_credentials,
)
from tui.screens.settings_screen import SettingsScreen, copy_name

SECRET = "s3cr3t-t0ken-value"


async def test_add_connection_saves_and_keeps_comments(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    write_sample(path)
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await wait_screen(pilot, SettingsScreen)
        assert "echo" in str(screen.query_one("#settings-list").render_line(0).text)
        await pilot.press("a")
        await fill_form(pilot, name="flood", url="ws://127.0.0.1:8765/flood?count=10")
        await pilot.press("ctrl+s")
        await wait_screen(pilot, SettingsScreen)
        await until(pilot, lambda: "flood" in path.read_text(), "the file to be saved")
        assert "Saved to" in text_of(screen, "#settings-status")
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results), "the result")
    text = path.read_text()
    assert "# wsdeck settings: keep this comment" in text
    assert "max_events = 500  # inline comment stays" in text
    assert "# the echo endpoint" in text
    assert text.count("[[connections]]") == 3
    data = tomllib.loads(text)
    assert data["connections"][2] == {"name": "flood", "url": "ws://127.0.0.1:8765/flood?count=10"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the sample's 0640 is tightened
    result = app.results[0]
    assert result is not None
    assert result.added == {"flood"}
    assert result.removed == result.changed == result.restart == frozenset()
    assert [c.name for c in result.settings.connections] == ["echo", "ticker", "flood"]


async def test_add_to_missing_file_creates_it_0600(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    app = Host(WsdeckSettings.model_construct(), path)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await wait_screen(pilot, SettingsScreen)
        assert screen.query_one("#settings-empty").display
        await pilot.press("a")
        await fill_form(pilot, name="echo", url="ws://127.0.0.1:8765/echo")
        await pilot.press("ctrl+s")
        await until(pilot, path.exists, "the file to be created")
        await wait_screen(pilot, SettingsScreen)
        assert not screen.query_one("#settings-empty").display
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text())["connections"] == [
        {"name": "echo", "url": "ws://127.0.0.1:8765/echo"}
    ]


async def test_invalid_url_is_shown_under_the_url_field(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    before = write_sample(path)
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("a")
        await fill_form(pilot, name="bad", url="ftp://x")
        await pilot.press("ctrl+s")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, ConnectionForm)
        error = form.query_one("#error-url", Static)
        assert error.has_class("-shown")
        assert str(error.content) == "url scheme must be ws or wss, got 'ftp'"
        assert "URL" in text_of(form, "#form-summary")
        assert not form.query_one("#error-name", Static).has_class("-shown")
        assert form.focused is form.query_one("#field-url")
        # Fixing it clears the message and the form closes.
        form.query_one("#field-url", Input).value = "ws://127.0.0.1:1/"
        await pilot.press("ctrl+s")
        await wait_screen(pilot, SettingsScreen)
    assert path.read_bytes() != before
    assert tomllib.loads(path.read_text())["connections"][-1]["name"] == "bad"


async def test_invalid_form_never_reaches_the_file(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    before = write_sample(path)
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("a")
        await fill_form(pilot, name="bad", url="ws://127.0.0.1:8765/")
        form = pilot.app.screen
        form.query_one("#field-port", Input).value = "9999"
        form.query_one("#field-reconnect-jitter", Input).value = "3"
        form.query_one("#field-on_start_send", TextArea).text = "hello\nhex:zz"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConnectionForm)
        assert "port 9999 differs from the port 8765" in text_of(form, "#error-port")
        assert "less than or equal to 1" in text_of(form, "#error-reconnect-jitter")
        assert text_of(form, "#error-on_start_send").startswith("line 2: invalid hex")
        assert not form.query_one("#section-reconnect", Collapsible).collapsed
        await pilot.press("escape")
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results), "the result")
    assert path.read_bytes() == before
    assert app.results == [None]


async def test_duplicate_name_is_rejected(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    before = write_sample(path)
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("a")
        await fill_form(pilot, name="ticker", url="ws://127.0.0.1:8765/other")
        await pilot.press("ctrl+s")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, ConnectionForm)
        assert text_of(form, "#error-name") == "name 'ticker' is already used by another connection"
        await pilot.press("escape")
        await wait_screen(pilot, SettingsScreen)
    assert path.read_bytes() == before


async def test_duplicate_action_picks_free_copy_names(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    write_sample(path)
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await wait_screen(pilot, SettingsScreen)
        await pilot.press("d")
        await until(pilot, lambda: "echo copy" in path.read_text(), "the first copy")
        # The copy is highlighted now; go back to "echo" and copy it again.
        await pilot.press("up", "d")
        await until(pilot, lambda: "echo copy 2" in path.read_text(), "the second copy")
        assert isinstance(screen, SettingsScreen)
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results), "the result")
    names = [c["name"] for c in tomllib.loads(path.read_text())["connections"]]
    assert names == ["echo", "echo copy 2", "echo copy", "ticker"]
    result = app.results[0]
    assert result is not None
    assert result.added == {"echo copy", "echo copy 2"}
    assert copy_name("a", {"a copy", "a copy 2"}) == "a copy 3"


@pytest.mark.parametrize(("answer", "restart"), [("y", {"echo"}), ("n", set())])
async def test_edit_of_open_connection_asks_to_restart(
    tmp_path: Path, answer: str, restart: set[str]
) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    write_sample(path)
    app = Host(load_settings(path, use_env=False), path, open_connections={"echo"})
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("enter")  # enter on the list edits, like e
        await fill_form(pilot, url="ws://127.0.0.1:9000/echo")
        await pilot.press("ctrl+s")
        question = await wait_screen(pilot, ConfirmScreen)
        assert isinstance(question, ConfirmScreen)
        assert "'echo' is open" in question.question
        assert "9000" in path.read_text()  # saved before asking
        await pilot.press(answer)
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results), "the result")
    assert tomllib.loads(path.read_text())["connections"][0]["url"] == "ws://127.0.0.1:9000/echo"
    result = app.results[0]
    assert result is not None
    assert result.changed == {"echo"}
    assert result.restart == restart
    assert result.settings.connection("echo").url == "ws://127.0.0.1:9000/echo"


async def test_edit_of_closed_connection_does_not_ask(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    write_sample(path)
    app = Host(load_settings(path, use_env=False), path, open_connections={"echo"})
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("down", "e")
        await fill_form(pilot, name="ticker2")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "ticker2" in path.read_text(), "the save")
        assert isinstance(pilot.app.screen, SettingsScreen)
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results), "the result")
    result = app.results[0]
    assert result is not None
    assert result.added == {"ticker2"}
    assert result.removed == {"ticker"}
    assert result.restart == frozenset()


async def test_delete_asks_first(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    before = write_sample(path)
    app = Host(load_settings(path, use_env=False), path, open_connections={"ticker"})
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("down", "x")
        question = await wait_screen(pilot, ConfirmScreen)
        assert isinstance(question, ConfirmScreen)
        assert question.question == "Delete connection 'ticker'? It is open and will be stopped."
        await pilot.press("n")
        await wait_screen(pilot, SettingsScreen)
        await pilot.pause()
        assert path.read_bytes() == before
        await pilot.press("delete")
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: "ticker" not in path.read_text(), "the delete")
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results), "the result")
    assert [c["name"] for c in tomllib.loads(path.read_text())["connections"]] == ["echo"]
    assert "# the echo endpoint" in path.read_text()
    result = app.results[0]
    assert result is not None
    assert result.removed == {"ticker"}


async def test_file_changed_on_disk_asks_before_overwriting(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    write_sample(path)
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await wait_screen(pilot, SettingsScreen)
        outside = SAMPLE + "# added by another editor\n"
        path.write_text(outside)
        await pilot.press("d")
        question = await wait_screen(pilot, ConfirmScreen)
        assert isinstance(question, ConfirmScreen)
        assert "changed on disk" in question.question
        await pilot.press("n")
        await wait_screen(pilot, SettingsScreen)
        await pilot.pause()
        assert path.read_text() == outside
        assert "file on disk was left as it is" in text_of(screen, "#settings-status")
        assert len(tomllib.loads(path.read_text())["connections"]) == 2
        # Answering yes overwrites with this screen's version.
        await pilot.press("d")
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: "echo copy" in path.read_text(), "the overwrite")
        assert "added by another editor" not in path.read_text()
        # Our own save is not an outside change: the next save asks nothing.
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("d")
        await until(pilot, lambda: "echo copy 2" in path.read_text(), "a save without asking")
        assert isinstance(pilot.app.screen, SettingsScreen)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
async def test_save_error_is_shown_and_the_file_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    before = write_sample(path)

    def refuse(src: object, dst: object) -> None:
        raise OSError(code, os.strerror(code))

    # chmod does not stop root (CI), so simulate the failing rename instead.
    monkeypatch.setattr(os, "replace", refuse)
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await wait_screen(pilot, SettingsScreen)
        await pilot.press("d")
        status = screen.query_one("#settings-status", Static)
        await until(pilot, lambda: status.has_class("-error"), "the error")
        assert os.strerror(code) in str(status.content)
        assert "Not saved, the file is unchanged" in str(status.content)
        assert screen.query_one("#settings-list", OptionList).option_count == 2
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results), "the result")
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["wsdeck.toml"]  # no temp left
    assert app.results == [None]


async def test_header_secrets_are_never_rendered(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    write_sample(
        path,
        SAMPLE
        + f'\n[connections.headers]\nAuthorization = "Bearer {SECRET}"\n'
        + 'X-Api-Key = "${API_TOKEN}"\n',
    )
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        assert SECRET not in app.export_screenshot()
        await pilot.press("down", "e")
        form = await wait_screen(pilot, ConnectionForm)
        form.query_one("#section-handshake", Collapsible).collapsed = False
        await pilot.pause()
        area = form.query_one("#field-headers", TextArea)
        area.scroll_visible(animate=False)
        await pilot.pause()
        svg = app.export_screenshot()
        assert SECRET not in svg
        assert "Authorization" in svg
        assert "X-Api-Key" in svg
        assert "API_TOKEN" in svg  # a bare ${VAR} reference is no secret
        assert area.text == f"Authorization: {MASK}\nX-Api-Key: ${{API_TOKEN}}"
        # Saving unchanged is no change; then keep the secret and add a header.
        await pilot.press("ctrl+s")
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("e")
        form = await wait_screen(pilot, ConnectionForm)
        form.query_one("#field-headers", TextArea).text = f"Authorization: {MASK}\nX-New: fresh"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "X-New" in path.read_text(), "the save")
        assert SECRET not in app.export_screenshot()
    headers = tomllib.loads(path.read_text())["connections"][1]["headers"]
    assert headers == {"Authorization": f"Bearer {SECRET}", "X-New": "fresh"}


async def test_url_and_proxy_credentials_are_masked_with_a_reveal_toggle(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    password, proxy_password = "pw-SECRET-4711", "proxy-SECRET-0815"
    write_sample(
        path,
        SAMPLE.replace("ws://127.0.0.1:8765/ticker", f"ws://bob:{password}@127.0.0.1:8765/ticker")
        + f'proxy = "http://carol:{proxy_password}@127.0.0.1:3128"\n'
        + f'[connections.headers]\nX-Api-Key = "Bearer {SECRET}"\n',
    )
    app = Host(load_settings(path, use_env=False), path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("down", "e")
        form = await wait_screen(pilot, ConnectionForm)
        for section in ("#section-handshake", "#section-network"):
            form.query_one(section, Collapsible).collapsed = False
        await pilot.pause()
        url = form.query_one("#field-url", Input)
        proxy = form.query_one("#field-proxy", Input)
        headers = form.query_one("#field-headers", TextArea)
        assert url.value == f"ws://{MASK}@127.0.0.1:8765/ticker?rate=5"
        assert proxy.value == f"http://{MASK}@127.0.0.1:3128"
        shown = app.export_screenshot()
        for secret in (password, proxy_password, SECRET, "bob", "carol"):
            assert secret not in shown
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert url.value == f"ws://bob:{password}@127.0.0.1:8765/ticker?rate=5"
        assert proxy.value == f"http://carol:{proxy_password}@127.0.0.1:3128"
        assert headers.text == f"X-Api-Key: Bearer {SECRET}"
        url.value = url.value.replace("ticker", "feed")  # edited while shown
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert url.value == f"ws://{MASK}@127.0.0.1:8765/feed?rate=5"
        assert headers.text == f"X-Api-Key: {MASK}"
        assert password not in app.export_screenshot()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "/feed" in path.read_text(), "the save")
    saved = tomllib.loads(path.read_text())["connections"][1]
    assert saved["url"] == f"ws://bob:{password}@127.0.0.1:8765/feed?rate=5"
    assert saved["proxy"] == f"http://carol:{proxy_password}@127.0.0.1:3128"
    assert saved["headers"] == {"X-Api-Key": f"Bearer {SECRET}"}


def test_a_mask_without_saved_credentials_is_an_error() -> None:
    assert unmask_credentials(f"ws://{MASK}@h/", "u:p") == "ws://u:p@h/"
    assert unmask_credentials("ws://u:new@h/", "u:p") == "ws://u:new@h/"
    with pytest.raises(ValueError, match="stands for saved credentials"):
        unmask_credentials(f"ws://{MASK}@h/", None)
    assert mask_credentials("ws://h/") == ("ws://h/", None)


async def test_environment_values_are_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    write_sample(path)
    monkeypatch.setenv("WSDECK_FEED__MAX_EVENTS", "50000")
    settings = load_settings(path)
    assert settings.feed.max_events == 50000
    app = Host(settings, path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("d")
        await until(pilot, lambda: "echo copy" in path.read_text(), "the save")
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results), "the result")
    assert tomllib.loads(path.read_text())["feed"]["max_events"] == 500
    result = app.results[0]
    assert result is not None
    assert result.settings.feed.max_events == 50000


async def test_demo_mode_applies_without_writing(tmp_path: Path) -> None:
    settings = WsdeckSettings.model_validate(
        {"connections": [{"name": "echo", "url": "ws://127.0.0.1:8765/echo"}]}
    )
    before = tree(tmp_path)
    app = Host(settings, None)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await wait_screen(pilot, SettingsScreen)
        assert "Demo mode" in text_of(screen, "#settings-source")
        assert "nothing is written" in text_of(screen, "#settings-source")
        await pilot.press("a")
        await fill_form(pilot, name="ticker", url="ws://127.0.0.1:8765/ticker")
        await pilot.press("ctrl+s")
        await wait_screen(pilot, SettingsScreen)
        await until(pilot, lambda: "session only" in text_of(screen, "#settings-status"), "apply")
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results), "the result")
    assert tree(tmp_path) == before
    result = app.results[0]
    assert result is not None
    assert result.added == {"ticker"}
    assert [c.name for c in result.settings.connections] == ["echo", "ticker"]


async def test_form_fits_80x24_and_works_by_keyboard(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    app = Host(WsdeckSettings.model_construct(), path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("a")
        form = await wait_screen(pilot, ConnectionForm)
        assert form.focused is form.query_one("#field-name")
        await pilot.press(*"echo", "tab")
        assert form.focused is form.query_one("#field-url")
        await pilot.press(*"ws://127.0.0.1:8765/echo", "tab")
        assert form.focused is form.query_one("#field-port")
        await pilot.press("tab", "space")  # auto_start switch on
        save = form.query_one("#form-save")
        assert save.region.bottom <= 24
        assert save.region.right <= 80
        await pilot.press("ctrl+s")
        await until(pilot, path.exists, "the save")
    assert tomllib.loads(path.read_text())["connections"] == [
        {"name": "echo", "url": "ws://127.0.0.1:8765/echo", "auto_start": True}
    ]


async def test_confirm_screen_answers() -> None:
    answers: list[bool | None] = []

    class Ask(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ConfirmScreen("[red]Quit?[/red]", "Quit", "Stay"), answers.append)

    for keys, expected in ((["y"], True), (["n"], False), (["escape"], False), (["enter"], True)):
        app = Ask()
        async with app.run_test(size=(60, 12)) as pilot:
            await wait_screen(pilot, ConfirmScreen)
            assert "[red]Quit?[/red]" in text_of(pilot.app.screen, "#confirm-question")
            count = len(answers)
            await pilot.press(*keys)
            await until(pilot, lambda: len(answers) > count, "the answer")  # noqa: B023
        assert answers[-1] is expected
    assert len(answers) == 4


def test_text_forms_round_trip() -> None:
    messages: list[Message] = [
        "hello",
        "hex:looks like a prefix",
        "two\nlines",
        BinaryMessage(hex="00ff"),
    ]
    parsed = parse_messages(format_messages(messages))
    assert parsed.errors == []
    assert parsed.value == [
        "hello",
        "hex:looks like a prefix",
        "two\nlines",
        {"hex": "00ff"},
    ]
    saved: dict[str, Message] = {"greet": "hi = there", "a=b": BinaryMessage(base64="AAE=")}
    parsed = parse_saved_messages(format_saved_messages(saved))
    assert parsed.errors == []
    assert parsed.value == {"greet": "hi = there", "a=b": {"base64": "AAE="}}
    assert parse_saved_messages("no equals sign").errors == [
        "line 1: write a saved message as 'name = message'"
    ]


def test_header_lines_keep_masked_secrets() -> None:
    saved = {"Authorization": SecretStr(SECRET)}
    text = format_headers(saved)
    assert SECRET not in text
    parsed = parse_headers(text + "\nX-Other: 1\nbroken line", saved)
    assert parsed.value == {"Authorization": SecretStr(SECRET), "X-Other": "1"}
    assert parsed.errors == ["line 3: write a header as 'Name: value'"]
    unknown = parse_headers(f"X-New: {MASK}", saved)
    assert unknown.errors
    assert SECRET not in unknown.errors[0]


async def test_field_is_checked_when_the_focus_leaves_it(tmp_path: Path) -> None:
    app = Host(WsdeckSettings.model_construct(), settings_file(tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_screen(pilot, SettingsScreen)
        await pilot.press("a")
        form = await wait_screen(pilot, ConnectionForm)
        await pilot.press("tab")  # leaving the empty name says nothing yet
        assert not form.query_one("#error-name", Static).has_class("-shown")
        await pilot.press(*"ftp://x", "tab")
        await pilot.pause()
        assert text_of(form, "#error-url") == "url scheme must be ws or wss, got 'ftp'"
        assert not form.query_one("#error-name", Static).has_class("-shown")
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k", *"ws://x", "tab")
        await pilot.pause()
        assert not form.query_one("#error-url", Static).has_class("-shown")


async def test_unreadable_file_is_reported_and_not_edited(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.parent.mkdir()
    write_sample(path)
    settings = load_settings(path, use_env=False)
    before = write_sample(path, SAMPLE + "[[connections]\n")  # broken after the app loaded it
    app = Host(settings, path)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await wait_screen(pilot, SettingsScreen)
        assert "Cannot edit" in text_of(screen, "#settings-source")
        assert "invalid TOML" in text_of(screen, "#settings-source")
        await pilot.press("a", "d", "x")
        await pilot.pause()
        assert pilot.app.screen is screen
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results), "the result")
    assert path.read_bytes() == before
    assert app.results == [None]
