"""Live threads (M2): server-sent events of a thread's new messages.

``GET .../stream`` answers ``text/event-stream``. Each message is one event::

    id: 7
    event: message
    data: {"seq": 7, "html": "<li ...>...</li>"}

The id is the message's sequence number in its thread. A browser that
reconnects sends ``Last-Event-ID`` (or a page asks with ``?after=``); the
stream first sends every message after it from the database, then waits for
notices on the thread's pub/sub channel (:mod:`core.pubsub`: Redis between
app instances, in-process when embedded). It subscribes *before* reading the
database and always reads "after the last one sent", so a message posted
meanwhile arrives once, never twice, never lost.

A comment line every :data:`HEARTBEAT` seconds keeps proxies from closing
an idle stream (and re-reads the database, in case a notice was lost); the
stream ends after :data:`MAX_LIFETIME` seconds, or when the browser goes,
and ``EventSource`` reconnects on its own with the last id. Core also ends
it once the viewer's session is revoked (:mod:`core.web.long_lived` wraps
every event stream), cancelling the generator; its ``finally`` closes the
subscription.
"""

from __future__ import annotations

import asyncio
import json
from typing import Awaitable, Callable

from quart import Response, request, stream_with_context

from core.services import Services
from plugins.marketing.messages.models import Message, Thread
from plugins.marketing.messages.threads import channel
from tenants.context import use_tenant
from tenants.models import Tenant

HEARTBEAT = 15.0
MAX_LIFETIME = 300.0
RETRY_MS = 3000
BATCH = 50


def last_event_id() -> int:
    """Where the browser is: ``Last-Event-ID``, else ``?after=``; junk counts as 0."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("after", "")
    try:
        value = int(str(raw).strip())
    except ValueError:
        return 0
    return max(0, min(value, 2**31 - 1))


def event(message: Message, data: dict) -> str:
    return f"id: {message.seq}\nevent: message\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def thread_stream(
    services: Services,
    tenant: Tenant,
    thread: Thread,
    render: Callable[[Message], Awaitable[str]],
    on_delivered: Callable[[], Awaitable[None]] | None = None,
) -> Response:
    """The event-stream response of ``thread`` for one viewer.

    :param render: the viewer's HTML of one message.
    :param on_delivered: called after messages were sent (to mark them read).
    """
    after = last_event_id()
    thread_id = thread.id

    @stream_with_context
    async def events():
        loop = asyncio.get_running_loop()
        ends_at = loop.time() + MAX_LIFETIME
        with use_tenant(tenant):
            subscription = await services.pubsub.subscribe(channel(thread_id))
        last = after
        try:
            yield f"retry: {RETRY_MS}\n\n"
            while True:
                with use_tenant(tenant):
                    batch = list(
                        await Message.filter(thread_id=thread_id, seq__gt=last).order_by("seq").limit(BATCH).prefetch_related("files")
                    )
                    chunks = []
                    for message in batch:
                        chunks.append(event(message, {"seq": message.seq, "html": await render(message)}))
                        last = message.seq
                    if batch and on_delivered is not None:
                        await on_delivered()
                if chunks:
                    yield "".join(chunks)
                if len(batch) == BATCH:
                    continue
                remaining = ends_at - loop.time()
                if remaining <= 0:
                    break
                notice = await subscription.get(timeout=min(HEARTBEAT, remaining))
                subscription.pending()  # one read of the database answers them all
                if notice is None:
                    yield ": keep-alive\n\n"
        finally:
            await subscription.close()

    response = Response(events(), mimetype="text/event-stream")
    response.timeout = None  # the stream ends itself (MAX_LIFETIME)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: send each event at once
    return response
