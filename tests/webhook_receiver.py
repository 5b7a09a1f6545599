"""A real HTTP server on loopback that receives webhooks, for tests.

``await WebhookReceiver().start()``; ``url("/hook")``; ``received`` holds
``(path, headers, body)`` of every request; ``answers`` is a list of status
codes given out in order (then 200). ``/redirect`` answers 302 to
``/elsewhere``, so a test can see that nothing follows it.
"""

from __future__ import annotations

from typing import Iterable

from aiohttp import web

from tests.api_helpers import bearer


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], str]] = []
        self.answers: list[int] = []
        self.always: int | None = None
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        self.received.append((request.path, {k.lower(): v for k, v in request.headers.items()}, body))
        if request.path == "/redirect":
            raise web.HTTPFound("/elsewhere")
        status = self.always or (self.answers.pop(0) if self.answers else 200)
        return web.Response(status=status, text="x" * 5000 if status >= 500 else "ok")

    async def start(self) -> "WebhookReceiver":
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path: str) -> list[tuple[str, dict[str, str], str]]:
        return [item for item in self.received if item[0] == path]


async def subscribe(client, tenant, receiver: WebhookReceiver, event_types: Iterable[str]) -> str:
    """Subscribe ``receiver`` to ``event_types`` through the API, as an integrator does; the endpoint's secret."""
    headers = await bearer(client, tenant, ["webhook_endpoints:write"])
    created = await client.post(
        "/api/v1/webhook_endpoints", json={"url": receiver.url(), "event_types": list(event_types)}, headers=headers
    )
    assert created.status_code == 201, await created.get_data(as_text=True)
    return (await created.get_json())["secret"]

