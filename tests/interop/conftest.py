"""Fixtures of the interop tier: each framework's plain, TLS and mutual-TLS servers.

The servers of one framework are started once per module (``deployment`` is
parametrized by framework, so pytest runs every check against one framework before it
starts the next) and run in one :class:`ServerLoop` thread for the whole session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from tests.core.conftest import hub_runner
from tests.interop.frameworks import FRAMEWORKS, Framework, ServerLoop, Tls, bind, make

__all__ = ["Deployment", "Pki", "deployment", "hub_runner", "pki", "server_loop"]


@pytest.fixture(scope="session")
def server_loop() -> Iterator[ServerLoop]:
    loop = ServerLoop()
    yield loop
    loop.close()


@dataclass(frozen=True)
class Pki:
    """A CA, the servers' certificate, a client certificate from it and one from a stranger."""

    ca_file: Path
    server: Tls
    client_cert: Path
    stranger_cert: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("interop-pki")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    leaf.cert_chain_pems[0].write_to_path(str(folder / "server.pem"))
    leaf.private_key_pem.write_to_path(str(folder / "server.key"))
    ca.issue_cert("client@example.test").private_key_and_cert_chain_pem.write_to_path(
        str(folder / "client.pem")
    )
    stranger = trustme.CA().issue_cert("mallory@example.test")
    stranger.private_key_and_cert_chain_pem.write_to_path(str(folder / "stranger.pem"))
    server = Tls(folder / "server.pem", folder / "server.key")
    return Pki(folder / "ca.pem", server, folder / "client.pem", folder / "stranger.pem")


@dataclass(frozen=True)
class Deployment:
    """One framework's servers: plain ``ws://``, ``wss://`` and ``wss://`` with mutual TLS."""

    framework: Framework
    ws: str
    wss: str
    mtls: str


@pytest.fixture(scope="module", params=FRAMEWORKS)
def deployment(
    request: pytest.FixtureRequest, server_loop: ServerLoop, pki: Pki
) -> Iterator[Deployment]:
    name: str = request.param
    servers: list[Framework] = []
    urls: list[str] = []
    mutual = Tls(pki.server.cert_file, pki.server.key_file, client_ca=pki.ca_file)
    for scheme, tls in (("ws", None), ("wss", pki.server), ("wss", mutual)):
        server = make(name)
        sock = bind()
        urls.append(f"{scheme}://127.0.0.1:{sock.getsockname()[1]}")
        server_loop.run(server.start(sock, tls))
        servers.append(server)
    yield Deployment(servers[0], *urls)
    for server in servers:
        server_loop.run(server.stop())
