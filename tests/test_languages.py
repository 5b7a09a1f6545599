"""Who reads in which language (issue 17, item 3): the portal's guess and switcher,
staff's own language, the business's language, time zone and currency, emails."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from core.console.testing import sign_in_staff
from core.models.customers import PortalLogin
from core.models.platform import AuditEvent
from core.models.staff import StaffUser
from tenants.models import Tenant

BUSINESS = "/console/settings/business"


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', page)
    assert found, page[:200]
    return found.group(1)


async def text(response) -> str:
    return await response.get_data(as_text=True)


async def save_business(client, language="en", timezone="America/New_York", currency="USD", languages=("en",)):
    """POST Settings > Business as its form does (one ``languages`` field per checked box)."""
    from werkzeug.datastructures import MultiDict

    from core.web.security import CSRF_FIELD

    fields = [(CSRF_FIELD, await client.csrf()), ("language", language), ("timezone", timezone), ("currency", currency)]
    fields += [("languages", code) for code in languages]
    return await client.post(BUSINESS, form=MultiDict(fields))


async def enable_languages(tenant, *codes: str) -> None:
    row = await Tenant.get(id=tenant.id)
    row.portal_settings = {**row.portal_settings, "languages": list(codes)}
    await row.save(update_fields=["portal_settings"])


# -- the portal's guess --------------------------------------------------------


async def test_the_browser_language_is_followed_among_the_enabled_ones(client):
    spanish = await client.get("/sign-in", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert spanish.status_code == 200 and html_lang(await text(spanish)) == "es"
    french = await client.get("/sign-in", headers={"Accept-Language": "fr-CA"})
    assert html_lang(await text(french)) == "fr"
    # A language the portal does not have: the business's default.
    german = await client.get("/sign-in", headers={"Accept-Language": "de-DE,de"})
    assert html_lang(await text(german)) == "en"


async def test_a_disabled_language_is_neither_guessed_offered_nor_accepted(client, tenant):
    await enable_languages(tenant, "en", "fr")
    page = await text(await client.get("/sign-in", headers={"Accept-Language": "es"}))
    assert html_lang(page) == "en"
    assert 'value="fr"' in page and 'value="es"' not in page
    refused = await client.submit("/language", {"language": "es", "next": "/sign-in"})
    assert refused.status_code == 400
    assert "This language is not offered here" in await text(refused)
    unknown = await client.submit("/language", {"language": "../../etc", "next": "/sign-in"})
    assert unknown.status_code == 400


async def test_one_language_only_shows_no_switcher(client, tenant):
    await enable_languages(tenant, "en")
    page = await text(await client.get("/sign-in"))
    assert 'action="/language"' not in page


# -- the switcher ----------------------------------------------------------------


async def test_a_visitors_choice_is_kept_for_their_browser_only(client, client_for, tenant):
    page = await text(await client.get("/sign-in"))
    assert 'action="/language"' in page and '<label for="language-switch">' in page
    switched = await client.submit("/language", {"language": "es", "next": "/sign-in?next=/invoices"})
    assert switched.status_code == 302 and switched.headers["Location"] == "/sign-in?next=/invoices"
    assert html_lang(await text(await client.get("/sign-in"))) == "es"
    # Its choice beats the browser's language.
    assert html_lang(await text(await client.get("/sign-in", headers={"Accept-Language": "fr"}))) == "es"
    # Another browser is not affected.
    assert html_lang(await text(await client_for(tenant).get("/sign-in"))) == "en"


async def test_the_switcher_only_goes_back_to_a_page_of_this_portal(client):
    # The form returns to the page it was posted from (the browser's same-origin Referer).
    back = await client.submit("/language", {"language": "fr"}, headers={"Referer": "http://acme.localhost/invoices?page=2"})
    assert back.status_code == 302 and back.headers["Location"] == "/invoices?page=2"
    for referer in ("https://evil.example/invoices", "http://globex.localhost/x", "javascript:alert(1)"):
        response = await client.submit("/language", {"language": "fr"}, headers={"Referer": referer})
        assert response.status_code == 302 and response.headers["Location"] == "/", referer
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = await client.submit("/language", {"language": "fr", "next": target})
        assert response.status_code == 302 and response.headers["Location"] == "/", target


async def test_a_signed_in_customers_choice_is_remembered_at_the_next_sign_in_elsewhere(client_for, tenant, make_customer, in_tenant):
    await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    laptop = client_for(tenant)
    await laptop.sign_in_as("pat@example.com")
    with in_tenant(tenant):
        await PortalLogin.get_or_create(email="pat@example.com")
    assert html_lang(await text(await laptop.get("/"))) == "en"
    switched = await laptop.submit("/language", {"language": "es", "next": "/"})
    assert switched.status_code == 302
    assert html_lang(await text(await laptop.get("/"))) == "es"
    with in_tenant(tenant):
        assert (await PortalLogin.get(email="pat@example.com")).language == "es"
    # Another device, with a browser asking for French: the saved choice wins.
    phone = client_for(tenant)
    await phone.sign_in_as("pat@example.com")
    assert html_lang(await text(await phone.get("/", headers={"Accept-Language": "fr"}))) == "es"


async def test_money_and_dates_follow_the_readers_language_with_the_business_territory(client, tenant, make_customer, make_invoice):
    account = await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    await make_invoice(account, lines=[("Labour", 1000, 123456)])
    await client.sign_in_as("pat@example.com")
    english = await text(await client.get("/invoices"))
    assert "$1,234.56" in english
    await client.submit("/language", {"language": "fr", "next": "/"})
    french = await text(await client.get("/invoices"))
    # fr has no US variant in babel: French number conventions, the business's currency.
    assert "1\u202f234,56\xa0$US" in french or "1 234,56 $US" in french.replace("\u202f", " ").replace("\xa0", " ")


# -- staff ---------------------------------------------------------------------


async def test_staff_pick_their_own_console_language(client, client_for, tenant, in_tenant):
    await sign_in_staff(client, "sam@acme.test", role="staff")
    assert html_lang(await text(await client.get("/console/"))) == "en"
    account = await text(await client.get("/console/account"))
    assert '<label for="language">' in account
    saved = await client.submit("/console/account/language", {"language": "fr"})
    assert saved.status_code == 302
    assert html_lang(await text(await client.get("/console/"))) == "fr"
    with in_tenant(tenant):
        assert (await StaffUser.get(email="sam@acme.test")).language == "fr"
    # A colleague keeps the business's language.
    other = client_for(tenant)
    await sign_in_staff(other, "owner@acme.test", role="owner")
    assert html_lang(await text(await other.get("/console/"))) == "en"
    assert (await client.submit("/console/account/language", {"language": "de"})).status_code == 400
    # Empty: back to the business's language.
    await client.submit("/console/account/language", {"language": ""})
    assert html_lang(await text(await client.get("/console/"))) == "en"


# -- the business's settings -----------------------------------------------------------


async def test_only_an_owner_changes_the_business_language_time_zone_and_currency(client, client_for, tenant, in_tenant):
    for role in ("admin", "staff"):
        other = client_for(tenant)
        await sign_in_staff(other, f"{role}@acme.test", role=role)
        assert (await other.get(BUSINESS)).status_code == 403
        refused = await save_business(other, "es", "America/Phoenix", "USD", ["en", "es"])
        assert refused.status_code == 403
    assert (await Tenant.get(id=tenant.id)).timezone == "America/New_York"

    await sign_in_staff(client, "owner@acme.test", role="owner")
    page = await text(await client.get(BUSINESS))
    assert '<option selected>America/New_York</option>' in page
    saved = await save_business(client, "es", "America/Phoenix", "CAD", ["fr"])
    assert saved.status_code == 302
    row = await Tenant.get(id=tenant.id)
    assert (row.locale, row.timezone, row.currency) == ("es_US", "America/Phoenix", "CAD")
    assert row.portal_settings["languages"] == ["es", "fr"]  # the default is always offered
    with in_tenant(tenant):
        event = await AuditEvent.get(action="settings.business_saved")
    assert event.actor == "owner@acme.test" and event.detail["changed"]["timezone"] == ["America/New_York", "America/Phoenix"]
    # The portal follows at once: Spanish by default, English no longer offered.
    visitor = client_for(tenant)
    page = await text(await visitor.get("/sign-in", headers={"Accept-Language": "en"}))
    assert html_lang(page) == "es" and 'value="en"' not in page

    bad = await save_business(client, "es", "Mars/Base", "XYZ", ["es"])
    assert bad.status_code == 400
    assert (await Tenant.get(id=tenant.id)).timezone == "America/Phoenix"


async def test_the_currency_is_locked_once_the_business_has_an_invoice(client, tenant, make_customer, make_invoice):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    account = await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    await make_invoice(account, lines=[("Labour", 1000, 5000)])
    page = await text(await client.get(BUSINESS))
    assert "The currency cannot change once the business has invoices." in page
    refused = await save_business(client, currency="EUR")
    assert refused.status_code == 400
    assert "The currency cannot change: this business has invoices in USD." in await text(refused)
    assert (await Tenant.get(id=tenant.id)).currency == "USD"
    # The rest may still change.
    kept = await save_business(client, timezone="America/Chicago")
    assert kept.status_code == 302 and (await Tenant.get(id=tenant.id)).timezone == "America/Chicago"


async def test_console_dates_follow_the_business_time_zone(client, tenant, make_customer, in_tenant):
    await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    with in_tenant(tenant):
        await PortalLogin.create(
            email="pat@example.com",
            invited_at=datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc),
            last_sign_in_at=datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc),
        )
    await sign_in_staff(client, "owner@acme.test", role="owner")
    assert (await save_business(client, timezone="America/Phoenix")).status_code == 302
    page = await text(await client.get("/console/customers/"))
    # 02:00 UTC on March 10 is 7 pm on March 9 in Phoenix.
    assert "Invited Mar 9, 2026" in page
    assert "Last sign-in 3/9/26, 7:00\u202fPM" in page or "Last sign-in 3/9/26, 7:00 PM" in page
    assert "Mar 10, 2026" not in page


# -- emails ------------------------------------------------------------------------


async def test_an_email_to_a_spanish_customer_is_in_spanish(app, tenant, make_customer, make_invoice, in_tenant):
    from core.mail.render import recipient_language, render_email

    services = app.extensions["porchside"]
    await make_customer(tenant, "Pat's House", emails=["pat@example.com", "lee@example.com"])
    with in_tenant(tenant):
        await PortalLogin.create(email="pat@example.com", language="es")
        await PortalLogin.create(email="lee@example.com")
        await StaffUser.create(email="sam@acme.test", name="Sam", role="staff", language="fr")
    row = await Tenant.get(id=tenant.id)
    assert await recipient_language(row, "pat@example.com") == "es"
    assert await recipient_language(row, "lee@example.com") == "en"
    assert await recipient_language(row, "sam@acme.test", staff_first=True) == "fr"
    async with app.test_app():
        with in_tenant(tenant):
            context = {"name": "Pat", "path": "/", "when": datetime(2026, 3, 10, 18, 0, tzinfo=timezone.utc)}
            spanish = await render_email(services, row, "test", context, recipient="pat@example.com")
            english = await render_email(services, row, "test", context, recipient="lee@example.com")
            # The invitation's expiry date, formatted by Babel in the reader's language.
            link = {"url": "http://acme.localhost/x", "expires_at": context["when"], "purpose": "magic", "invite": False}
            sign_in = await render_email(services, row, "auth/sign_in_link", link, recipient="pat@example.com")
    assert '<html lang="es">' in spanish.html
    assert '<html lang="en">' in english.html
    assert '<html lang="es">' in sign_in.html
    # Even before the catalog has the sentence, Babel writes the date in Spanish (11 am in New York).
    assert "10 de marzo de 2026" in sign_in.text and "March" not in sign_in.text


async def test_babel_dates_are_in_the_readers_language(tenant):
    from core.i18n import format_locale, language
    from core.web.rendering import format_local_date

    row = await Tenant.get(id=tenant.id)
    moment = datetime(2026, 3, 10, 18, 0, tzinfo=timezone.utc)
    with language("es"):
        assert format_locale(row) == "es_US"
        assert "mar" in format_local_date(moment, row, "long")  # "10 de marzo de 2026"
        assert "marzo" in format_local_date(moment, row, "long")
    with language("fr"):
        assert format_locale(row) == "fr"
        assert "mars" in format_local_date(moment, row, "long")
    assert format_local_date(moment, row, "long") == "March 10, 2026"


async def test_the_console_jobs_export_writes_times_in_the_business_time_zone(client, tenant, make_customer, make_job, in_tenant):
    from core.models.jobs import Job

    account = await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    job = await make_job(account, title="Spring opening")
    with in_tenant(tenant):
        await Job.filter(id=job.id).update(scheduled_start=datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc))
    await sign_in_staff(client, "owner@acme.test", role="owner")
    assert (await save_business(client, timezone="America/Phoenix")).status_code == 302
    export = await text(await client.get("/console/jobs/?format=csv"))
    assert "2026-03-09T19:00:00-07:00" in export and "2026-03-10T02:00" not in export
