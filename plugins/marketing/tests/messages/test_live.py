"""Live threads (M2): the event stream of a thread, across app instances, and reconnecting.

The stream is read through the Quart test client as a browser's
EventSource reads it. Two app instances share PostgreSQL and Redis in the
PostgreSQL half; the SQLite half runs one process with the in-process
broker, so the test across instances skips there by design.
"""

from __future__ import annotations

import asyncio

import pytest

from core.console.testing import sign_in_staff
from plugins.marketing.messages import live
from plugins.marketing.messages.models import Thread
from plugins.marketing.tests.conftest import PAT
from plugins.marketing.tests.messages.helpers import make_job, open_stream, send
from tenants.service import create_tenant


async def _thread_of(tenant, job, in_tenant) -> Thread:
    with in_tenant(tenant):
        return await Thread.get(job_id=job.id)


async def test_a_staff_reply_arrives_in_the_customers_open_stream(pat, pat_client, staff_client, tenant, in_tenant):
    job = await make_job(tenant, pat)
    await send(pat_client, f"/jobs/{job.public_id}/messages", "Any news on the part?")
    thread = await _thread_of(tenant, job, in_tenant)
    async with open_stream(pat_client, f"/jobs/{job.public_id}/messages/stream") as events:
        first = await events.next()
        assert events.connection.status_code == 200
        assert events.connection.headers["Content-Type"].startswith("text/event-stream")
        assert events.retry == live.RETRY_MS
        assert first.id == 1 and first.data["seq"] == 1 and "Any news on the part?" in first.data["html"]

        await send(staff_client, f"/console/messages/{thread.public_id}", "It arrives <Tuesday> https://example.com/track")
        reply = await events.next()
        assert reply.id == 2
        assert "It arrives &lt;Tuesday&gt;" in reply.data["html"] and 'rel="noopener nofollow"' in reply.data["html"]
        assert 'class="message theirs from-staff"' in reply.data["html"]
        assert await events.nothing_within(0.3)
    # Delivered to the open page means read.
    thread = await _thread_of(tenant, job, in_tenant)
    assert thread.customer_unread == 0


async def test_staff_see_the_customers_message_live_in_the_console(pat, pat_client, staff_client, tenant, in_tenant):
    job = await make_job(tenant, pat)
    await pat_client.get(f"/jobs/{job.public_id}/messages")  # opening the tab makes the thread
    thread = await _thread_of(tenant, job, in_tenant)
    async with open_stream(staff_client, f"/console/messages/{thread.public_id}/stream") as events:
        await send(pat_client, f"/jobs/{job.public_id}/messages", "Gate code is 4321")
        event = await events.next()
        assert event.id == 1 and "Gate code is 4321" in event.data["html"]
        assert 'class="message theirs from-customer"' in event.data["html"]


async def test_reconnecting_with_last_event_id_loses_and_repeats_nothing(pat, pat_client, staff_client, tenant, in_tenant):
    job = await make_job(tenant, pat)
    path = f"/jobs/{job.public_id}/messages"
    for text in ("one", "two", "three"):
        await send(pat_client, path, text)
    thread = await _thread_of(tenant, job, in_tenant)

    async with open_stream(staff_client, f"/console/messages/{thread.public_id}/stream") as events:
        seen = [(await events.next()).id, (await events.next()).id]
    assert seen == [1, 2]
    # While the browser is away, more is written on both sides.
    await send(staff_client, f"/console/messages/{thread.public_id}", "four")
    await send(pat_client, path, "five")

    async with open_stream(staff_client, f"/console/messages/{thread.public_id}/stream", last_event_id=seen[-1]) as events:
        caught_up = [await events.next() for _ in range(3)]
        assert [e.id for e in caught_up] == [3, 4, 5]
        assert ["three" in caught_up[0].data["html"], "four" in caught_up[1].data["html"], "five" in caught_up[2].data["html"]] == [True] * 3
        await send(pat_client, path, "six")  # live, after the catch-up
        assert (await events.next()).id == 6
        assert await events.nothing_within(0.3)

    # ?after= works the same for a page that starts the stream itself; junk counts as 0.
    async with open_stream(pat_client, f"{path}/stream?after=5") as events:
        assert (await events.next()).id == 6
    async with open_stream(pat_client, f"{path}/stream?after=soon") as events:
        assert (await events.next()).id == 1


async def test_the_stream_keeps_alive_and_ends_for_the_browser_to_reconnect(pat, pat_client, tenant, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT", 0.05)
    monkeypatch.setattr(live, "MAX_LIFETIME", 0.3)
    job = await make_job(tenant, pat)
    async with open_stream(pat_client, f"/jobs/{job.public_id}/messages/stream") as events:
        body = b""
        while True:  # the response finishes on its own after MAX_LIFETIME
            chunk = await asyncio.wait_for(events.connection.receive(), 5)
            if not chunk:
                break
            body += chunk
    assert b"retry: " in body and b": keep-alive" in body and b"data:" not in body


async def test_two_app_instances_sharing_redis_deliver_a_live_message(make_app, porchside_backend, porchside_settings_factory, make_customer, client_for, in_tenant):
    if porchside_backend.redis_url is None:
        pytest.skip("sharing live messages between instances needs Redis; the embedded default is one process by design")
    settings = porchside_settings_factory()
    async with make_app(settings=settings) as first, make_app(settings=settings) as second:
        acme = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
        account = await make_customer(acme, "Pat Morgan", emails=[PAT])
        job = await make_job(acme, account)
        customer_on_b = client_for(acme, second)
        await customer_on_b.sign_in_as(PAT)
        await customer_on_b.get(f"/jobs/{job.public_id}/messages")
        thread = await _thread_of(acme, job, in_tenant)
        staff_on_a = client_for(acme, first)
        await sign_in_staff(staff_on_a, "maria@acme.test", role="staff", name="Maria Delgado")

        async with open_stream(customer_on_b, f"/jobs/{job.public_id}/messages/stream") as events:
            assert await events.nothing_within(0.2)
            await send(staff_on_a, f"/console/messages/{thread.public_id}", "Posted on instance A")
            event = await events.next()
            assert event.id == 1 and "Posted on instance A" in event.data["html"]
