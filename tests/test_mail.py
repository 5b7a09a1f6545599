"""Email: rendered in the tenant's branding, queued, delivered to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from core.mail import Attachment, MailError, send_email
from core.mail.delivery import deliver_email
from core.models.mail import OutboundEmail
from core.queue import JobInfo, NoRetry
from core.testing import eventually
from tenants.context import NoTenantError, use_tenant
from tenants.service import create_tenant
from tests.dns_server import prove_domain

FAST_RETRIES = {"queue_retry_delay": 0.2, "queue_retry_max_delay": 0.5, "queue_schedule_every": 0.05}
CONTEXT = {"name": "Pat", "path": "/invoices"}


@pytest.fixture
async def smtp_app(make_app, smtp_server):
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False, mail_from="portal@porchside.test", **FAST_RETRIES) as app:
        yield app


@pytest.fixture
async def acme(smtp_app):
    return await create_tenant(
        "acme", "Acme Pool Care", contact_email="office@acme.test", contact_phone="555-0100", brand_colour="#ffcc00"
    )


def services_of(app):
    return app.extensions["porchside"]


async def stored(tenant, email):
    with use_tenant(tenant):
        return await OutboundEmail.get(id=email.id)


async def send_test(app, tenant, to="pat@example.com", **kwargs):
    with use_tenant(tenant):
        return await send_email(services_of(app), to=to, template="test", context={**CONTEXT, **kwargs.pop("context", {})}, kind="test", **kwargs)


async def test_email_is_delivered_with_text_html_and_the_tenants_identity(smtp_app, acme, smtp_server):
    email = await send_test(smtp_app, acme)
    assert email.status == "queued"

    (message,) = await smtp_server.wait_for(1)
    assert message["Subject"] == "Test email from Acme Pool Care"
    assert message["From"].addresses[0].display_name == "Acme Pool Care"
    assert message["From"].addresses[0].addr_spec == "portal@porchside.test"
    assert message["Reply-To"].addresses[0].addr_spec == "office@acme.test"
    assert message["To"] == "pat@example.com"
    assert message["Message-ID"] == f"<{email.public_id}@porchside.test>"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hello Pat," in text and "555-0100" in text
    assert "Hello Pat," in html and "Acme Pool Care" in html
    # Branding: the yellow brand colour darkened until white text is readable on it.
    assert "background-color:#ffcc00" not in html and "background-color:#" in html
    # Inline CSS only: mail clients drop style sheets.
    assert "<style" not in html and "<link" not in html
    assert smtp_server.envelopes == [("portal@porchside.test", ["pat@example.com"])]

    sent = await eventually(lambda: _status(acme, email, "sent"))
    assert sent.attempts == 1 and sent.sent_at is not None and sent.last_error == ""


async def _status(tenant, email, status):
    row = await stored(tenant, email)
    return row if row.status == status else None


async def test_links_use_the_tenants_configured_host(make_app, smtp_server, loopback_dns):
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False, public_scheme="https", public_port=8443) as app:
        tenant = await create_tenant("acme", "Acme Pool Care")
        await prove_domain(app, loopback_dns, tenant, "portal.acmepools.example", primary=True)
        email = await send_test(app, tenant)

    assert "https://portal.acmepools.example:8443/invoices" in email.text
    assert 'href="https://portal.acmepools.example:8443/invoices"' in email.html
    assert "acme.localhost" not in email.text + email.html


async def test_send_email_returns_before_smtp_delivery(smtp_app, acme, smtp_server):
    smtp_server.gate = threading.Event()  # the server holds every message at DATA

    start = time.monotonic()
    email = await send_test(smtp_app, acme)
    assert time.monotonic() - start < 2
    assert email.status == "queued"
    await eventually(lambda: smtp_server.held == 1)  # delivery is under way, held at DATA
    assert smtp_server.messages == []
    assert (await stored(acme, email)).status == "queued"

    smtp_server.gate.set()
    await smtp_server.wait_for(1)
    await eventually(lambda: _status(acme, email, "sent"))


async def test_smtp_down_then_up_delivers_after_retries(smtp_app, acme, smtp_server, caplog):
    caplog.set_level(logging.WARNING, "porchside.mail")
    smtp_server.stop()

    email = await send_test(smtp_app, acme)
    failing = await eventually(lambda: _attempts_at_least(acme, email, 2))
    assert failing.status == "queued"
    assert "Connect" in failing.last_error or "refused" in failing.last_error.lower()

    smtp_server.start()
    await smtp_server.wait_for(1)
    sent = await eventually(lambda: _status(acme, email, "sent"))
    assert sent.attempts >= 3
    assert sent.last_error  # the failures are kept on the email
    retried = [r.getMessage() for r in caplog.records if "will retry" in r.getMessage()]
    assert retried and email.public_id in retried[0]


async def _attempts_at_least(tenant, email, count):
    row = await stored(tenant, email)
    return row if row.attempts >= count else None


async def test_refused_recipient_fails_at_once_with_the_error(smtp_app, acme, smtp_server, caplog):
    smtp_server.refuse_recipients = "550 5.1.1 No such user here"

    email = await send_test(smtp_app, acme, to="nobody@example.com")
    failed = await eventually(lambda: _status(acme, email, "failed"))

    assert failed.attempts == 1
    assert "550" in failed.last_error and "No such user" in failed.last_error
    assert any("failed for good" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


async def test_last_attempt_marks_the_email_failed(smtp_app, acme, smtp_server):
    smtp_server.stop()
    with use_tenant(acme):
        email = await OutboundEmail.create(kind="test", to="pat@example.com", subject="Hello", text="Hi")
        last = JobInfo(name="mail.deliver", key="k", attempt=11, max_attempts=11, tenant=acme)
        with pytest.raises(OSError):
            await deliver_email(email.public_id, services_of(smtp_app), last)
        row = await OutboundEmail.get(id=email.id)

    assert row.status == "failed" and row.attempts == 1
    assert row.last_error


async def test_missing_attachment_fails_without_retrying(smtp_app, acme):
    with use_tenant(acme):
        email = await OutboundEmail.create(
            kind="test", to="pat@example.com", subject="Hello", text="Hi",
            attachments=[{"filename": "a.pdf", "content_type": "application/pdf", "storage_key": f"{acme.id}/gone/a.pdf"}],
        )
        first = JobInfo(name="mail.deliver", key="k", attempt=1, max_attempts=11, tenant=acme)
        with pytest.raises(NoRetry):
            await deliver_email(email.public_id, services_of(smtp_app), first)
        assert (await OutboundEmail.get(id=email.id)).status == "failed"


async def test_attachments_are_sent(smtp_app, acme, smtp_server):
    services = services_of(smtp_app)
    with use_tenant(acme):
        key = await services.storage.save(b"%PDF-1.4 invoice", "INV-7.pdf")
    await send_test(smtp_app, acme, attachments=[Attachment("INV-7.pdf", "application/pdf", key)])

    (message,) = await smtp_server.wait_for(1)
    assert message.get_content_type() == "multipart/mixed"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "INV-7.pdf"
    assert attachment.get_content() == b"%PDF-1.4 invoice"
    assert message.get_body(("plain",)).get_content().startswith("Hello Pat,")


@pytest.mark.parametrize(
    "to, context, problem",
    [
        ("pat@example.com\r\nBcc: all@example.com", {}, "line breaks"),
        ("pat@example.com\nBcc: all@example.com", {}, "line breaks"),
        ("Pat <pat@example.com>", {}, "not an email address"),
        ("pat@example.com, eve@example.com", {}, "not an email address"),
        ("pat@example.com", {"subject_note": "hi\r\nBcc: all@example.com"}, "subject must not contain line breaks"),
    ],
)
async def test_header_injection_is_refused(smtp_app, acme, smtp_server, to, context, problem):
    with pytest.raises(MailError, match=problem):
        await send_test(smtp_app, acme, to=to, context=context)
    with use_tenant(acme):
        assert await OutboundEmail.all().count() == 0


async def test_sender_name_with_a_line_break_is_refused(smtp_app, smtp_server):
    tenant = await create_tenant("acme", "Acme\r\nBcc: all@example.com")
    with pytest.raises(MailError, match="business name"):
        await send_test(smtp_app, tenant)


async def test_send_email_needs_a_tenant(smtp_app):
    with pytest.raises(NoTenantError):
        await send_email(services_of(smtp_app), to="pat@example.com", template="test", context=CONTEXT, kind="test")


# -- dev outbox -----------------------------------------------------------


async def test_dev_outbox_keeps_emails_and_shows_only_the_tenants_own(app, tenant, other_tenant, client, other_client):
    mine = await send_test(app, tenant, context={"subject_note": "for acme"})
    theirs = await send_test(app, other_tenant, context={"subject_note": "for globex"})
    await eventually(lambda: _status(tenant, mine, "sent"))

    page = await (await client.get("/_dev/outbox")).get_data(as_text=True)
    assert "Test email from Acme Pool Care: for acme" in page
    assert "for globex" not in page

    shown = await client.get(f"/_dev/outbox/{mine.public_id}")
    body = await shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Hello Pat," in body
    # The magic link in the text part is a real link.
    assert 'href="http://acme.localhost/invoices"' in body
    assert f'src="/_dev/outbox/{mine.public_id}/html"' in body and "sandbox=" in body

    assert (await client.get(f"/_dev/outbox/{theirs.public_id}")).status_code == 404
    assert (await client.get(f"/_dev/outbox/{theirs.public_id}/html")).status_code == 404
    assert (await other_client.get(f"/_dev/outbox/{theirs.public_id}")).status_code == 200


async def test_dev_outbox_html_is_sandboxed_and_its_links_leave_the_frame(app, tenant, client):
    email = await send_test(app, tenant)

    response = await client.get(f"/_dev/outbox/{email.public_id}/html")
    html = await response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert '<head><base target="_top">' in html
    assert 'href="http://acme.localhost/invoices"' in html


async def test_dev_outbox_is_404_when_off(make_app):
    async with make_app(dev_outbox=False) as app:
        tenant = await create_tenant("acme", "Acme Pool Care")
        client = app.test_client()
        with use_tenant(tenant):
            email = await OutboundEmail.create(kind="test", to="pat@example.com", subject="Hello", text="Hi")
        for path in ("/_dev/outbox", f"/_dev/outbox/{email.public_id}", f"/_dev/outbox/{email.public_id}/html"):
            response = await client.get(path, headers={"Host": "acme.localhost"})
            assert response.status_code == 404, path


async def test_in_process_queue_resends_what_a_stopped_app_left_queued(make_app):
    # The in-process queue (no Redis) on both databases. Its jobs die with the
    # app, so the next app start must send what was left queued. An outer app
    # keeps the database between the two runs (the fixture empties PostgreSQL
    # when the last app stops); it started before the email existed, so it
    # does not send it itself.
    async with make_app(redis_url=None):
        async with make_app(redis_url=None):
            tenant = await create_tenant("acme", "Acme Pool Care")
            with use_tenant(tenant):
                email = await OutboundEmail.create(kind="test", to="pat@example.com", subject="Hello", text="Hi")
        assert (await _status(tenant, email, "queued")) is not None

        async with make_app(redis_url=None) as app:
            assert app.extensions["porchside"].queue.working
            sent = await eventually(lambda: _status(tenant, email, "sent"))
            assert sent.attempts == 1


async def test_an_email_sent_while_redis_is_away_stays_queued_and_the_relay_sends_it(make_app, tmp_path):
    """A Redis outage delays an email (the outbox relay queues it later); it never marks it failed."""
    from core.mail.delivery import requeue_waiting
    from tests.private_services import PrivateRedis

    redis = PrivateRedis()  # its own server: killing it disturbs no one else
    redis.start()
    try:
        async with make_app(redis_url=redis.url, **FAST_RETRIES) as app:
            acme = await create_tenant("acme", "Acme Pool Care")
            redis.stop()
            email = await send_test(app, acme)
            assert (await stored(acme, email)).status == "queued"

            redis.start()
            assert await requeue_waiting(services_of(app)) == 1
            sent = await eventually(lambda: _status(acme, email, "sent"), timeout=30)
            assert sent.attempts == 1
    finally:
        redis.stop()
