"""Build and run the dashboard: from a settings file, or wired to the built-in demo server."""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.adhoc import UrlFlags

# The dashboard's first frame needs textual only: pydantic (the settings) and websockets
# are imported after it, so none of them is imported at the top of this module.
if TYPE_CHECKING:
    from settings import Connection, SettingsError, WsdeckSettings

GC_YOUNG_THRESHOLD = 20_000
"""Allocations between two young-generation collections (CPython's default is 700)."""

Loader = Callable[[], "tuple[WsdeckSettings, Path]"]
"""Loads the settings and says which file they came from; raises :class:`LaunchError`."""


class LaunchError(Exception):
    """The dashboard cannot start with these settings or arguments (exit status 2)."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)
        """What to print on stderr, one problem a line."""

    @classmethod
    def from_settings_error(cls, exc: SettingsError) -> LaunchError:
        """A heading, then every problem with its field path and line, indented."""
        return cls([f"wsdeck: {exc.heading}", *(f"  {problem}" for problem in exc.problems)])


def tune_gc() -> None:
    """Set the garbage collector up for a long-running process that may take floods.

    Called once, after the imports and the settings: by ``wsdeck tail`` and ``wsdeck demo``
    right before the event loop or the App starts, by ``wsdeck`` once the App has loaded.
    ``gc.freeze()`` takes what exists then (modules, classes, settings: ~55 000 objects,
    and no garbage: measured) out of every later collection. The larger young threshold
    lets a message's short-lived objects (its frame, its event on the bus) die before a
    collection promotes them: promoted, they count towards the next full collection, which
    scans every object in the process (80-350 ms with nothing else running, about once a
    second during a flood, measured).
    """
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


class OpenConnections:
    """Takes the objects of open connections out of full collections as their number grows.

    ``tune_gc`` freezes what exists at start-up; connections opened later are as long-lived
    (a client, its websockets connection and protocol, tasks, buffers: hundreds of objects
    each), and every full collection scanned them all: with 5 000 open, ~220 ms with
    nothing else running, a stall that held up messages and keys (measured). Each time the
    number open doubles (from :attr:`FIRST`), garbage is collected once and what is left is
    frozen: a few collections while connections open, then full collections that skip them.

    A frozen object is never collected, so the cycles a closed connection leaves (a
    reconnect leaves its old one's) would stay for good: every :attr:`REFRESH` seconds
    everything is unfrozen, collected and frozen again, one full collection that frees them.
    """

    FIRST = 256
    """Fewer than this many open connections are cheap to scan: no collection for them."""
    REFRESH = 600.0
    """Seconds between two refreezes of everything, once something is frozen."""

    def __init__(self) -> None:
        self._next = self.FIRST
        self._frozen_at: float | None = None

    def opened(self, count: int, now: float) -> bool:
        """``count`` connections are open at ``now`` (monotonic); whether this froze them."""
        if count >= self._next:
            self._next = count * 2
        elif self._frozen_at is None or now - self._frozen_at < self.REFRESH:
            return False
        else:
            gc.unfreeze()  # the garbage frozen since (closed connections' cycles) goes now
        gc.collect()  # only what survives is frozen: garbage frozen would never be freed
        gc.freeze()
        self._frozen_at = now
        return True


def run_dashboard(
    load: Loader,
    urls: Sequence[str],
    flags: UrlFlags | None = None,
    *,
    start: bool = True,
    preview: Sequence[str] | None = None,
) -> int:
    """``wsdeck [--config PATH] [flags] [URL...]``: each URL becomes a connection (see
    :mod:`tui.adhoc`), started at once unless ``start`` is False (``--no-start``).

    The App shows its first frame before ``load`` runs, listing the connection names in
    ``preview`` (see :mod:`settings.preview`); when the settings or the URLs are invalid
    it closes again and their problems are printed here, on the normal screen.
    """
    from tui.app import WsdeckApp

    def load_with_urls() -> tuple[WsdeckSettings, Path]:
        settings, path = load()
        return with_urls(settings, urls, flags, start=start), path

    app = WsdeckApp(load_with_urls, preview=preview)
    app.run()
    if app.launch_error is not None:
        for line in app.launch_error.lines:
            print(line, file=sys.stderr)
        return 2
    from tui.core.cautions import command_line_password

    # Printed once the screen is back: the password was already visible while it ran.
    for url in urls:
        if warning := command_line_password(url):
            print(f"wsdeck: warning: {warning}", file=sys.stderr)
    return app.return_code or 0  # 70 after a crash (tui.crash)


def with_urls(
    settings: WsdeckSettings,
    urls: Sequence[str],
    flags: UrlFlags | None = None,
    *,
    start: bool = True,
) -> WsdeckSettings:
    """``settings`` plus one connection per URL, named uniquely next to the configured ones."""
    from tui.adhoc import UsageError, connections_for

    taken = [c.name for c in settings.connections]
    try:
        extra = connections_for(urls, flags or UrlFlags(), taken, auto_start=start)
    except UsageError as exc:
        raise LaunchError([f"wsdeck: {exc}"]) from None
    if not extra:
        return settings
    return settings.model_copy(update={"connections": [*settings.connections, *extra]})


def demo_connections(base: str, closed_port: int) -> list[Connection]:
    """The demo set: echo, a ticker with fields, JSON-RPC, a binary source, one that fails
    to connect, and two whose watches raise and clear alerts within the first minute.

    Automation shows on two: echo sends a heartbeat every 5 s that its reply rule answers
    (the echo server sends the ping back), and has a macro; the ticker forwards its alarms
    to echo. Watches: pulse has an alarm field from 10 to 16 s and a silence from 35 to
    40 s of every 40; flappy is dropped every few seconds for the first half of every
    minute; broken's failed attempts are an error burst; rpc's saved message
    ``unanswered`` times out after 5 s and raises ``unanswered`` for 30.
    """
    retry = {"enabled": True, "initial_delay": 1.0, "max_delay": 10.0, "jitter": 0.2}
    from settings import Connection

    common: dict[str, Any] = {"proxy": "none"}
    return [
        Connection(
            name="echo",
            url=f"{base}/echo",
            auto_start=True,
            on_start_send=["hello from wsdeck"],
            saved_messages={
                "ping": '{"op": "ping"}',
                "hello": "hello",
                "bytes": {"hex": "00 01 02 ff"},
            },
            every=[{"name": "heartbeat", "interval": 5, "message": '{"op":"ping","id":1}'}],
            on_receive=[
                {
                    "name": "pong",
                    "match_jq": '.op == "ping"',
                    "reply_jq": '{"op": "pong", "id": .id}',
                }
            ],
            macros={
                "subscribe": {
                    "steps": [
                        {"send": '{"op":"hello"}'},
                        {"wait": "hello", "timeout": 5},
                        {"send": '{"op":"subscribe","topic":"ticker"}'},
                    ]
                }
            },
            **common,
        ),
        Connection(
            name="ticker",
            url=f"{base}/ticker?rate=2",
            auto_start=True,
            reconnect=retry,
            watch={"silence": {"after": 5}},
            fields={"temp": ".temperature", "sine": ".sine"},  # columns, and plots
            sparkline=True,  # and a column of each one's last values
            on_receive=[
                {
                    "name": "alarm",
                    "match_jq": '.status == "alarm"',
                    "reply_jq": '{"alarm": .seq}',
                    "to": "echo",
                    "max_per_second": 1,
                }
            ],
            **common,
        ),
        Connection(  # JSON-RPC: requests and responses paired with no setting
            name="rpc",
            url=f"{base}/rpc",
            auto_start=True,
            correlate_timeout=5.0,
            watch={"unanswered": {"more_than": 0, "within": 30}},  # the "unanswered" message
            saved_messages={
                "sum": '{"jsonrpc": "2.0", "method": "sum", "params": [1, 2], "id": 1}',
                "slow": '{"jsonrpc": "2.0", "method": "sleep", "params": [250], "id": 2}',
                "unanswered": '{"jsonrpc": "2.0", "method": "sleep", "params": [60000], "id": 3}',
            },
            **common,
        ),
        Connection(
            name="binary",
            url=f"{base}/flood?count=5&size=24&binary=1",
            auto_start=True,
            receive_view="hex",
            reconnect={**retry, "initial_delay": 5.0, "max_delay": 5.0, "jitter": 0.0},
            **common,
        ),
        Connection(
            name="broken",
            url=f"ws://127.0.0.1:{closed_port}/nothing-listens-here",
            auto_start=True,
            reconnect={**retry, "max_attempts": 3},
            watch={"errors": {"more_than": 2, "within": 30}},
            **common,
        ),
        Connection(
            name="pulse",
            url=f"{base}/pulse?rate=2&period=40&alarm=6&pause=8",
            auto_start=True,
            reconnect=retry,
            watch={
                "silence": {"after": 3},
                "rules": {"alarm": {"jq": ".alarm", "level": "critical"}},
            },
            **common,
        ),
        Connection(
            name="flappy",
            url=f"{base}/flap?up=2&period=60",
            auto_start=True,
            reconnect={**retry, "initial_delay": 0.5, "max_delay": 2.0},
            watch={"flapping": {"more_than": 3, "within": 15, "level": "critical"}},
            **common,
        ),
    ]


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_demo(port: int = 0, *, record: Path | None = None) -> int:
    """``wsdeck demo``: the demo server inside this process and a dashboard wired to it."""
    from tui.app import WsdeckApp
    from tui.core.recorder import RecordingError
    from tui.demo_server import DemoServer

    async def main() -> int:
        async with DemoServer(port=port) as server:
            try:
                app = WsdeckApp(
                    demo_settings(server.url, record),
                    config_path=None,
                    note=f"demo server on {server.url} — press ? for help, ctrl+p for commands",
                )
            except RecordingError as exc:
                print(f"wsdeck demo: {exc}", file=sys.stderr)
                return 2
            tune_gc()  # the App has imported and built what it needs
            await app.run_async()
            if app.launch_error is not None:
                for line in app.launch_error.lines:
                    print(line, file=sys.stderr)
            return app.return_code or 0  # 70 after a crash (tui.crash)

    try:
        return asyncio.run(main())
    except OSError as exc:
        from tui.demo.server import bind_failure

        print(f"wsdeck demo: cannot start the demo server: {bind_failure(exc)}", file=sys.stderr)
        return 1


def demo_settings(base: str, record: Path | None) -> WsdeckSettings:
    """Settings for the demo: no file is read; ``WSDECK_*`` variables still apply."""
    from settings import WsdeckSettings

    recording = {"path": record} if record else {}
    return WsdeckSettings(
        connections=demo_connections(base, _closed_port()),
        recording=recording,
        _env_file=None,
    )
