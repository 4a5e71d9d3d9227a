"""TLS peers for the diagnosis tests: certificates from trustme, servers on 127.0.0.1.

:class:`AlertingServer` is a blocking TLS server on a thread that, when its handshake
fails, drains the client before closing, so its alert reaches the client (an asyncio
server resets the connection first and the alert is lost).
"""

from __future__ import annotations

import contextlib
import datetime
import socket
import ssl
import threading
from pathlib import Path
from types import TracebackType

import trustme


class Pki:
    """A CA, a server certificate for 127.0.0.1 and files a connection can point at."""

    def __init__(self, folder: Path) -> None:
        self.ca = trustme.CA()
        self.folder = folder
        self.ca_file = folder / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    def server_context(
        self,
        *,
        require_client_cert: bool = False,
        max_version: ssl.TLSVersion | None = None,
        client_ca: trustme.CA | None = None,
    ) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            (client_ca or self.ca).configure_trust(context)
        if max_version is not None:
            context.maximum_version = max_version
        return context

    def client_cert(
        self, name: str, *, issuer: trustme.CA | None = None, expired: bool = False
    ) -> Path:
        """A PEM file with a client certificate and its key (``tls.client_cert``)."""
        ca = issuer or self.ca
        not_after = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC) if expired else None
        leaf = ca.issue_cert(f"{name}@example.test", not_after=not_after)
        path = self.folder / f"{name}.pem"
        leaf.private_key_and_cert_chain_pem.write_to_path(str(path))
        return path


class AlertingServer:
    """Accepts TLS connections; a failed handshake sends its alert and drains the peer."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"wss://127.0.0.1:{self.port}/"

    def __enter__(self) -> AlertingServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(3)
                tls = self.context.wrap_socket(
                    conn, server_side=True, do_handshake_on_connect=False
                )
                try:
                    tls.do_handshake()
                    tls.recv(1)  # TLS 1.3 checks the client certificate after its Finished
                except ssl.SSLError as exc:
                    self.errors.append(exc.reason or str(exc))
                except OSError:
                    continue
                # Let the alert go out and the client hang up, instead of resetting.
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_WR)
                    while conn.recv(65536):
                        pass
