"""The demo server, driven by a plain websockets client over loopback."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidStatus,
    ProtocolError,
)
from websockets.frames import Close

from tui.demo.flood import FloodFrames, payload
from tui.demo.routes import (
    ENDPOINTS,
    Flood,
    Reply,
    Ticker,
    can_send_close_code,
    parse_target,
)
from tui.demo.ticker import ticker_status
from tui.demo_server import DemoServer, run, serve_until_cancelled

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0
TICKER_KEYS = {"seq", "ts", "sine", "counter", "temperature", "status"}


@pytest.fixture
async def server() -> AsyncIterator[DemoServer]:
    async with DemoServer("127.0.0.1", 0) as demo:
        yield demo


def open_ws(server: DemoServer, path: str, **kwargs: Any) -> connect:
    return connect(server.endpoint(path), proxy=None, open_timeout=TIMEOUT, **kwargs)


async def rejected(server: DemoServer, path: str) -> tuple[int, str]:
    """Status and body of a handshake the server refuses."""
    with pytest.raises(InvalidStatus) as info:
        async with asyncio.timeout(TIMEOUT), open_ws(server, path):
            pass
    return info.value.response.status_code, bytes(info.value.response.body).decode()


async def receive_until_closed(
    ws: ClientConnection, limit: int
) -> tuple[list[Any], ConnectionClosed]:
    """Every message up to the close (at most ``limit``), and the ConnectionClosed raised."""
    messages: list[Any] = []
    async with asyncio.timeout(TIMEOUT):
        for _ in range(limit + 1):
            try:
                messages.append(await ws.recv())
            except ConnectionClosed as closed:
                return messages, closed
    raise AssertionError(f"the connection is still open after {limit} messages")


# --- /echo -------------------------------------------------------------------------------


async def test_echo_round_trips_text_and_binary(server: DemoServer) -> None:
    async with asyncio.timeout(TIMEOUT), open_ws(server, "/echo") as ws:
        for message in ("hello", "ünïcode ✓", b"\x00\x01\xff", b"x" * 100_000):
            await ws.send(message)
            assert await ws.recv() == message


# --- /ticker -----------------------------------------------------------------------------


async def test_ticker_sends_valid_telemetry(server: DemoServer) -> None:
    async with asyncio.timeout(TIMEOUT), open_ws(server, "/ticker?rate=50") as ws:
        messages = [json.loads(await ws.recv()) for _ in range(3)]
    assert [message["seq"] for message in messages] == [1, 2, 3]
    for message in messages:
        assert set(message) == TICKER_KEYS
        assert message["counter"] == message["seq"]
        assert message["status"] in ("ok", "warn", "alarm")
        assert -1 <= message["sine"] <= 1
        assert isinstance(message["temperature"], float)
        stamp = datetime.fromisoformat(message["ts"])
        assert stamp.utcoffset() == UTC.utcoffset(None)
    stamps = [datetime.fromisoformat(message["ts"]) for message in messages]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize("rate", ["abc", "0", "-1", "nan", "inf", ""])
async def test_ticker_bad_rate_is_http_400(server: DemoServer, rate: str) -> None:
    status, body = await rejected(server, f"/ticker?rate={rate}")
    assert status == 400
    assert "'rate'" in body


def test_ticker_rate_is_clamped() -> None:
    assert parse_target("/ticker?rate=5000") == Ticker(1000.0)
    assert parse_target("/ticker?rate=0.01") == Ticker(0.1)
    assert parse_target("/ticker") == Ticker(2.0)


def test_ticker_status_cycles_by_seq() -> None:
    statuses = [ticker_status(seq) for seq in range(1, 101)]
    assert statuses.count("alarm") == 2
    assert statuses.count("warn") == 8
    assert statuses[9] == "warn"
    assert statuses[49] == "alarm"


async def test_ticker_ignores_messages_from_the_client(server: DemoServer) -> None:
    async with asyncio.timeout(TIMEOUT), open_ws(server, "/ticker?rate=1000") as ws:
        for index in range(50):  # more than max_queue: the server must keep reading
            await ws.send(f"noise {index}")
        seqs = [json.loads(await ws.recv())["seq"] for _ in range(5)]
    assert seqs == [1, 2, 3, 4, 5]


# --- /flood ------------------------------------------------------------------------------


def check_flood(messages: list[Any], count: int, size: int, binary: bool) -> None:
    assert len(messages) == count
    for seq, message in enumerate(messages, start=1):
        assert isinstance(message, bytes if binary else str)
        data = message if isinstance(message, bytes) else message.encode("ascii")
        assert len(data) == size
        assert data == payload(seq, size, binary)
        if size >= 8:
            number = int.from_bytes(data[:8], "big") if binary else int(data[:8])
            assert number == seq


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("compression", ["deflate", None])
async def test_flood_sends_count_messages_in_order_then_closes_1000(
    server: DemoServer, binary: bool, compression: str | None
) -> None:
    count, size = 5000, 64
    path = f"/flood?count={count}&size={size}&binary={int(binary)}"
    async with open_ws(server, path, compression=compression) as ws:
        assert ws.response is not None
        negotiated = ws.response.headers.get("Sec-WebSocket-Extensions") or ""
        assert ("permessage-deflate" in negotiated) == (compression == "deflate")
        messages, closed = await receive_until_closed(ws, count)
    assert isinstance(closed, ConnectionClosedOK)
    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (1000, "flood done")
    check_flood(messages, count, size, binary)


@pytest.mark.parametrize("size", [0, 1, 7, 8, 125, 126, 65535, 65536, 70000])
@pytest.mark.parametrize("binary", [False, True])
async def test_flood_frame_length_boundaries(server: DemoServer, size: int, binary: bool) -> None:
    count = 3
    async with open_ws(server, f"/flood?count={count}&size={size}&binary={int(binary)}") as ws:
        messages, closed = await receive_until_closed(ws, count)
    assert isinstance(closed, ConnectionClosedOK)
    check_flood(messages, count, size, binary)


async def test_flood_larger_than_one_write_chunk(server: DemoServer) -> None:
    count, size = 3, 600_000  # each frame is written as prefix + shared filler
    async with open_ws(server, f"/flood?count={count}&size={size}", max_size=2**20) as ws:
        messages, closed = await receive_until_closed(ws, count)
    assert isinstance(closed, ConnectionClosedOK)
    check_flood(messages, count, size, binary=False)


async def test_flood_of_zero_messages_just_closes(server: DemoServer) -> None:
    async with open_ws(server, "/flood?count=0") as ws:
        messages, closed = await receive_until_closed(ws, 0)
    assert messages == []
    assert isinstance(closed, ConnectionClosedOK)


@pytest.mark.parametrize("size", [0, 5, 8, 37, 64, 126, 65536])
@pytest.mark.parametrize("binary", [False, True])
def test_flood_batches_match_the_reference_payload(size: int, binary: bool) -> None:
    # 37 + 2 header bytes: 0x25 is '%', which the text template must escape.
    frames = FloodFrames(size, binary)
    batch = frames.batch(9_999_998, 10_000_001)
    expected = b"".join(
        frames.header + payload(seq, size, binary) for seq in range(9_999_998, 10_000_001)
    )
    assert batch == expected


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("count=-1", "count"),
        ("count=10000001", "count"),
        ("count=1e3", "count"),
        ("size=16777217", "size"),
        ("size=abc", "size"),
        ("binary=2", "binary"),
        ("binary=true", "binary"),
        ("bogus=1", "bogus"),
        ("count=1&count=2", "count"),
    ],
)
async def test_flood_bad_query_is_http_400_naming_the_parameter(
    server: DemoServer, query: str, name: str
) -> None:
    status, body = await rejected(server, f"/flood?{query}")
    assert status == 400
    assert f"'{name}'" in body


def test_flood_defaults_and_limits() -> None:
    assert parse_target("/flood") == Flood(count=1000, size=64, binary=False)
    assert parse_target("/flood?count=10000000&size=16777216&binary=1") == Flood(
        count=10_000_000, size=16 * 1024 * 1024, binary=True
    )


async def test_client_leaving_mid_flood_or_ticker_is_quiet(
    server: DemoServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="websockets")
    for path in ("/flood?count=10000000&size=1000", "/ticker?rate=1000"):
        async with asyncio.timeout(TIMEOUT), open_ws(server, path) as ws:
            for _ in range(10):
                await ws.recv()
            ws.transport.abort()  # vanish without a close frame
    async with asyncio.timeout(TIMEOUT):
        await server.stop()  # waits until every connection handler has returned
    assert [record.getMessage() for record in caplog.records] == []


async def test_client_closing_mid_flood_gets_a_prompt_1000(server: DemoServer) -> None:
    received = 0
    flowing = asyncio.Event()

    async def read_all(ws: ClientConnection) -> None:
        nonlocal received
        async for _ in ws:
            received += 1
            if received == 100:
                flowing.set()

    async with open_ws(server, "/flood?count=10000000&size=1000") as ws:
        reader = asyncio.create_task(read_all(ws))
        async with asyncio.timeout(TIMEOUT):
            await flowing.wait()
            await ws.close()  # the server stops writing and answers the close frame
            await reader
    assert ws.close_code == 1000
    assert received < 10_000_000


# --- /close ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "reason", "clean"),
    [(1000, "", True), (1001, "", True), (4000, "custom reason", False), (1011, "", False)],
)
async def test_close_sends_the_requested_code(
    server: DemoServer, code: int, reason: str, clean: bool
) -> None:
    async with open_ws(server, f"/close?code={code}&reason={quote(reason)}") as ws:
        messages, closed = await receive_until_closed(ws, 0)
    assert messages == []
    assert isinstance(closed, ConnectionClosedOK if clean else ConnectionClosedError)
    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (code, reason)


async def test_close_default_is_1000(server: DemoServer) -> None:
    async with open_ws(server, "/close") as ws:
        _, closed = await receive_until_closed(ws, 0)
    assert closed.rcvd is not None
    assert closed.rcvd.code == 1000


async def test_close_1006_drops_the_connection_without_a_close_frame(server: DemoServer) -> None:
    async with open_ws(server, "/close?code=1006") as ws:
        _, closed = await receive_until_closed(ws, 0)
    assert isinstance(closed, ConnectionClosedError)
    assert closed.rcvd is None


@pytest.mark.parametrize("code", ["1004", "1005", "1015", "999", "2999", "5000", "abc"])
async def test_close_codes_that_cannot_be_sent_are_http_400(server: DemoServer, code: str) -> None:
    status, body = await rejected(server, f"/close?code={code}")
    assert status == 400
    assert "'code'" in body


async def test_close_reason_longer_than_123_bytes_is_http_400(server: DemoServer) -> None:
    status, body = await rejected(server, "/close?reason=" + quote("é" * 62))  # 124 bytes
    assert status == 400
    assert "'reason'" in body


def test_close_code_rule_matches_websockets() -> None:
    for code in range(0, 5100):
        try:
            Close(code, "").check()
        except ProtocolError:
            accepted = False
        else:
            accepted = True
        assert can_send_close_code(code) == accepted, code


# --- /reject and unknown paths -----------------------------------------------------------


@pytest.mark.parametrize("status", [403, 500, 499])
async def test_reject_answers_with_the_status(server: DemoServer, status: int) -> None:
    got, body = await rejected(server, f"/reject?status={status}")
    assert got == status
    assert str(status) in body


async def test_reject_default_is_403_and_range_is_checked(server: DemoServer) -> None:
    assert (await rejected(server, "/reject"))[0] == 403
    assert (await rejected(server, "/reject?status=200"))[0] == 400
    assert (await rejected(server, "/reject?status=600"))[0] == 400


@pytest.mark.parametrize("path", ["/", "/nope", "/echo/", "/ECHO"])
async def test_unknown_path_is_http_404_listing_endpoints(server: DemoServer, path: str) -> None:
    status, body = await rejected(server, path)
    assert status == 404
    for endpoint in ("/echo", "/rpc", "/ticker", "/flood", "/close", "/reject"):
        assert endpoint in body


def test_unknown_parameter_for_echo_is_a_400_reply() -> None:
    reply = parse_target("/echo?x=1")
    assert isinstance(reply, Reply)
    assert reply.status == 400


# --- /rpc --------------------------------------------------------------------------------


async def test_rpc_answers_out_of_order_and_ignores_notifications(server: DemoServer) -> None:
    async with asyncio.timeout(TIMEOUT), open_ws(server, "/rpc") as ws:
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "sleep", "params": [200], "id": 1}))
        await ws.send(
            json.dumps({"jsonrpc": "2.0", "method": "sum", "params": [1, 2.5], "id": "b"})
        )
        await ws.send(
            json.dumps({"jsonrpc": "2.0", "method": "sum", "params": [1]})
        )  # notification
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "nope", "id": 3}))
        await ws.send("{not json")
        answers = [json.loads(await ws.recv()) for _ in range(4)]
    quick = {json.dumps(answer["id"]): answer for answer in answers[:3]}
    assert quick['"b"'] == {"jsonrpc": "2.0", "result": 3.5, "id": "b"}
    assert quick["3"]["error"]["code"] == -32601
    assert quick["null"]["error"] == {"code": -32700, "message": "Parse error"}
    assert answers[3] == {"jsonrpc": "2.0", "result": 200, "id": 1}  # the slow one, last


# --- lifecycle ---------------------------------------------------------------------------


async def test_stop_closes_open_connections_with_1001_and_is_idempotent() -> None:
    demo = DemoServer()
    await demo.start()
    assert demo.url == f"ws://127.0.0.1:{demo.port}"
    assert demo.endpoint("/echo") == f"ws://127.0.0.1:{demo.port}/echo"
    async with open_ws(demo, "/ticker?rate=0.1") as ws:
        await ws.recv()  # seq 1 comes at once, the next one in 10 s
        async with asyncio.timeout(TIMEOUT):
            await demo.stop()
        _, closed = await receive_until_closed(ws, 0)
    assert closed.rcvd is not None
    assert closed.rcvd.code == 1001
    await demo.stop()


async def test_port_before_start_raises() -> None:
    with pytest.raises(RuntimeError):
        _ = DemoServer().port


async def test_serve_until_cancelled_announces_then_serves() -> None:
    lines: list[str] = []
    announced = asyncio.Event()

    def announce(line: str) -> None:
        lines.append(line)
        announced.set()

    task = asyncio.create_task(serve_until_cancelled("127.0.0.1", 0, announce=announce))
    try:
        async with asyncio.timeout(TIMEOUT):
            await announced.wait()
        url = lines[0].removeprefix("wsdeck demo server listening on ")
        assert len(lines) == 1 + len(ENDPOINTS)
        async with asyncio.timeout(TIMEOUT), connect(url + "/echo", proxy=None) as ws:
            await ws.send("ping")
            assert await ws.recv() == "ping"
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_module_runs_in_its_own_process_and_exits_0_on_signal(
    signum: signal.Signals,
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.demo_server",
        "--port",
        "0",
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(TIMEOUT):
            first = (await process.stdout.readline()).decode()
        assert first.startswith("wsdeck demo server listening on ws://127.0.0.1:")
        url = first.split()[-1]
        async with asyncio.timeout(TIMEOUT), connect(url + "/echo", proxy=None) as ws:
            await ws.send("over the process boundary")
            assert await ws.recv() == "over the process boundary"
        process.send_signal(signum)
        async with asyncio.timeout(TIMEOUT):
            rest, errors = await process.communicate()
        assert process.returncode == 0, errors.decode()
        assert "/echo" in rest.decode()
        assert errors == b""
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_run_reports_a_bind_error_on_one_line_and_returns_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run("127.0.0.1", port) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"wsdeck demo-server: cannot listen on 127.0.0.1:{port}: ")
    # and says what to do about it
    assert err.endswith("; choose another port with --port N, or leave --port out for a free one\n")
    assert err.count("\n") == 1


def test_module_imports_neither_textual_nor_rich() -> None:
    code = (
        "import sys, tui.demo_server; "
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]; "
        "assert not bad, bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
