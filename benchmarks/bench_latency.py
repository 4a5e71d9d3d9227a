"""Target 5, latency at rest: a message on an idle connection, from send to on screen.

The sender writes one message every 100 ms (200 in all), stamped with its send time,
starting 2 s after the connection opened (at rest: the App has drawn its first frames). The
App (headless, 120x40) notes the first moment its feed *renders* a line showing each
message (``render_line``, called by the compositor when the screen is updated). The plain
client's delay (send to ``recv``) is shown for context: the floor set by the network and
``websockets``.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from common import (
    BENCH_CONNECTION,
    PYTHON,
    bench_server,
    check,
    main_for,
    percentile,
    result,
    run_child,
    summary,
    tag,
    write_config,
)


def run(*, quick: bool, runs: int) -> dict[str, Any]:
    count = 30 if quick else 200
    app_p99: list[float] = []
    app_p50: list[float] = []
    plain_p99: list[float] = []
    complete = True
    with bench_server() as server, tempfile.TemporaryDirectory() as name:
        for _ in range(runs):
            name_app = tag()
            url = f"{server.url}/paced?count={count}&rate=10&size=64&start=2&tag={name_app}"
            connection = {"name": "paced", "url": url, "auto_start": True, **BENCH_CONNECTION}
            config = write_config(Path(name) / f"{name_app}.toml", [connection])
            app = run_child(
                [PYTHON, "benchmarks/app_harness.py", "latency", str(config), str(count)],
                timeout=count / 10 + 120,
            ).json()
            server.report(name_app)
            complete = complete and app["finished"] and app["count"] == count
            delays = [d / 1e6 for d in app["delays_ns"]]
            app_p99.append(percentile(delays, 0.99))
            app_p50.append(percentile(delays, 0.5))
            name_plain = tag()
            url = f"{server.url}/paced?count={count}&rate=10&size=64&start=2&tag={name_plain}"
            plain = run_child(
                [PYTHON, "benchmarks/plain_client.py", "paced", url], timeout=count / 10 + 60
            ).json()
            server.report(name_plain)
            plain_p99.append(percentile([d / 1e6 for d in plain["delays_ns"]], 0.99))
    figures = {
        "messages": count,
        "rate_per_s": 10,
        "every_message_shown": complete,
        "app_on_screen_p99_ms": summary(app_p99, 1),
        "app_on_screen_p50_ms": summary(app_p50, 1),
        "plain_recv_p99_ms": summary(plain_p99, 2),
    }
    checks = [
        check("every message shown", float(complete), ">=", 1),
        check("send to on screen, p99", statistics.median(app_p99), "<=", 50, " ms"),
    ]
    return result("5. latency at rest (send to on screen)", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
