"""Emails in their reader's language: subject, text, HTML and the layout's footer (issue 17).

Brings a small Spanish catalog of its own (the shipped ones are filled
separately) and compares with what the catalogs say.
"""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n
from core.i18n import lazy_gettext
from core.mail.render import render_email
from core.models.mail import OutboundEmail
from core.models.staff import StaffUser
from core.notifications import notify_staff

SPANISH = {
    "Test email from %(business)s": "Correo de prueba de %(business)s",
    "Hello %(name)s,": "Hola, %(name)s:",
    "This is a test email from %(business)s. If you can read it, email works.":
        "Este es un correo de prueba de %(business)s. Si puede leerlo, el correo funciona.",
    "Open your portal": "Abra su portal",
    "You received this email at %(recipient)s because you are a customer of %(business)s.":
        "Recibió este correo en %(recipient)s porque es cliente de %(business)s.",
    "%(name)s approved quote %(number)s": "%(name)s aprobó el presupuesto %(number)s",
    "A customer approved or rejected a quote": "Un cliente aprobó o rechazó un presupuesto",
}


@pytest.fixture
def spanish(tmp_path):
    catalog = Catalog(locale="es", domain="messages")
    for msgid, text in SPANISH.items():
        catalog.add(msgid, text)
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.po", "wb") as fp:
        write_po(fp, catalog)
    i18n.add_catalog_dir(tmp_path)
    yield lambda msgid, **values: i18n.translations("es").gettext(msgid) % values
    i18n._catalog_dirs.remove(tmp_path)
    i18n.translations.cache_clear()


async def test_an_email_is_written_in_its_readers_language(app, tenant, spanish):
    services = app.extensions["porchside"]
    tenant.name = "Acme <Pools>"  # escaped in the HTML, whatever the language
    context = {"name": "Pat", "path": "/invoices"}
    email = await render_email(services, tenant, "test", context, "pat@example.com", language="es")

    assert email.subject == spanish("Test email from %(business)s", business="Acme <Pools>") != "Test email from Acme <Pools>"
    assert spanish("Hello %(name)s,", name="Pat") in email.text
    assert spanish("This is a test email from %(business)s. If you can read it, email works.", business="Acme <Pools>") in email.text
    footer = spanish("You received this email at %(recipient)s because you are a customer of %(business)s.",
                     recipient="pat@example.com", business="Acme <Pools>")
    assert footer in email.text
    assert footer.replace("<", "&lt;").replace(">", "&gt;") in email.html
    assert spanish("Open your portal") in email.html
    assert '<html lang="es">' in email.html
    assert "Acme <Pools>" not in email.html

    english = await render_email(services, tenant, "test", context, "pat@example.com", language="en")
    assert english.subject == "Test email from Acme <Pools>"
    assert "This is a test email from Acme &lt;Pools&gt;. If you can read it, email works." in english.html
    assert '<html lang="en">' in english.html


async def test_a_notification_is_stored_and_emailed_in_each_staff_members_language(app, tenant, in_tenant, spanish):
    services = app.extensions["porchside"]
    with in_tenant(tenant):
        ana = await StaffUser.create(email="ana@acme.test", name="Ana", role="staff", active=True, language="es")
        bob = await StaffUser.create(email="bob@acme.test", name="Bob", role="staff", active=True)
    async with app.app_context():
        with in_tenant(tenant):
            rows = await notify_staff(
                services, kind="quote.decided", staff=[ana, bob], link="/console/quotes/qt_1",
                title=lazy_gettext("%(name)s approved quote %(number)s", name="Pat Lee", number="Q-1042"),
            )
            titles = {row.staff_id: row.title for row in rows}
            emails = {e.to: e for e in await OutboundEmail.filter(kind="console.notification")}
    spanish_title = spanish("%(name)s approved quote %(number)s", name="Pat Lee", number="Q-1042")
    assert spanish_title != "Pat Lee approved quote Q-1042"
    assert titles == {ana.id: spanish_title, bob.id: "Pat Lee approved quote Q-1042"}  # Bob: the business's English
    assert emails["ana@acme.test"].subject == spanish_title
    assert spanish("A customer approved or rejected a quote") in emails["ana@acme.test"].text  # the kind, in her language
    assert emails["bob@acme.test"].subject == "Pat Lee approved quote Q-1042"
    assert "A customer approved or rejected a quote" in emails["bob@acme.test"].text
