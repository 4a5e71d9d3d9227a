"""wss:// against a server whose certificate comes from a throwaway CA (trustme)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.core.conftest import connection


async def test_verify_succeeds_with_ca_file(tls_server: tuple[str, Path], hub_runner: Any) -> None:
    url, ca_file = tls_server
    hub, events = hub_runner(connection("s", url, tls={"ca_file": str(ca_file)}))
    hub.start("s")
    await events.count("start", 1)
    await hub.send("s", "secure")
    (received,) = await events.count("receive", 1)
    assert received.data == "secure"


async def test_verify_fails_without_ca_file(tls_server: tuple[str, Path], hub_runner: Any) -> None:
    url, _ = tls_server
    hub, events = hub_runner(connection("s", url))
    hub.start("s")
    (error,) = await events.count("error", 1)
    assert error.kind == "tls"
    assert "certificate verification failed" in error.message
    assert "self-signed" in error.message or "unable to get local issuer" in error.message
    assert not events.of("start")


async def test_verify_false_connects(tls_server: tuple[str, Path], hub_runner: Any) -> None:
    url, _ = tls_server
    hub, events = hub_runner(connection("s", url, tls={"verify": False}))
    hub.start("s")
    await events.count("start", 1)


async def test_missing_ca_file_is_a_config_error(tmp_path: Path, hub_runner: Any) -> None:
    missing = tmp_path / "nope.pem"
    hub, events = hub_runner(connection("s", "wss://127.0.0.1:1/", tls={"ca_file": str(missing)}))
    hub.start("s")
    (error,) = await events.count("error", 1)
    assert error.kind == "config"
    assert "tls.ca_file" in error.message
    assert "nope.pem" in error.message
