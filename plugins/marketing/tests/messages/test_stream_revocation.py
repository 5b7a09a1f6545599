"""Open message streams end with their session (issue 14, item 3).

Core wraps every event stream (``core.web.long_lived``): it re-checks the
session every ``RECHECK_SECONDS`` (lowered here) and before each chunk, so a
stream ends soon after "sign out everywhere", a revoked session, a
deactivated staff member or an ended view, and nothing written after the
revocation reaches it. Streams are read through the test client as a
browser's EventSource reads them, on SQLite and on PostgreSQL + Redis.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from core.console.testing import sign_in_staff
from core.models.staff import StaffUser
from core.web import long_lived
from plugins.marketing.messages.models import Thread
from plugins.marketing.tests.conftest import PAT
from plugins.marketing.tests.messages.helpers import make_job, open_stream, send

# Long enough that only the stream's own re-check can end it in these tests.
ENDS_WITHIN = 5.0


@pytest.fixture
def quick_recheck(monkeypatch):
    monkeypatch.setattr(long_lived, "RECHECK_SECONDS", 0.1)


@pytest.fixture
def slow_recheck(monkeypatch):
    """Only the check before each chunk can stop a delivery in time."""
    monkeypatch.setattr(long_lived, "RECHECK_SECONDS", 60.0)


async def rest_of_stream(events, timeout: float = ENDS_WITHIN) -> str:
    """Everything the stream still sends until it ends (TimeoutError if it does not)."""
    body = events.buffer
    while True:
        chunk = await asyncio.wait_for(events.connection.receive(), timeout)
        if not chunk:
            return body
        body += chunk.decode()


async def thread_of(tenant, job, in_tenant) -> Thread:
    with in_tenant(tenant):
        return await Thread.get(job_id=job.id)


async def open_thread(pat, pat_client, tenant, in_tenant):
    job = await make_job(tenant, pat)
    await send(pat_client, f"/jobs/{job.public_id}/messages", "Any news on the part?")
    return job, await thread_of(tenant, job, in_tenant)


async def test_sign_out_everywhere_ends_an_open_stream(quick_recheck, pat, pat_client, staff_client, client_for, tenant, in_tenant):
    job, thread = await open_thread(pat, pat_client, tenant, in_tenant)
    phone = client_for(tenant)
    await phone.sign_in_as(PAT)
    async with open_stream(pat_client, f"/jobs/{job.public_id}/messages/stream") as events:
        assert (await events.next()).id == 1
        # While the session holds, re-checks pass and news arrives.
        assert await events.nothing_within(0.4)
        await send(staff_client, f"/console/messages/{thread.public_id}", "Tuesday")
        assert (await events.next()).id == 2
        assert (await phone.submit("/sign-out/everywhere")).status_code == 302
        rest = await rest_of_stream(events)  # a quiet stream: only the re-check ends it
        assert "data:" not in rest
    await send(staff_client, f"/console/messages/{thread.public_id}", "Posted later")
    # The browser's reconnect is refused too: the session is gone.
    r = await pat_client.get(f"/jobs/{job.public_id}/messages/stream")
    assert r.status_code == 302 and r.headers["Location"].startswith("/sign-in")


async def test_a_message_posted_after_a_single_session_is_revoked_is_not_delivered(slow_recheck, pat, pat_client, staff_client, client_for, tenant, in_tenant):
    job, thread = await open_thread(pat, pat_client, tenant, in_tenant)
    laptop = client_for(tenant)
    await laptop.sign_in_as(PAT)
    security = await (await pat_client.get("/security")).get_data(as_text=True)
    handle = re.search(r"This browser</span>.*?/security/sessions/([\w-]+)/revoke", security, re.S).group(1)
    async with open_stream(pat_client, f"/jobs/{job.public_id}/messages/stream") as events:
        assert (await events.next()).id == 1
        assert (await laptop.submit(f"/security/sessions/{handle}/revoke")).status_code == 302
        await send(staff_client, f"/console/messages/{thread.public_id}", "Secret after revocation")
        rest = await rest_of_stream(events)
        assert "Secret after revocation" not in rest and "data:" not in rest
    assert (await laptop.get("/security")).status_code == 200  # the other session was left alone


async def test_deactivating_a_staff_member_ends_their_console_stream(quick_recheck, pat, pat_client, staff_client, client_for, tenant, in_tenant):
    job, thread = await open_thread(pat, pat_client, tenant, in_tenant)
    owner = client_for(tenant)
    await sign_in_staff(owner, "owner@acme.test", role="owner")
    with in_tenant(tenant):
        maria = await StaffUser.get(email="maria@acme.test")
    async with open_stream(staff_client, f"/console/messages/{thread.public_id}/stream") as events:
        assert (await events.next()).id == 1
        assert await events.nothing_within(0.4)
        assert (await owner.submit(f"/console/staff/{maria.public_id}/deactivate")).status_code == 302
        rest = await rest_of_stream(events)
        assert "data:" not in rest
    await send(pat_client, f"/jobs/{job.public_id}/messages", "Hello again")
    r = await staff_client.get(f"/console/messages/{thread.public_id}/stream")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/sign-in")


async def test_a_view_as_stream_ends_when_the_staff_member_signs_out_of_the_console(slow_recheck, pat, pat_client, client_for, tenant, in_tenant):
    job, thread = await open_thread(pat, pat_client, tenant, in_tenant)
    from core.models.customers import ContactEmail

    with in_tenant(tenant):
        address = await ContactEmail.get(email=PAT)
    admin = client_for(tenant)
    await sign_in_staff(admin, "ann@acme.test", role="admin")
    assert (await admin.submit("/console/view-as/", {"email": address.public_id})).status_code == 302
    async with open_stream(admin, f"/jobs/{job.public_id}/messages/stream") as events:
        assert (await events.next()).id == 1
        assert (await admin.submit("/console/sign-out")).status_code == 302
        await send(pat_client, f"/jobs/{job.public_id}/messages", "Only for Pat and the office")
        rest = await rest_of_stream(events)
        assert "Only for Pat and the office" not in rest
