"""Subprotocol negotiation: the chosen one is reported, a wrong choice names both sides."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.hardening.conftest import RawServer, accept_handshake, read_until_eof


def _choosing(protocol: str | None) -> Any:
    """A server behaviour: accept the upgrade naming ``protocol`` whatever was offered."""

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chosen = b"" if protocol is None else f"Sec-WebSocket-Protocol: {protocol}\r\n".encode()
        await accept_handshake(reader, writer, chosen)
        await read_until_eof(reader, timeout=5)

    return behaviour


@pytest.mark.parametrize(
    ("offered", "expected"),
    [
        (["json.v1", "x.v1"], "server chose 'x.v2'; offered: 'json.v1', 'x.v1'"),
        ([], "server chose 'x.v2'; offered: none"),
    ],
)
async def test_unoffered_subprotocol_names_both_sides(
    hub_runner: Any, make_connection: Any, offered: list[str], expected: str
) -> None:
    async with RawServer(_choosing("x.v2"), handshake=False) as server:
        hub, events = hub_runner(make_connection("c", server.url, subprotocols=offered))
        hub.start("c")
        (error,) = await events.count("error", 1)
        (stop,) = await events.count("stop", 1)
    assert error.kind == "handshake"
    assert expected in error.message
    assert stop.by == "server"
    assert not events.of("start")


@pytest.mark.parametrize(("chosen", "reported"), [("x.v1", "x.v1"), (None, None)])
async def test_chosen_subprotocol_or_none_is_in_the_start_event(
    hub_runner: Any, make_connection: Any, chosen: str | None, reported: str | None
) -> None:
    async with RawServer(_choosing(chosen), handshake=False) as server:
        conn = make_connection("c", server.url, subprotocols=["json.v1", "x.v1"])
        hub, events = hub_runner(conn)
        hub.start("c")
        (start,) = await events.count("start", 1)
        assert start.subprotocol == reported
        assert not events.of("error")
