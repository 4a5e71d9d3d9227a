"""Secrets: header values and URL credentials never leave the process in readable form.

A hostile (or merely chatty) server echoes every credential it was sent back to us in
its HTTP rejection body and in its close reason. None of it may appear in events, the
feed, exports, recordings, ``tail`` output, ``config check`` output or ``repr()``; files
holding events or settings are created 0600; TLS verification is on unless turned off.
"""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import stat
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from settings import Connection, WsdeckSettings, load_settings, save_settings
from tests.hardening.conftest import connection, screen_text, settle, wait_until
from tui.app import WsdeckApp
from tui.core.display import text_line
from tui.core.events import ReceiveEvent, StartEvent, decode_line, encode_line
from tui.core.options import build_options
from tui.widgets.detail import detail_lines
from tui.widgets.feed import EventFeed

TOKEN = "tok-SECRET-4711-zebra"  # from the environment: Authorization = "Bearer ${TOKEN}"
LITERAL = "lit-KEY-0815-walrus"  # written in the file: X-Api-Key = "lit-KEY-..."
USER, PASSWORD = "alice", "pw-HIDDEN-9000-okapi"  # ws://alice:pw-...@127.0.0.1/
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SECRETS = (TOKEN, LITERAL, PASSWORD, BASIC)
WINDOW = 8


def leaks(text: str, secrets: Iterable[str] = SECRETS) -> list[str]:
    """Every 8-character piece of a secret found in ``text`` (a partial leak counts)."""
    found = []
    for secret in secrets:
        for start in range(len(secret) - WINDOW + 1):
            piece = secret[start : start + WINDOW]
            if piece in text:
                found.append(piece)
    return found


def _credentials(headers: Headers) -> str:
    auth = headers.get("Authorization", "")
    key = headers.get("X-Api-Key", "")
    decoded = ""
    if auth.startswith("Basic "):
        decoded = base64.b64decode(auth[6:]).decode()
    return " ".join(part for part in (auth, key, decoded) if part)


def _process_request(conn: ServerConnection, request: Request) -> Response | None:
    echoed = _credentials(request.headers)
    if request.path.startswith("/reject"):
        return conn.respond(401, f"denied: you sent {echoed}\n")
    if request.path.startswith("/straddle"):
        # The credentials start just before the 200-character excerpt of the body ends.
        return conn.respond(403, "." * 190 + " " + echoed.replace("Bearer ", ""))
    return None


async def _close_with_echo(ws: ServerConnection) -> None:
    assert ws.request is not None
    credentials = _credentials(ws.request.headers)
    if ws.request.path.startswith("/echo"):
        # What an auth endpoint says back, in a text and a binary frame; then an echo.
        await ws.send(f"auth ok: {credentials}")
        await ws.send(f"binary: {credentials}".encode())
        async for message in ws:
            await ws.send(message)
        return
    reason = credentials.encode()[:123].decode(errors="ignore")
    await ws.close(1008, reason)


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    """``ws://127.0.0.1:PORT``: /reject and /straddle refuse, /close closes, all echoing;
    /echo says the credentials back in a text and a binary message, then echoes."""
    async with serve(_close_with_echo, "127.0.0.1", 0, process_request=_process_request) as server:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def _bearer(name: str, url: str, **fields: Any) -> Connection:
    headers = {"Authorization": "Bearer ${TOKEN}", "X-Api-Key": LITERAL}
    return connection(name, url, headers=headers, **fields)


def _basic(name: str, url: str, **fields: Any) -> Connection:
    return connection(name, url.replace("ws://", f"ws://{USER}:{PASSWORD}@"), **fields)


def _toml(base: str, record: Path | None = None) -> str:
    lines = []
    for path in ("/reject", "/straddle", "/close"):
        lines += [
            "[[connections]]",
            f'name = "bearer{path.replace("/", "-")}"',
            f'url = "{base}{path}"',
            'proxy = "none"',
            "close_timeout = 1.0",
            f'headers = {{ Authorization = "Bearer ${{TOKEN}}", X-Api-Key = "{LITERAL}" }}',
            "[[connections]]",
            f'name = "basic{path.replace("/", "-")}"',
            f'url = "{base.replace("ws://", f"ws://{USER}:{PASSWORD}@")}{path}"',
            'proxy = "none"',
            "close_timeout = 1.0",
        ]
    if record is not None:
        lines += ["[recording]", f'path = "{record}"']
    return "\n".join(lines) + "\n"


async def test_echoed_credentials_are_redacted_from_every_event(
    echo_server: str, hub_runner: Any
) -> None:
    conns = [
        make(f"{kind}{path}", f"{echo_server}{path}")
        for kind, make in (("bearer", _bearer), ("basic", _basic))
        for path in ("/reject", "/straddle", "/close")
    ]
    hub, events = hub_runner(*conns, env={"TOKEN": TOKEN})
    for conn in conns:
        hub.start(conn.name)
    for conn in conns:
        await settle(hub, events, conn.name)
    lines = [encode_line(e) for e in events.events]
    assert not leaks("\n".join(lines)), lines
    text = [text_line(e) for e in events.events]
    assert not leaks("\n".join(text)), text
    errors = {e.connection: e.message for e in events.of("error")}
    # The server did echo them: what we show is the redaction, not an empty message.
    assert "denied: you sent *** ***" in errors["bearer/reject"]
    assert "denied: you sent Basic *** ***" in errors["basic/reject"]
    assert "***" in errors["bearer/straddle"]
    stops = {e.connection: e.reason for e in events.of("stop")}
    assert stops["bearer/close"] == "*** ***"
    assert stops["basic/close"] == "Basic *** ***"
    assert [e.url for e in events.of("start", "basic/close")] == [
        f"ws://***@{echo_server[5:]}/close"
    ]
    for client in hub.clients.values():
        assert not leaks(str(client.stats.last_error))


def _binary_leaks(data: bytes) -> list[bytes]:
    return [
        piece
        for secret in SECRETS
        for start in range(len(secret) - WINDOW + 1)
        if (piece := secret[start : start + WINDOW].encode()) in data
    ]


async def test_secrets_echoed_in_payloads_are_redacted(echo_server: str, hub_runner: Any) -> None:
    conns = [
        _bearer("bearer/echo", f"{echo_server}/echo"),
        _basic("basic/echo", f"{echo_server}/echo"),
    ]
    hub, events = hub_runner(*conns, env={"TOKEN": TOKEN})
    said = f"my token is {TOKEN}, my key {LITERAL}, my password {PASSWORD}"
    for conn in conns:
        hub.start(conn.name)
        await events.count("start", 1, connection=conn.name)
        assert await hub.send(conn.name, said)
        assert await hub.send(conn.name, said.encode())
        await events.count("receive", 4, connection=conn.name)
    received = [e.data for e in events.of("receive", "bearer/echo")]
    assert received[0] == "auth ok: *** ***"
    assert received[1] == b"binary: *** ***"
    assert received[2] == "my token is ***, my key ***, my password " + PASSWORD  # not its secret
    assert [e.data for e in events.of("receive", "basic/echo")][:2] == [
        "auth ok: Basic *** ***",
        b"binary: Basic *** ***",
    ]
    payloads = events.of("send") + events.of("receive")
    for event in payloads:
        own = (TOKEN, LITERAL) if event.connection == "bearer/echo" else (PASSWORD, BASIC)
        shown = event.data if isinstance(event.data, str) else event.data.decode()
        assert not leaks(shown, own), event
        assert not leaks(encode_line(event), own)
        for view in ("text", "hex", "base64"):
            assert not leaks(text_line(event, view), own)
    # The size stays what the wire carried.
    assert events.of("send", "bearer/echo")[0].size == len(said)


async def test_a_cut_close_reason_does_not_leak_a_long_tokens_prefix(
    echo_server: str, hub_runner: Any
) -> None:
    token = "long-" + "".join(f"{i:03d}x" for i in range(50))  # 205 characters
    conn = connection("long", f"{echo_server}/close", headers={"Authorization": f"Bearer {token}"})
    hub, events = hub_runner(conn)
    hub.start("long")
    await settle(hub, events, "long")
    (stop,) = events.of("stop")
    # The server cut "Bearer <token>" to the 123 bytes a close reason holds.
    assert stop.reason == "Bearer ***"
    (error,) = events.of("error")
    assert not leaks(error.message, [token]), error.message
    assert "***" in error.message


async def test_secrets_shorter_than_4_characters_are_not_redacted(
    echo_server: str, hub_runner: Any
) -> None:
    conn = connection("short", f"{echo_server}/echo", headers={"X-Api-Key": "on"})
    hub, events = hub_runner(conn)
    hub.start("short")
    await events.count("start", 1)
    assert await hub.send("short", "connection on")
    received = await events.count("receive", 3)
    assert [e.data for e in received] == ["auth ok: on", b"binary: on", "connection on"]


def test_url_credentials_are_secrets_in_every_form() -> None:
    quoted = connection("q", "ws://al%69ce:p%40ss-WORD-1234@127.0.0.1:9/")
    secrets = build_options(quoted, {}).secrets
    assert "p@ss-WORD-1234" in secrets
    assert base64.b64encode(b"alice:p@ss-WORD-1234").decode() in secrets
    proxied = connection("p", "ws://127.0.0.1:9/", proxy="http://u:proxy-PASS-77@127.0.0.1:3")
    assert "proxy-PASS-77" in build_options(proxied, {}).secrets


async def _wsdeck(*args: str, env: dict[str, str], timeout: float = 30) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )
    try:
        async with asyncio.timeout(timeout):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
async def test_tail_output_and_recording_never_show_secrets(
    echo_server: str, tmp_path: Path, fmt: str
) -> None:
    config = tmp_path / "wsdeck.toml"
    record = tmp_path / "rec" / "events.jsonl"
    record.parent.mkdir()  # a recording's folder must exist
    config.write_text(_toml(echo_server))
    # TOKEN comes from the .env file beside the settings file here (the dashboard test
    # takes it from the environment).
    (tmp_path / ".env").write_text(f"TOKEN={TOKEN}\n")
    names = [f"{k}-{p}" for k in ("bearer", "basic") for p in ("reject", "straddle", "close")]
    adhoc = f"ws://{USER}:{PASSWORD}@{echo_server[5:]}/close"
    code, out, err = await _wsdeck(
        "tail",
        *names,
        adhoc,
        "--config",
        str(config),
        "--record",
        str(record),
        "--format",
        fmt,
        env={},
    )
    assert code == 1, err  # errors and nothing received
    assert "***" in out
    assert out.count("\n") >= 14
    assert not leaks(out), out
    assert not leaks(err), err
    recorded = record.read_text()
    assert recorded.count("\n") >= 14
    assert not leaks(recorded), recorded
    assert stat.S_IMODE(record.stat().st_mode) == 0o600


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
async def test_tail_never_shows_secrets_echoed_in_payloads(
    echo_server: str, tmp_path: Path, isolated_env: Path, fmt: str
) -> None:
    config = tmp_path / "wsdeck.toml"
    record = tmp_path / "events.jsonl"
    lines = _toml(echo_server).splitlines()
    config.write_text("\n".join(line.replace("/close", "/echo") for line in lines) + "\n")
    said = f"{TOKEN} {LITERAL} {PASSWORD}"
    files = [f"--config={config}", f"--record={record}", f"--format={fmt}"]
    # --count 6: per connection the text and binary credentials, then the echo.
    targets = ["bearer-close", "basic-close", "--send", said, "--count", "6"]
    code, out, err = await _wsdeck("tail", *targets, *files, env={"TOKEN": TOKEN})
    assert code == 0, err
    assert out.count("auth ok: ") == 2
    assert out.count("***") >= 10
    recorded = record.read_text()
    for line in out.splitlines() + recorded.splitlines():
        # Each connection hides its own secrets (the other's are just text to it).
        own = (TOKEN, LITERAL) if "bearer-close" in line else (PASSWORD, BASIC)
        assert not leaks(line, own), line
    assert not leaks(err), err
    decoded = [decode_line(line) for line in recorded.splitlines()]
    binary = [e.data for e in decoded if isinstance(e, ReceiveEvent) and isinstance(e.data, bytes)]
    assert sorted(binary) == [b"binary: *** ***", b"binary: Basic *** ***"]


async def test_dashboard_never_shows_secrets_echoed_in_payloads(
    echo_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conns = [
        _bearer("bearer", f"{echo_server}/echo", auto_start=True),
        _basic("basic", f"{echo_server}/echo", auto_start=True),
    ]
    monkeypatch.setenv("TOKEN", TOKEN)
    app, record, export = _dashboard(conns, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: len(app.ring) >= 6)  # two starts, four receives
        # Each connection hides its own secrets (another's are just text to it).
        assert await app.hub.send("bearer", f"{TOKEN} {LITERAL}")
        assert await app.hub.send("basic", f"{USER}:{PASSWORD}")
        await wait_until(pilot, lambda: len(app.ring) >= 10)
        await pilot.pause()
        assert "auth ok: *** ***" in _check_screen_and_export(app, export)
        app.main.query_one(EventFeed).focus()
        copied = []
        for _ in range(len(app.ring)):
            await pilot.press("up", "y")
            await pilot.pause()
            copied.append(app.clipboard)
        assert any("auth ok: ***" in line for line in copied), copied
        assert not leaks("\n".join(copied))
        await app._quit()
    _check_files(export, record, 10)


def _dashboard(conns: list[Connection], tmp_path: Path) -> tuple[WsdeckApp, Path, Path]:
    """A dashboard recording to a file: (the app, the recording, a path to export to)."""
    record = tmp_path / "app.jsonl"
    settings = WsdeckSettings(connections=conns, recording={"path": record}, _env_file=None)
    return WsdeckApp(settings, config_path=None), record, tmp_path / "export.jsonl"


def _check_screen_and_export(app: WsdeckApp, export: Path) -> str:
    """Export the feed; neither the screen nor the detail pane shows a secret (returned)."""
    feed = app.main.query_one(EventFeed)
    assert feed.export(export) == len(app.ring)
    screen = screen_text(app)
    assert "***" in screen
    assert not leaks(screen), screen
    details = "\n".join(line.text for event in app.ring for line in detail_lines(event))
    assert not leaks(details)
    return details


def _check_files(export: Path, record: Path, events: int) -> None:
    """The export and the recording hold ``events`` or more, no secret, and are 0600."""
    for path in (export, record):
        text = path.read_text()
        assert text.count("\n") >= events
        assert "***" in text
        assert not leaks(text), text
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_dashboard_feed_export_recording_and_screen_never_show_secrets(
    echo_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKEN", TOKEN)
    conns = [
        make(f"{kind}{path}", f"{echo_server}{path}", auto_start=True)
        for kind, make in (("bearer", _bearer), ("basic", _basic))
        for path in ("/reject", "/straddle", "/close")
    ]
    app, record, export = _dashboard(conns, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: all(c.idle for c in app.hub.clients.values()))
        await wait_until(pilot, lambda: len(app.ring) >= 14)
        await pilot.pause()
        _check_screen_and_export(app, export)
        await app._quit()
    _check_files(export, record, 14)


async def test_config_check_and_repr_never_show_secrets(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(_toml("ws://127.0.0.1:9"))
    env = {"TOKEN": TOKEN, "WSDECK_CONFIG": str(config)}
    code, out, err = await _wsdeck("config", "check", env=env)
    assert code == 0, err
    assert "6 connections" in out
    assert not leaks(out + err)
    settings = load_settings(config)
    for text in (repr(settings), str(settings), repr(settings.connections[1])):
        assert not leaks(text), text
    assert "***@" in repr(settings)
    # Invalid files: the problems name fields, never the values.
    broken = config.read_text().replace("close_timeout = 1.0", "close_timeout = -1", 1)
    broken = broken.replace(f'X-Api-Key = "{LITERAL}"', f'X-Api-Key = "{LITERAL}\\n"', 1)
    broken = broken.replace(f"{PASSWORD}@127.0.0.1:9/reject", f"{PASSWORD}@127.0.0.1:bad/")
    broken += f'\n[[connections]]\nname = "x"\nurl = "ftp://{USER}:{PASSWORD}@127.0.0.1/"\n'
    broken += f'unknown = "{LITERAL}"\n'
    config.write_text(broken)
    code, out, err = await _wsdeck("config", "check", env=env)
    assert code == 2
    assert err.count("\n") >= 5, err
    assert "connections[0].close_timeout" in err
    assert not leaks(out + err), err


def test_saved_settings_file_is_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "new" / "wsdeck.toml"
    settings = WsdeckSettings(connections=[_bearer("b", "ws://127.0.0.1:9/")], _env_file=None)
    save_settings(path, settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert LITERAL in path.read_text()  # the file is where the secret lives, hence 0600


async def test_tls_verification_is_on_by_default(
    tls_server: tuple[str, Path], hub_runner: Any
) -> None:
    url, ca_file = tls_server
    default = connection("default", url)
    assert default.tls.verify
    context = build_options(default, {}).kwargs["ssl"]
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    hub, events = hub_runner(
        default,
        connection("trusted", url, tls={"ca_file": str(ca_file)}),
        connection("unverified", url, tls={"verify": False}),
    )
    for name in hub.clients:
        hub.start(name)
    (error,) = await events.count("error", 1, connection="default")
    assert error.kind == "tls"
    assert "certificate verification failed" in error.message
    await events.count("start", 1, connection="trusted")
    await events.count("start", 1, connection="unverified")
    assert not events.of("start", "default")
    assert await hub.send("unverified", "over tls")
    await events.count("receive", 1, connection="unverified")


def test_url_arguments_are_named_without_their_credentials(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tui.adhoc import UrlFlags
    from tui.launch import LaunchError, with_urls
    from tui.tail import UsageError, resolve

    url = f"ws://{USER}:{PASSWORD}@127.0.0.1:9/feed"
    empty = WsdeckSettings(_env_file=None)
    (dashboard,) = with_urls(empty, [url]).connections
    assert dashboard.name == "feed"  # the path's last segment: no credentials
    (bare,) = with_urls(empty, [f"ws://{USER}:{PASSWORD}@127.0.0.1:9/"]).connections
    assert bare.name == "127.0.0.1"  # no path: the host, without the credentials
    assert dashboard.url == url  # the credentials are still used to connect
    (tail,) = resolve([url], empty)
    assert tail.name == dashboard.name
    with pytest.raises(LaunchError) as refused:
        with_urls(empty, [url + " bad"])
    assert refused.value.lines[0].startswith("wsdeck: invalid URL 'ws://***@127.0.0.1:9/feed bad'")
    assert [c.name for c in resolve([url, url], empty)] == [tail.name, f"{tail.name}-2"]
    with pytest.raises(UsageError) as caught:
        resolve([url], empty, UrlFlags(headers=[f"{PASSWORD}"]))
    assert not leaks(capsys.readouterr().err + str(caught.value) + str(refused.value))


@pytest.mark.parametrize(
    ("scheme", "shown"),
    [
        ("socks9", "socks9://***@127.0.0.1:1 isn't a valid proxy"),  # websockets' words
        ("http", "cannot connect to the proxy http://***@127.0.0.1:1"),  # refused
    ],
)
async def test_env_proxy_credentials_never_appear_in_errors(
    hub_runner: Any, monkeypatch: pytest.MonkeyPatch, scheme: str, shown: str
) -> None:
    # The proxy URL named in the error comes from http_proxy, not from the settings.
    monkeypatch.setenv("http_proxy", f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:1")
    hub, events = hub_runner(connection("p", "ws://example.invalid/", proxy="env"))
    hub.start("p")
    await settle(hub, events, "p")
    (error,) = events.of("error")
    assert error.message.startswith(shown), error.message
    assert not leaks(error.message)


async def test_tail_warns_about_passwords_on_the_command_line_and_unverified_tls(
    tls_server: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = tls_server
    config = tmp_path / "wsdeck.toml"
    config.write_text(
        f'[[connections]]\nname = "insecure"\nurl = "{url}"\nproxy = "none"\n'
        "tls = { verify = false }\n"
    )
    adhoc = url.replace("wss://", f"wss://{USER}:{PASSWORD}@") + "?tls=no"
    code, out, err = await _wsdeck(
        "tail", "insecure", "--config", str(config), "--send", "hi", "--count", "1", env={}
    )
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert warnings == [
        "wsdeck tail: warning: insecure: tls.verify = false: the server's certificate is not "
        "checked, so anyone on the network path can read and change the traffic"
    ]
    start = decode_line(out.splitlines()[0])
    assert isinstance(start, StartEvent)
    assert not start.verified
    assert '"verified":false' in out.splitlines()[0]
    code, out, err = await _wsdeck("tail", adhoc, "--timeout", "0.5", env={})
    assert "a password on the command line is visible to every user" in err
    assert "wss://***@127.0.0.1" in err
    assert not leaks(out + err)


async def test_start_events_say_when_tls_is_not_verified(
    tls_server: tuple[str, Path], hub_runner: Any
) -> None:
    url, ca_file = tls_server
    hub, events = hub_runner(
        connection("trusted", url, tls={"ca_file": str(ca_file)}),
        connection("unverified", url, tls={"verify": False}),
        connection("plain", "ws://127.0.0.1:9/", tls={"verify": False}),  # no TLS: nothing to say
    )
    for name in ("trusted", "unverified"):
        hub.start(name)
        await events.count("start", 1, connection=name)
    (trusted,) = events.of("start", "trusted")
    (unverified,) = events.of("start", "unverified")
    assert trusted.verified
    assert "verified" not in encode_line(trusted)
    assert not unverified.verified
    assert '"attempt":1,"verified":false}' in encode_line(unverified)
    decoded = decode_line(encode_line(unverified))
    assert isinstance(decoded, StartEvent)
    assert not decoded.verified
    assert hub.get("plain").settings.tls_verified


async def test_dashboard_marks_unverified_tls_and_warns_about_short_secrets(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = tls_server
    monkeypatch.setenv("FLAG", "on")
    conns = [
        connection("insecure", url, tls={"verify": False}, auto_start=True),
        connection("short", "ws://127.0.0.1:9/", headers={"X-Flag": "${FLAG}"}),
    ]
    app = WsdeckApp(WsdeckSettings(connections=conns, _env_file=None), config_path=None)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: app.hub.get("insecure").state.value == "open")
        await pilot.pause()
        selected = app.main.query_one("#selected").render()
        assert "⚠ TLS not verified" in str(selected)
        notes = [n.message for n in app._notifications]
        assert any("short: headers.X-Flag holds a secret shorter than 4" in n for n in notes), notes
        assert len(notes) == 1  # TLS is marked, not announced
        await app._quit()


async def test_config_check_warns_about_short_secrets_and_unverified_tls(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text(
        '[[connections]]\nname = "a"\nurl = "wss://u:pw@h/"\ntls = { verify = false }\n'
        '[[connections]]\nname = "b"\nurl = "ws://h/"\nheaders = { X-Key = "${KEY}" }\n'
        'proxy = "http://proxyuser:proxy-pass@h:1"\n'
        '[[connections]]\nname = "c"\nurl = "wss://h/"\nheaders = { X-Key = "long-enough" }\n'
    )
    code, out, err = await _wsdeck("config", "check", "--config", str(config), env={"KEY": "1"})
    assert code == 0, err
    assert out.startswith("ok: ")
    assert err.splitlines() == [
        "wsdeck: warning: a: url holds a secret shorter than 4 characters: it is not hidden "
        "(***) when a server echoes it",
        "wsdeck: warning: a: tls.verify = false: the server's certificate is not checked, so "
        "anyone on the network path can read and change the traffic",
        "wsdeck: warning: b: headers.X-Key holds a secret shorter than 4 characters: it is not "
        "hidden (***) when a server echoes it",
    ]
