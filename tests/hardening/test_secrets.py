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
from tui.core.events import encode_line
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
    reason = _credentials(ws.request.headers).encode()[:123].decode(errors="ignore")
    await ws.close(1008, reason)


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    """``ws://127.0.0.1:PORT``: /reject and /straddle refuse, /close closes, all echoing."""
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
    echo_server: str, tmp_path: Path, isolated_env: Path, fmt: str
) -> None:
    config = tmp_path / "wsdeck.toml"
    record = tmp_path / "rec" / "events.jsonl"
    config.write_text(_toml(echo_server))
    # TOKEN comes from the .env file here (the dashboard test takes it from the environment).
    (isolated_env / ".env").write_text(f"TOKEN={TOKEN}\n")
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


async def test_dashboard_feed_export_recording_and_screen_never_show_secrets(
    echo_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKEN", TOKEN)
    record = tmp_path / "app.jsonl"
    conns = [
        make(f"{kind}{path}", f"{echo_server}{path}", auto_start=True)
        for kind, make in (("bearer", _bearer), ("basic", _basic))
        for path in ("/reject", "/straddle", "/close")
    ]
    settings = WsdeckSettings(connections=conns, recording={"path": record}, _env_file=None)
    app = WsdeckApp(settings, config_path=None)
    export = tmp_path / "export.jsonl"
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: all(c.idle for c in app.hub.clients.values()))
        await wait_until(pilot, lambda: len(app.ring) >= 14)
        await pilot.pause()
        feed = app.main.query_one(EventFeed)
        assert feed.export(export) == len(app.ring)
        screen = screen_text(app)
        assert "***" in screen
        assert not leaks(screen), screen
        details = [line.text for event in app.ring for line in detail_lines(event)]
        assert not leaks("\n".join(details))
        await app._quit()
    exported = export.read_text()
    assert "***" in exported
    assert not leaks(exported), exported
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    recorded = record.read_text()
    assert recorded.count("\n") >= 14
    assert not leaks(recorded), recorded
    assert stat.S_IMODE(record.stat().st_mode) == 0o600


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
    assert dashboard.name == "127.0.0.1:9/feed"  # host:port/path: no credentials
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
