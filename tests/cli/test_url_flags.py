"""Connections from command-line URLs: names, and the handshake flags against a real server.

``wsdeck tail`` runs as a subprocess; the server (a thread in this process) keeps every
opening request, so each flag is checked where it matters: in what the server received.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.app.conftest import wait_until
from tests.cli.conftest import HandshakeServer, wsdeck

SECRET = "s3cr3t-from-the-command-line"


def _events(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def _tail(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = wsdeck("tail", *args, "--send", "hi", "--count", "1", "--timeout", "10")
    return result.returncode, _events(result.stdout), result.stdout + result.stderr


def test_headers_reach_the_server_and_never_the_output(handshake_server: HandshakeServer) -> None:
    code, events, output = _tail(
        f"{handshake_server.url}/h", "-H", f"Authorization: Bearer {SECRET}", "--header", "X-Two:2"
    )
    assert code == 0, output
    (request,) = handshake_server.requests
    assert request.headers["Authorization"] == f"Bearer {SECRET}"
    assert request.headers["X-Two"] == "2"
    assert SECRET not in output
    assert [e["event"] for e in events] == ["start", "send", "receive", "stop"]


def test_bad_headers_are_usage_errors_that_do_not_repeat_the_value(
    handshake_server: HandshakeServer,
) -> None:
    for header in (f"no colon {SECRET}", f": {SECRET}", f"Bad Name: {SECRET}"):
        result = wsdeck("tail", f"{handshake_server.url}/h", "-H", header)
        assert result.returncode == 2, header
        assert "-H" in result.stderr
        assert SECRET not in result.stderr + result.stdout
    assert not handshake_server.requests


def test_subprotocol_is_offered_and_chosen(handshake_server: HandshakeServer) -> None:
    code, events, output = _tail(
        f"{handshake_server.url}/p", "--subprotocol", "x.v1", "--subprotocol", "json.v1"
    )
    assert code == 0, output
    assert handshake_server.requests[0].headers["Sec-WebSocket-Protocol"] == "x.v1, json.v1"
    assert events[0]["subprotocol"] == "x.v1"


def test_origin_is_sent(handshake_server: HandshakeServer) -> None:
    code, _, output = _tail(f"{handshake_server.url}/o", "--origin", "https://console.example")
    assert code == 0, output
    assert handshake_server.requests[0].headers["Origin"] == "https://console.example"


def test_no_compression_offers_no_extension(handshake_server: HandshakeServer) -> None:
    code, _, output = _tail(f"{handshake_server.url}/c")
    assert code == 0, output
    code, _, output = _tail(f"{handshake_server.url}/c", "--no-compression")
    assert code == 0, output
    default, plain = handshake_server.requests
    assert "permessage-deflate" in default.headers["Sec-WebSocket-Extensions"]
    assert "Sec-WebSocket-Extensions" not in plain.headers


def test_ca_and_insecure(tls_handshake_server: HandshakeServer) -> None:
    url = f"{tls_handshake_server.url}/tls"
    code, events, output = _tail(url)  # the system store does not know the throwaway CA
    assert code == 1, output
    assert events[0]["event"] == "error"
    assert events[0]["kind"] == "tls"
    assert not tls_handshake_server.requests
    code, events, output = _tail(url, "--ca", str(tls_handshake_server.ca_file))
    assert code == 0, output
    assert events[0]["event"] == "start"
    code, events, output = _tail(url, "--insecure")
    assert code == 0, output
    assert events[0]["event"] == "start"
    assert len(tls_handshake_server.requests) == 2
    missing = wsdeck("tail", url, "--ca", "/nonexistent/ca.pem", "--count", "1")
    assert missing.returncode == 1
    assert "/nonexistent/ca.pem" in _events(missing.stdout)[0]["message"]  # type: ignore[operator]


def test_names_short_unique_and_given(handshake_server: HandshakeServer, tmp_path: Path) -> None:
    base = handshake_server.url
    host = base.removeprefix("ws://")
    config = tmp_path / "wsdeck.toml"
    config.write_text(f'[[connections]]\nname = "a"\nurl = "{base}/a"\n')
    result = wsdeck(
        "tail",
        "a",  # the configured connection of that name
        f"{base}/a?x=1",
        f"{base}/a/",
        f"{base}/b",
        f"{base}/c",
        "--name",
        "first",
        "--config",
        str(config),
        "--send",
        "hi",
        "--count",
        "5",  # every connection has received its echo, so every one has started
        "--timeout",
        "10",
    )
    assert result.returncode == 0, result.stderr
    names = {e["connection"] for e in _events(result.stdout)}
    assert names == {"a", "first", "a-2", "b", "c"}
    assert host not in "".join(names)  # short names: the feed shows them whole


def test_flags_without_a_url_or_too_many_names_are_usage_errors(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "echo"\nurl = "ws://127.0.0.1:9/"\n')
    result = wsdeck("tail", "echo", "--insecure", "--config", str(config))
    assert result.returncode == 2
    assert "need a ws:// or wss:// URL" in result.stderr
    result = wsdeck("tail", "ws://127.0.0.1:9/", "--name", "a", "--name", "b")
    assert result.returncode == 2
    assert "2 --name for 1 URL(s)" in result.stderr


async def test_dashboard_urls_start_at_once_named_with_the_insecure_badge(
    tls_handshake_server: HandshakeServer, handshake_server: HandshakeServer
) -> None:
    from settings import WsdeckSettings
    from tui.adhoc import UrlFlags
    from tui.app import WsdeckApp
    from tui.core.client import State
    from tui.launch import with_urls
    from tui.widgets.connection_table import ConnectionTable

    empty = WsdeckSettings(_env_file=None)
    insecure = with_urls(empty, [f"{tls_handshake_server.url}/a"], UrlFlags(insecure=True))
    flags = UrlFlags(headers=[f"X-Token: {SECRET}"], names=["plain"])
    settings = with_urls(
        insecure, [f"{handshake_server.url}/b", f"{handshake_server.url}/c"], flags
    )
    assert [c.name for c in settings.connections] == ["a", "plain", "c"]
    assert SECRET not in repr(settings)  # header values are secrets, as in the settings file
    app = WsdeckApp(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        clients = app.hub.clients.values()
        # No key was pressed: the URLs start by themselves.
        await wait_until(pilot, lambda: all(c.state is State.OPEN for c in clients), 10)
        table = app.main.query_one(ConnectionTable)
        await wait_until(pilot, lambda: str(table.get_cell("a", "state")) == "● open ⚠")
        assert str(table.get_cell("plain", "state")) == "● open"
        await app._quit()
    assert all(r.headers["X-Token"] == SECRET for r in handshake_server.requests)
    assert len(handshake_server.requests) == 2


async def test_dashboard_no_start_leaves_urls_stopped(handshake_server: HandshakeServer) -> None:
    from settings import WsdeckSettings
    from tui.app import WsdeckApp
    from tui.core.client import State
    from tui.launch import with_urls

    settings = with_urls(WsdeckSettings(_env_file=None), [f"{handshake_server.url}/n"], start=False)
    app = WsdeckApp(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        (client,) = app.hub.clients.values()
        assert client.state is State.STOPPED
        await app._quit()
    assert not handshake_server.requests
