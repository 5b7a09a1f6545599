"""Portal invites in several languages (issue 17).

Staff review the default invite text in their own language; each customer
receives it in the customer's language (their portal language, else the
business's), because a text that is a default in any shipped language is
sent as the default. A text the business wrote itself is sent as written.
The translations are those of core's shipped catalogs.
"""

from __future__ import annotations

import pytest

from core import i18n
from core.console.invite_email import DEFAULT_SUBJECTS, InviteText, as_default
from core.console.testing import sign_in_staff
from core.models.customers import Contact, ContactEmail, CustomerAccount, PortalLogin
from core.models.staff import StaffUser
from core.testing import jobs_settled, translated
from tenants.service import create_tenant
from tests.test_console_invites import confirm_fields, confirm_page, wait_until_done

SUBJECT = "Create your customer portal login at {business_name}"


def subject_in(template, language: str) -> str:
    words = InviteText(template, "", "Lee", "Acme", "https://acme.example/")
    with i18n.language(language):
        return words.subject()


def test_a_default_text_seen_in_any_language_is_written_in_the_readers():
    with i18n.language("fr"):
        seen_in_french = str(DEFAULT_SUBJECTS["password"])
    assert seen_in_french == translated("fr", SUBJECT)
    for seen in (SUBJECT, seen_in_french):
        assert subject_in(as_default(seen), "es") == translated("es", SUBJECT).format(business_name="Acme")
        assert subject_in(as_default(seen), "en") == "Create your customer portal login at Acme"
    # The business's own words are never translated.
    assert subject_in(as_default("Welcome to {business_name}"), "es") == "Welcome to Acme"


@pytest.fixture
async def smtp_app(make_app, smtp_server):
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False) as app:
        yield app


async def test_staff_review_the_invite_in_their_language_and_each_customer_gets_theirs(
    smtp_app, smtp_server, client_for, in_tenant
):
    acme = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
    client = client_for(acme, smtp_app)
    await sign_in_staff(client, "ann@acme.test", role="admin")
    with in_tenant(acme):
        await StaffUser.filter(email="ann@acme.test").update(language="fr")
        account = await CustomerAccount.create(number="C-1", name="Lee Household")
        for first, address in (("Lee", "lee@example.com"), ("Kim", "kim@example.com")):
            contact = await Contact.create(account=account, first_name=first, last_name="Park")
            await ContactEmail.create(contact=contact, email=address)
        await PortalLogin.create(email="lee@example.com", language="es")  # Kim has none: the business's (English)

    html = await confirm_page(client, f"scope=selected&account={account.public_id}")
    assert translated("fr", SUBJECT).format(business_name="Acme Pool Care") in html
    r = await client.submit("/console/customers/invites/", {"scope": "selected", "account": account.public_id, **confirm_fields(html)})
    assert r.status_code == 302
    batch_path = r.headers["Location"]
    assert (await wait_until_done(client, batch_path))["sent"] == 2
    await smtp_server.wait_for(2, timeout=60)
    await jobs_settled(smtp_app)
    subjects = {message["To"]: message["Subject"] for message in smtp_server.messages}
    assert subjects == {
        "lee@example.com": translated("es", SUBJECT).format(business_name="Acme Pool Care"),
        "kim@example.com": "Create your customer portal login at Acme Pool Care",
    }
    # The history shows the subject in the reader's language too.
    page = await (await client.get(batch_path)).get_data(as_text=True)
    assert translated("fr", SUBJECT).format(business_name="Acme Pool Care") in page


@pytest.fixture
async def pseudo_app(make_app):
    async with make_app(pseudo_language=True) as app:
        yield app


async def test_the_confirm_page_opens_in_every_language_with_the_default_text(pseudo_app, client_for, in_tenant):
    """The default text's {placeholders} are keys: no translation (the pseudo-language's
    included) may turn them into something the page cannot fill in."""
    from core.i18n_pseudo import pseudo

    acme = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
    client = client_for(acme, pseudo_app)
    await sign_in_staff(client, "ann@acme.test", role="admin")
    with in_tenant(acme):
        account = await CustomerAccount.create(number="C-1", name="Lee Household")
        contact = await Contact.create(account=account, first_name="Lee", last_name="Park")
        await ContactEmail.create(contact=contact, email="lee@example.com")
    for code in ("xx", "es", "fr", "en"):
        r = await client.get(
            f"/console/customers/invites/new?account={account.public_id}&scope=selected", headers={"Accept-Language": code}
        )
        assert r.status_code == 200, (code, r.status_code)
        html = await r.get_data(as_text=True)
        assert "Lee Park" in html and "Acme Pool Care" in html
        assert "{" not in html.split('class="message-text pre">')[1].split("</div>")[0]
    assert "{customer_name}" in pseudo("Hello {customer_name},")
