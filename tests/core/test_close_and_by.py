"""Close semantics (RFC 6455) and who ended a connection, on every path (README tables).

1000, 1001 and 1005 from the server are normal closes; 1006 is the network's; an
application code (3000-4999) is a failure only when ``failure_close_codes`` lists it.
``by``: network for TCP/DNS failures and lost connections, server for rejections and
closes during the handshake, client for settings, TLS verification, ``open_timeout``,
Stop and ``tail``'s own end.
"""

from __future__ import annotations

import asyncio
import errno
import io
import os
import resource
import socket
import struct
from pathlib import Path
from typing import Any

import pytest

from settings import WsdeckSettings
from tests.cli.conftest import wsdeck
from tests.core.conftest import FAST_RECONNECT, connection, free_port
from tests.hardening.conftest import CLOSE, RawServer, close_after_peer, frame
from tui.core.errors import classify
from tui.core.events import decode_line
from tui.demo_server import DemoServer
from tui.tail import TailOptions, run_tail


def _closes_with(payload: bytes) -> Any:
    """A server behaviour: send a close frame with ``payload``, answer the client's, hang up."""

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(CLOSE, payload))
        await close_after_peer(reader, writer)

    return behaviour


def _close_payload(code: int | None, reason: str = "") -> bytes:
    return b"" if code is None else struct.pack("!H", code) + reason.encode()


@pytest.mark.parametrize(("code", "reason"), [(None, ""), (1000, "done"), (1001, "restart")])
async def test_normal_closes_are_not_failures(
    hub_runner: Any, code: int | None, reason: str
) -> None:
    async with RawServer(_closes_with(_close_payload(code, reason))) as server:
        hub, events = hub_runner(connection("c", server.url))
        hub.start("c")
        (stop,) = await events.count("stop", 1)
        await events.until(lambda: hub.get("c").idle)
    # A close frame without a status code is reported as 1005 (RFC 6455 §7.1.5).
    assert (stop.code, stop.reason, stop.by) == (code or 1005, reason, "server")
    assert not events.of("error")
    assert not hub.get("c").failed


async def test_tail_exits_0_after_a_close_without_status(tmp_path: Path) -> None:
    async with RawServer(_closes_with(b"")) as server:
        out = io.StringIO()
        code = await run_tail(TailOptions([server.url], timeout=10), WsdeckSettings(), out)
    assert code == 0
    assert '"event":"error"' not in out.getvalue()


@pytest.mark.parametrize(
    ("code", "listed", "failure"),
    [(4000, [], False), (3001, [], False), (4000, [4000], True), (4001, [4000], False)],
)
async def test_application_codes_fail_only_when_listed(
    hub_runner: Any, code: int, listed: list[int], failure: bool
) -> None:
    payload = _close_payload(code, "bye now")
    async with RawServer(_closes_with(payload)) as server:
        hub, events = hub_runner(connection("c", server.url, failure_close_codes=listed))
        hub.start("c")
        (stop,) = await events.count("stop", 1)
        await events.until(lambda: hub.get("c").idle)
    assert (stop.code, stop.reason, stop.by) == (code, "bye now", "server")
    assert hub.get("c").failed is failure
    errors = events.of("error")
    if failure:
        (error,) = errors
        assert error.kind == "closed"
        assert f"{code} (application-defined): bye now" in error.message
    else:
        assert errors == []


@pytest.mark.parametrize("code", [1004, 1006, 1015, 2000])
async def test_a_code_not_allowed_on_the_wire_is_a_protocol_error(
    hub_runner: Any, code: int
) -> None:
    async with RawServer(_closes_with(_close_payload(code))) as server:
        hub, events = hub_runner(connection("c", server.url))
        hub.start("c")
        (stop,) = await events.count("stop", 1)
    (error,) = events.of("error")
    assert error.kind == "protocol"
    assert (stop.code, stop.by) == (1002, "client")


async def _drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.transport.abort()


async def test_lost_connection_is_1006_by_network(hub_runner: Any) -> None:
    async with RawServer(_drop) as server:
        hub, events = hub_runner(connection("c", server.url))
        hub.start("c")
        (stop,) = await events.count("stop", 1)
    assert (stop.code, stop.by) == (1006, "network")
    (error,) = events.of("error")
    assert (error.kind, error.message) == (
        "closed",
        "connection lost: no close frame (1006 abnormal closure)",
    )


async def _close_during_handshake(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def _reset_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()  # linger 0: an RST instead of a FIN


async def _by_of_failed_start(hub_runner: Any, url: str, **fields: Any) -> tuple[str, str]:
    hub, events = hub_runner(connection("c", url, **fields), env=fields.pop("env", {}))
    hub.start("c")
    await events.until(lambda: hub.get("c").idle and bool(events.of("stop")), timeout=8)
    (stop,) = events.of("stop")
    assert stop.code is None
    return events.of("error")[0].kind, stop.by


async def test_by_on_every_failed_start(demo: DemoServer, hub_runner: Any, tmp_path: Path) -> None:
    paths: dict[str, tuple[str, dict[str, Any], str, str]] = {
        "refused": (f"ws://127.0.0.1:{free_port()}/", {}, "connect", "network"),
        "dns": ("ws://no-such-host.invalid/", {}, "connect", "network"),
        "401": (demo.endpoint("/reject?status=401"), {}, "handshake", "server"),
        "403": (demo.endpoint("/reject?status=403"), {}, "handshake", "server"),
        "missing env": (
            demo.endpoint("/echo"),
            {"headers": {"X-Key": "${NOT_SET}"}},
            "config",
            "client",
        ),
        "missing ca_file": (
            "wss://127.0.0.1:1/",
            {"tls": {"ca_file": str(tmp_path / "none.pem")}},
            "config",
            "client",
        ),
    }
    async with (
        RawServer(_close_during_handshake, handshake=False) as closing,
        RawServer(_reset_at_once, handshake=False) as resetting,
        RawServer(_silent, handshake=False) as silent,
    ):
        paths["server closes in handshake"] = (closing.url, {}, "handshake", "server")
        paths["reset"] = (resetting.url, {}, "connect", "network")
        paths["open_timeout"] = (silent.url, {"open_timeout": 0.2}, "timeout", "client")
        seen = {}
        for name, (url, fields, _, _) in paths.items():
            seen[name] = await _by_of_failed_start(hub_runner, url, **fields)
    assert seen == {name: (kind, by) for name, (_, _, kind, by) in paths.items()}


@pytest.mark.parametrize("number", [errno.EHOSTUNREACH, errno.ENETUNREACH])
def test_unreachable_host_is_the_network(number: int) -> None:
    # Loopback cannot be made unreachable, so this path is checked on the classifier.
    failure = classify(OSError(number, os.strerror(number)), url="ws://192.0.2.1:8080/")
    assert (failure.kind, failure.by, failure.transient) == ("connect", "network", True)
    assert failure.message == f"cannot connect to 192.0.2.1:8080: {os.strerror(number)}"


def test_too_many_open_files_names_the_limit_to_raise() -> None:
    # Thousands of connections meet the open-file limit; a loopback test cannot make the
    # kernel refuse a socket without starving the test process itself.
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    failure = classify(OSError(errno.EMFILE, os.strerror(errno.EMFILE)), url="ws://127.0.0.1:9/")
    assert (failure.kind, failure.by, failure.transient) == ("connect", "client", True)
    assert f"limit of {soft} open files" in failure.message
    assert "ulimit -n" in failure.message
    system = classify(OSError(errno.ENFILE, os.strerror(errno.ENFILE)), url="ws://127.0.0.1:9/")
    assert "the system's open-file table is full" in system.message


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()


async def test_failed_reconnects_end_with_the_last_failures_by(hub_runner: Any) -> None:
    policy = {**FAST_RECONNECT, "max_attempts": 3}
    port = free_port()
    hub, events = hub_runner(connection("c", f"ws://127.0.0.1:{port}/", reconnect=policy))
    hub.start("c")
    await events.until(lambda: hub.get("c").idle and bool(events.of("stop")), timeout=8)
    # max_attempts counts reconnects: the first attempt and 3 more.
    assert len(events.of("error")) == 4
    assert hub.get("c").attempt == 4
    assert [s.by for s in events.of("stop")] == ["network"]


@pytest.mark.parametrize(("retry", "attempts"), [(False, 1), (True, 3)])
async def test_rejection_is_retried_only_when_asked(
    demo: DemoServer, hub_runner: Any, retry: bool, attempts: int
) -> None:
    policy = {**FAST_RECONNECT, "max_attempts": 2, "retry_config_failures": retry}
    conn = connection("c", demo.endpoint("/reject?status=401"), reconnect=policy)
    hub, events = hub_runner(conn)
    hub.start("c")
    await events.until(lambda: hub.get("c").idle and bool(events.of("stop")), timeout=8)
    assert [e.kind for e in events.of("error")] == ["handshake"] * attempts
    assert [s.by for s in events.of("stop")] == ["server"]


def test_tail_count_and_timeout_end_by_client(tmp_path: Path) -> None:
    from tests.conftest import demo_server_process

    with demo_server_process() as url:
        for how in (["--count", "1"], ["--timeout", "1"]):
            record = tmp_path / f"{how[0][2:]}.jsonl"
            result = wsdeck(
                "tail", f"{url}/ticker?rate=20", *how, "--record", str(record), timeout=30
            )
            assert result.returncode == 0, result.stderr
            stops = [
                e for e in map(decode_line, record.read_text().splitlines()) if e.EVENT == "stop"
            ]
            assert [(s.code, s.by) for s in stops] == [(1000, "client")], how
