"""The connection table shows where a connection went after a redirect it was allowed."""

from __future__ import annotations

from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from tests.app.conftest import conn, wait_until
from tui.demo_server import DemoServer
from tui.widgets.connection_table import ConnectionTable


async def test_table_shows_the_final_url_of_a_followed_redirect(
    demo: DemoServer, make_app: Any
) -> None:
    target = demo.endpoint("/echo")

    def moved(ws: ServerConnection, request: Request) -> Response:
        response = ws.respond(302, "moved\n")
        response.headers["Location"] = target
        return response

    async def never(ws: ServerConnection) -> None:
        raise AssertionError("every request is redirected")

    async with serve(never, "127.0.0.1", 0, process_request=moved) as old:
        start = f"ws://127.0.0.1:{old.sockets[0].getsockname()[1]}/old"
        app = make_app(conn("moved", start, follow_redirects=True, auto_start=True))
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.main.query_one(ConnectionTable)
            await wait_until(pilot, lambda: str(table.get_cell("moved", "state")) == "● open")
            await wait_until(pilot, lambda: str(table.get_cell("moved", "url")) == target)
