"""Entry point of the demo server: ``python -m tui.demo_server [--host H] [--port N]``.

The implementation lives in :mod:`tui.demo`; this module re-exports its API so callers
and benchmarks can import ``tui.demo_server`` and run it in a process of its own.
"""

from __future__ import annotations

import argparse

from tui.demo import DemoServer, run, serve_until_cancelled

__all__ = ["DemoServer", "main", "run", "serve_until_cancelled"]


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535, got {port}")
    return port


def main(argv: list[str] | None = None) -> int:
    """Parse ``--host``/``--port`` and serve until SIGINT/SIGTERM; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m tui.demo_server", description="wsdeck's demo WebSocket server."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=0, help="port to bind; 0 picks a free one")
    args = parser.parse_args(argv)
    return run(args.host, args.port)


if __name__ == "__main__":
    raise SystemExit(main())
