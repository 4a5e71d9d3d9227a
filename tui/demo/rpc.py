"""The ``/rpc`` endpoint: a JSON-RPC 2.0 server, for request/response pairing.

Methods: ``sum`` (of the numbers in ``params``), ``echo`` (``params`` back) and ``sleep``
(answers after ``params[0]`` milliseconds, at most 10 s; never answers when asked for more,
so that a request can time out). Each request is answered by a task of its own: a quick one
overtakes a slow one, as on real servers. Notifications (no ``id``) get no answer; a message
that is not JSON gets the parse error with a null id (JSON-RPC 2.0 §5.1).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.server import ServerConnection

MAX_SLEEP_MS = 10_000
"""The longest ``sleep`` answered; longer ones are never answered."""

MAX_PENDING = 100
"""Requests answered at once; beyond, a request gets a ``server busy`` error at once."""


def _error(code: int, message: str, id_: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": id_}


def answer_now(request: Any) -> tuple[float | None, dict[str, Any] | None]:
    """Seconds to wait and the response for one decoded message (``None`` delay: never;
    ``None`` response: a notification)."""
    if not isinstance(request, dict) or request.get("jsonrpc") != "2.0":
        return 0.0, _error(-32600, "Invalid Request", None)
    id_ = request.get("id")
    method, params = request.get("method"), request.get("params", [])
    if not isinstance(method, str):
        return 0.0, _error(-32600, "Invalid Request", id_)
    delay: float | None = 0.0
    if (
        method == "sum"
        and isinstance(params, list)
        and all(isinstance(p, int | float) and not isinstance(p, bool) for p in params)
    ):
        result: Any = sum(params)
    elif method == "echo":
        result = params
    elif method == "sleep" and isinstance(params, list) and params and isinstance(params[0], int):
        milliseconds = params[0]
        delay = milliseconds / 1000 if 0 <= milliseconds <= MAX_SLEEP_MS else None
        result = milliseconds
    elif method in ("sum", "sleep"):
        return 0.0, None if "id" not in request else _error(-32602, "Invalid params", id_)
    else:
        return 0.0, None if "id" not in request else _error(-32601, "Method not found", id_)
    if "id" not in request:
        return delay, None
    return delay, {"jsonrpc": "2.0", "result": result, "id": id_}


async def serve_rpc(ws: ServerConnection) -> None:
    """Answer JSON-RPC requests until the peer closes."""
    pending: set[asyncio.Task[None]] = set()

    async def later(delay: float, response: dict[str, Any]) -> None:
        await asyncio.sleep(delay)
        await ws.send(json.dumps(response))

    try:
        async for message in ws:
            try:
                request = json.loads(message)
            except (ValueError, RecursionError):
                await ws.send(json.dumps(_error(-32700, "Parse error", None)))
                continue
            delay, response = answer_now(request)
            if response is None or delay is None:
                continue
            if len(pending) >= MAX_PENDING:
                await ws.send(json.dumps(_error(-32000, "server busy", response.get("id"))))
                continue
            task = asyncio.create_task(later(delay, response))
            pending.add(task)
            task.add_done_callback(pending.discard)
    finally:
        for task in pending:
            task.cancel()
