"""Each new message emails the other side, through a real SMTP server (M1, M5).

A customer's message reaches staff through ``notify_staff`` (kind
``message.received``); a staff message reaches every address of the
account with a private deep link that opens the thread. A business that
turned the plugin off sends none of these, and keeps its conversations.
"""

from __future__ import annotations

import re

import pytest

from core.console.testing import sign_in_staff
from core.models.platform import Notification
from core.plugin_state import set_enabled
from plugins.marketing.messages.models import Message, Thread
from plugins.marketing.tests.conftest import PAT
from plugins.marketing.tests.messages.helpers import make_job, page, picture, send
from tenants.context import use_tenant
from tenants.service import create_tenant

SAM = "sam@example.com"
LINK = re.compile(r"http://acme\.localhost/sign-in/link/[A-Za-z0-9_-]+")


@pytest.fixture
async def mail_app(make_app, smtp_server):
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False) as app:
        yield app


@pytest.fixture
async def acme(mail_app):
    return await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


async def test_messages_email_the_other_side_both_ways(mail_app, acme, smtp_server, make_customer, client_for):
    account = await make_customer(acme, "Pat Morgan", emails=[PAT, SAM])
    job = await make_job(acme, account, title="Heater service", number="J-7")
    staff = client_for(acme, mail_app)
    maria = await sign_in_staff(staff, "maria@acme.test", role="staff", name="Maria Delgado")
    customer = client_for(acme, mail_app)
    await customer.sign_in_as(PAT)

    await send(customer, f"/jobs/{job.public_id}/messages", "The heater clicks but does not light.", pictures=[("heater.png", picture())])
    [staff_mail] = await smtp_server.wait_for(1)
    assert staff_mail["To"] == maria.email
    assert staff_mail["Subject"] == "Pat sent a message about job J-7: Heater service"
    body = text_of(staff_mail)
    assert "The heater clicks but does not light." in body and "1 picture attached." in body
    with use_tenant(acme):
        thread = await Thread.get(job_id=job.id)
        [note] = await Notification.filter(kind="message.received")
        assert note.link == f"/console/messages/{thread.public_id}"

    await send(staff, f"/console/messages/{thread.public_id}", "Sounds like the igniter. Tyler can come Thursday.")
    messages = await smtp_server.wait_for(3)
    to_customer = {m["To"]: m for m in messages[1:]}
    assert set(to_customer) == {PAT, SAM}  # every address of the account, once each
    mail = to_customer[PAT]
    assert mail["Subject"] == "New message from Acme Pool Care about job J-7: Heater service"
    text = text_of(mail)
    assert "Maria Delgado wrote to you about job J-7: Heater service" in text
    assert "Sounds like the igniter." in text

    # The deep link signs Pat in and opens the thread.
    link = LINK.search(text).group(0)
    fresh = client_for(acme, mail_app)
    opened = await fresh.get(link.replace("http://acme.localhost", ""))
    assert opened.status_code in (200, 302)
    if opened.status_code == 200:  # a "Continue" page: post it as the browser does
        token = link.rsplit("/", 1)[1]
        opened = await fresh.submit(f"/sign-in/link/{token}", {})
    assert opened.headers["Location"].endswith(f"/jobs/{job.public_id}/messages")
    assert "Sounds like the igniter." in await page(fresh, f"/jobs/{job.public_id}/messages")


async def test_a_disabled_plugin_has_no_tabs_routes_or_emails_and_keeps_the_data(mail_app, acme, smtp_server, make_customer, client_for):
    account = await make_customer(acme, "Pat Morgan", emails=[PAT])
    job = await make_job(acme, account)
    staff = client_for(acme, mail_app)
    await sign_in_staff(staff, "maria@acme.test", role="owner", name="Maria Delgado")
    customer = client_for(acme, mail_app)
    await customer.sign_in_as(PAT)
    await send(customer, f"/jobs/{job.public_id}/messages", "Before the switch")
    await smtp_server.wait_for(1)
    with use_tenant(acme):
        thread = await Thread.get(job_id=job.id)
        message = await Message.get(thread_id=thread.id)

    services = mail_app.extensions["porchside"]
    with use_tenant(acme):
        await set_enabled("marketing", False, services.plugins, services.cache)
    job_page = await page(customer, f"/jobs/{job.public_id}")
    assert 'data-tab="messages"' not in job_page and 'href="/messages"' not in job_page
    assert 'href="/console/messages/"' not in await page(staff, "/console/")
    for client, path in (
        (customer, "/messages"),
        (customer, f"/jobs/{job.public_id}/messages"),
        (customer, f"/jobs/{job.public_id}/messages/stream"),
        (customer, f"/messages/{thread.public_id}"),
        (staff, "/console/messages/"),
        (staff, f"/console/messages/{thread.public_id}"),
        (staff, f"/console/messages/{thread.public_id}/stream"),
        (staff, "/console/messages/new"),
    ):
        assert (await client.get(path)).status_code == 404, path
    assert (await send(customer, f"/jobs/{job.public_id}/messages", "After", key="k" * 24, expect=404))
    assert (await send(staff, f"/console/messages/{thread.public_id}", "After", key="k" * 24, expect=404))
    # Events of a disabled plugin reach nobody: no email, no notification.
    from plugins.marketing.messages.notify import RECEIVED, announce_message

    async with mail_app.test_request_context("/", headers={"Host": "acme.localhost"}):
        with use_tenant(acme):
            await announce_message(RECEIVED, thread, message, f"customer:{PAT}")
            assert await Notification.filter(kind="message.received").count() == 1
    assert len(smtp_server.messages) == 1

    with use_tenant(acme):
        await set_enabled("marketing", True, services.plugins, services.cache)
    assert "Before the switch" in await page(customer, f"/jobs/{job.public_id}/messages")
