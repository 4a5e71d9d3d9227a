"""The built-in demo server (``wsdeck demo-server``): echo, ticker, flood, close and reject.

UI-free like ``tui.core``: stdlib and websockets only. Endpoints, each answering bad
query values with HTTP 400 and unknown paths with HTTP 404 (the body says why):

- ``/echo`` echoes text and binary messages (up to 16 MiB).
- ``/ticker?rate=N`` sends JSON telemetry at N messages/s (default 2, clamped to 0.1..1000).
- ``/flood?count=N&size=B&binary=0|1`` sends N messages of B bytes as fast as the peer
  reads, then closes with 1000 (see :mod:`tui.demo.flood` for the payload layout).
- ``/close?code=C&reason=R`` closes at once. Codes that may not be sent in a close frame
  (1004, 1005, 1015, 1016..2999, outside 1000..4999) get HTTP 400, except 1006 ("abnormal
  closure"), which drops the TCP connection without a close frame.
- ``/reject?status=S`` answers the handshake with HTTP S (400..599, default 403).
"""

from tui.demo.server import DemoServer, run, serve_until_cancelled

__all__ = ["DemoServer", "run", "serve_until_cancelled"]
