"""Q4 against a real SMTP server: the creator hears of each decision, the customer gets a confirmation.

Both emails carry links: the staff email opens the notification in the
console, the customer's signs them back into the quote (A3).
"""

from __future__ import annotations

import re

import pytest

from core.console.testing import sign_in_staff
from core.models.platform import Notification
from plugins.quotes.tests.quote_data import PAT, make_quote, make_staff
from tenants.context import use_tenant
from tenants.service import create_tenant

LINK = re.compile(r"http://acme\.localhost/sign-in/link/[A-Za-z0-9_-]+")


@pytest.fixture
async def mail_app(make_app, smtp_server):
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False) as app:
        yield app


@pytest.fixture
async def acme(mail_app):
    return await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")


def by_recipient(smtp_server) -> dict[str, list]:
    out: dict[str, list] = {}
    for message in smtp_server.messages:
        out.setdefault(message["To"], []).append(message)
    return out


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


async def test_an_approval_emails_the_creator_and_confirms_to_the_customer(mail_app, acme, smtp_server, make_customer, client_for):
    account = await make_customer(acme, "Pat Morgan", emails=[PAT])
    creator = await make_staff(acme, "maria@acme.test", "Maria Delgado")
    await make_staff(acme, "tyler@acme.test", "Tyler Brooks")  # not the creator: not told
    quote = await make_quote(acme, account, creator=creator, title="Pool heater")
    customer = client_for(acme, mail_app)
    await customer.sign_in_as(PAT)
    response = await customer.submit(f"/quotes/{quote.public_id}/approve", {"revision": "1", "signature": "Pat Morgan"})
    assert response.status_code == 302

    await smtp_server.wait_for(2)
    mail = by_recipient(smtp_server)
    assert set(mail) == {"maria@acme.test", PAT}
    [staff_mail] = mail["maria@acme.test"]
    assert staff_mail["Subject"] == f"Pat Morgan approved quote {quote.number}"
    body = text_of(staff_mail)
    assert "Signed “Pat Morgan”" in body and "Pool heater" in body and "$1,425.00" in body
    with use_tenant(acme):
        note = await Notification.get(staff_id=creator.id)
    assert f"http://acme.localhost/console/notifications/{note.public_id}/open" in body

    [confirmation] = mail[PAT]
    assert confirmation["Subject"] == f"You approved quote {quote.number}"
    text = text_of(confirmation)
    assert 'signed "Pat Morgan"' in text
    [url] = LINK.findall(text)
    assert url in confirmation.get_body(("html",)).get_content()

    # The creator opens the inbox entry and lands on the quote in the console.
    office = client_for(acme, mail_app)
    await sign_in_staff(office, "maria@acme.test")
    opened = await office.get(f"/console/notifications/{note.public_id}/open")
    assert opened.status_code in (302, 303) and opened.headers["Location"].endswith(f"/console/quotes/{quote.public_id}")

    # The customer's link signs a fresh browser into the quote.
    fresh = client_for(acme, mail_app)
    response = await fresh.submit(url.removeprefix("http://acme.localhost"))
    assert response.status_code == 302 and response.headers["Location"] == f"/quotes/{quote.public_id}"


async def test_a_request_for_changes_reaches_the_creator_with_the_customers_words(mail_app, acme, smtp_server, make_customer, client_for):
    account = await make_customer(acme, "Pat Morgan", emails=[PAT])
    creator = await make_staff(acme, "maria@acme.test", "Maria Delgado")
    quote = await make_quote(acme, account, creator=creator)
    customer = client_for(acme, mail_app)
    await customer.sign_in_as(PAT)
    await customer.submit(f"/quotes/{quote.public_id}/changes", {"revision": "1", "message": "Could the pump be a quieter model?"})

    await smtp_server.wait_for(2)
    mail = by_recipient(smtp_server)
    [staff_mail] = mail["maria@acme.test"]
    assert staff_mail["Subject"] == f"Pat asked for changes to quote {quote.number}"
    assert "Changes asked for:\nCould the pump be a quieter model?" in text_of(staff_mail)
    [confirmation] = mail[PAT]
    assert "Could the pump be a quieter model?" in text_of(confirmation)


async def test_without_an_active_creator_every_active_staff_member_is_told(mail_app, acme, smtp_server, make_customer, client_for):
    account = await make_customer(acme, "Pat Morgan", emails=[PAT])
    creator = await make_staff(acme, "gone@acme.test", "Former Employee")
    await make_staff(acme, "maria@acme.test", "Maria Delgado")
    quote = await make_quote(acme, account, creator=creator)
    with use_tenant(acme):
        creator.active = False
        await creator.save(update_fields=["active"])
    customer = client_for(acme, mail_app)
    await customer.sign_in_as(PAT)
    await customer.submit(f"/quotes/{quote.public_id}/reject", {"revision": "1"})
    await smtp_server.wait_for(2)
    assert set(by_recipient(smtp_server)) == {"maria@acme.test", PAT}
    with use_tenant(acme):
        assert [n.staff_id for n in await Notification.all()] != [creator.id]


async def test_a_sent_quote_arrives_with_its_pdf_and_a_deep_link(mail_app, acme, smtp_server, make_customer, client_for):
    account = await make_customer(acme, "Pat Morgan", emails=[PAT])
    quote = await make_quote(acme, account, send=False, title="Pool heater")
    office = client_for(acme, mail_app)
    await sign_in_staff(office, "maria@acme.test")
    response = await office.submit(f"/console/quotes/{quote.public_id}/send", {"to": PAT})
    assert response.status_code == 302
    [message] = await smtp_server.wait_for(1)
    assert message["Subject"] == f"Quote {quote.number} from Acme Pool Care: $1,425.00"
    [pdf] = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"quote-{quote.number}.pdf" and pdf.get_content().startswith(b"%PDF-")
    assert LINK.search(text_of(message))
