"""Long-lived responses end when the session they were opened under does.

A streaming response (server-sent events) outlives the request that checked
its session: without more, a browser signed out everywhere, a revoked
session, a deactivated staff member or an ended "view as" would keep
receiving news until the stream's own end. So the app runs
:func:`guard_long_lived` after every request: a ``text/event-stream``
response (or any response a view marks ``response.long_lived = True``) of a
request that had a session gets its body wrapped by :func:`until_revoked`,
which re-checks that session

* every :data:`RECHECK_SECONDS` while the stream is quiet, and
* before each chunk it passes on, so nothing written after a revocation is
  delivered;

and ends the response as soon as the session is no longer in force. Core
and plugins get this without doing anything; nothing here needs the
request context once the response has started.

What "in force" means (:func:`request_session_check`): for a console request
(``g.staff_session_id``) the staff session is live and its staff member
active; for a portal request the customer session is live (idle and absolute
time-outs, same host) and, for a staff member's read-only view, still backed
by that staff member's session (:mod:`core.auth.viewing`). A check never
renews the session's idle time-out: an open page is not a person using it.
A request without a session (a public stream) is not wrapped.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Awaitable, Callable

from quart import Response, g
from quart.wrappers.response import IterableBody

from core.auth.sessions import SessionStore, request_host
from core.auth.viewing import view_problem
from core.models.staff import StaffUser
from core.services import current_services
from tenants.context import use_tenant

# Seconds between two checks of a quiet stream; small on purpose (tests set it lower).
RECHECK_SECONDS = 3.0
EVENT_STREAM = "text/event-stream"

SessionCheck = Callable[[], Awaitable[bool]]
_END = object()


def request_session_check() -> SessionCheck | None:
    """In a request: a callable answering "is this request's session still in force?".

    None when the request ran under no session (nothing to revoke). The
    callable works after the request has ended (in a stream's body).
    """
    tenant = g.get("tenant")
    if tenant is None:
        return None
    cache = current_services().cache
    host = request_host()
    staff_session_id = g.get("staff_session_id")
    if staff_session_id:
        staff_store = SessionStore(cache, "staff", host=host)

        async def staff_in_force() -> bool:
            with use_tenant(tenant):
                session = await staff_store.load(staff_session_id, touch=False)
                return session is not None and await StaffUser.filter(public_id=session.subject, active=True).exists()

        return staff_in_force
    session_id = g.get("session_id")
    if session_id and g.get("session") is not None:
        customer_store = SessionStore(cache, "customer", host=host)

        async def customer_in_force() -> bool:
            with use_tenant(tenant):
                session = await customer_store.load(session_id, touch=False)
                if session is None:
                    return False
                if session.data.get("read_only"):
                    return await view_problem(session, tenant, cache) is None
                return True

        return customer_in_force
    return None


async def until_revoked(body: AsyncIterator[Any], still_in_force: SessionCheck, interval: float | None = None) -> AsyncIterator[Any]:
    """Pass ``body``'s chunks on while ``still_in_force()``; end (and close ``body``) once it is not.

    ``body`` runs in a task of its own, so a body waiting a long time for its
    next chunk (a pub/sub notice) is interrupted by a failed check, and its
    ``finally`` blocks run (subscriptions close) in the task that iterated it.
    """
    every = RECHECK_SECONDS if interval is None else interval
    queue: asyncio.Queue = asyncio.Queue(1)

    async def pump() -> None:
        try:
            async for chunk in body:
                await queue.put((chunk, None))
            await queue.put((_END, None))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the reader, which re-raises it where Quart expects
            await queue.put((_END, exc))
        finally:
            closer = getattr(body, "aclose", None)
            if closer is not None:
                await closer()

    task = asyncio.create_task(pump(), name="porchside-long-lived-body")
    loop = asyncio.get_running_loop()
    next_check = loop.time() + every
    try:
        while True:
            try:
                chunk, error = await asyncio.wait_for(queue.get(), max(0.0, next_check - loop.time()))
            except asyncio.TimeoutError:
                if not await still_in_force():
                    return
                next_check = loop.time() + every
                continue
            if chunk is _END:
                if error is not None:
                    raise error
                return
            if not await still_in_force():
                return
            next_check = loop.time() + every
            yield chunk
    finally:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass


async def guard_long_lived(response: Response) -> Response:
    """after_request of the app: wrap long-lived responses of signed-in requests (see module doc)."""
    if getattr(response, "session_guarded", False) or not isinstance(response.response, IterableBody):
        return response
    if response.mimetype != EVENT_STREAM and not getattr(response, "long_lived", False):
        return response
    check = request_session_check()
    if check is None:
        return response
    response.response = IterableBody(until_revoked(response.response.iter, check))
    response.session_guarded = True  # type: ignore[attr-defined]
    return response
