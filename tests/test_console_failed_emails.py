"""Console "Failed emails": owners and admins see what could not be delivered and send it again."""

from __future__ import annotations

import pytest

from core.console.testing import sign_in_staff
from core.mail import send_email
from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent
from core.testing import eventually, jobs_settled
from tenants.context import use_tenant
from tenants.service import create_tenant

PAGE = "/console/emails/failed"


@pytest.fixture
async def smtp_app(make_app, smtp_server):
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False, queue_retry_delay=0.2, queue_retry_max_delay=0.5, queue_schedule_every=0.05) as app:
        yield app


@pytest.fixture
async def acme(smtp_app):
    return await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")


async def failed_email(app, tenant, smtp_server, to="pat@example.com") -> OutboundEmail:
    """An email the SMTP server refused for good (a 550), as stored."""
    smtp_server.refuse_recipients = "550 5.1.1 No such user here"
    with use_tenant(tenant):
        email = await send_email(
            app.extensions["porchside"], to=to, template="test", context={"name": "Pat", "path": "/"}, kind="test"
        )

    async def is_failed():
        with use_tenant(tenant):
            stored = await OutboundEmail.get(id=email.id)
        return stored if stored.status == "failed" else None

    stored = await eventually(is_failed)
    smtp_server.refuse_recipients = None
    return stored


async def test_owner_sees_failed_email_with_its_error_and_retry_sends_it_once(smtp_app, acme, client_for, smtp_server):
    email = await failed_email(smtp_app, acme, smtp_server)
    owner = client_for(acme, smtp_app)
    await sign_in_staff(owner, "owner@acme.test", role="owner")

    page = await (await owner.get(PAGE)).get_data(as_text=True)
    assert "pat@example.com" in page and "550" in page and "No such user" in page
    assert f"/console/emails/failed/{email.public_id}/retry" in page

    retry = f"{PAGE}/{email.public_id}/retry"
    first = await owner.submit(retry)
    assert first.status_code == 302 and "done=retried" in first.headers["Location"]
    # A double submit (the same form posted again) queues nothing more.
    second = await owner.submit(retry)
    assert "done=already" in second.headers["Location"]

    (message,) = await smtp_server.wait_for(1)
    assert message["To"] == "pat@example.com"
    await jobs_settled(smtp_app)
    assert len(smtp_server.messages) == 1
    with use_tenant(acme):
        sent = await OutboundEmail.get(id=email.id)
        assert sent.status == "sent" and sent.attempts == 2
        (event,) = await AuditEvent.filter(action="mail.retried")
    assert event.actor == "owner@acme.test" and event.target == email.public_id and event.detail["to"] == "pat@example.com"

    after = await (await owner.get(PAGE)).get_data(as_text=True)
    assert "No failed emails" in after and "pat@example.com" not in after


async def test_retry_needs_csrf_and_the_emails_permission(smtp_app, acme, client_for, smtp_server):
    email = await failed_email(smtp_app, acme, smtp_server)
    retry = f"{PAGE}/{email.public_id}/retry"

    technician = client_for(acme, smtp_app)
    await sign_in_staff(technician, "tech@acme.test", role="staff")
    assert (await technician.get(PAGE)).status_code == 403
    assert (await technician.submit(retry)).status_code == 403
    assert "Failed emails" not in await (await technician.get("/console/")).get_data(as_text=True)

    admin = client_for(acme, smtp_app)
    await sign_in_staff(admin, "ann@acme.test", role="admin")
    assert "Failed emails" in await (await admin.get("/console/")).get_data(as_text=True)
    assert (await admin.post(retry)).status_code == 403  # no CSRF token

    await jobs_settled(smtp_app)
    assert smtp_server.messages == []
    with use_tenant(acme):
        assert (await OutboundEmail.get(id=email.id)).status == "failed"


async def test_another_business_cannot_see_or_retry_the_email(smtp_app, acme, client_for, smtp_server):
    email = await failed_email(smtp_app, acme, smtp_server)
    globex = await create_tenant("globex", "Globex Plumbing", contact_email="office@globex.test")
    other = client_for(globex, smtp_app)
    await sign_in_staff(other, "owner@globex.test", role="owner")

    assert "pat@example.com" not in await (await other.get(PAGE)).get_data(as_text=True)
    assert (await other.submit(f"{PAGE}/{email.public_id}/retry")).status_code == 404
    with use_tenant(acme):
        assert (await OutboundEmail.get(id=email.id)).status == "failed"


async def test_empty_state_and_pagination(smtp_app, acme, client_for):
    owner = client_for(acme, smtp_app)
    await sign_in_staff(owner, "owner@acme.test", role="owner")
    assert "No failed emails" in await (await owner.get(PAGE)).get_data(as_text=True)

    with use_tenant(acme):
        for n in range(30):
            await OutboundEmail.create(kind="test", to=f"p{n:02d}@example.com", subject=f"Hello {n}", text="x", status="failed", attempts=1, last_error="boom")
    first = await (await owner.get(PAGE)).get_data(as_text=True)
    second = await (await owner.get(f"{PAGE}?page=2")).get_data(as_text=True)
    assert "of 30 failed emails" in first
    shown = {n for n in range(30) if f"p{n:02d}@example.com" in first} | {n for n in range(30) if f"p{n:02d}@example.com" in second}
    assert shown == set(range(30))
    assert not {n for n in range(30) if f"p{n:02d}@example.com" in first} & {n for n in range(30) if f"p{n:02d}@example.com" in second}
