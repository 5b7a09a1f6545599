"""Emails in their reader's language: subject, text, HTML and the layout's footer (issue 17).

Compares with what core's shipped Spanish catalog says; the one text this
file makes up (a notification title) comes from a catalog of the test's own.
"""

from __future__ import annotations

from functools import partial

from core.i18n import lazy_gettext
from core.mail.render import render_email
from core.models.mail import OutboundEmail
from core.models.staff import StaffUser
from core.notifications import notify_staff
from core.testing import translated

spanish = partial(translated, "es")


async def test_an_email_is_written_in_its_readers_language(app, tenant):
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


async def test_a_notification_is_stored_and_emailed_in_each_staff_members_language(app, tenant, in_tenant, extra_catalogs):
    extra_catalogs({"es": {"%(name)s approved quote %(number)s": "%(name)s aprobó el presupuesto %(number)s"}})
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
