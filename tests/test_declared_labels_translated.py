"""Declared labels staff choose from, in their language; the API's reference stays English (issue 17).

API resources (``porchside_api_resources``) and webhook event types
(``porchside_webhook_event_types``) declare their human title and
description as lazy texts. The console's API client form and webhook form
show them in the staff member's language, with the machine names (scopes,
event type ids) left as identifiers; the OpenAPI document and ``/api/docs``
are made from the same declarations and stay English whoever asks.

A Spanish catalog is added as a plugin's would be (``add_catalog_dir``),
with the texts core ships, so the test holds whether or not core's own
catalog is compiled yet.
"""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n
from core.console.testing import sign_in_staff
from core.models.staff import StaffUser

CUSTOMERS = "Customer accounts. Archive one with PATCH archived=true; they are not deleted."
ISSUED = "An invoice was issued."
SPANISH = {
    "Customers": "Clientes",
    CUSTOMERS: "Cuentas de cliente. Para archivar una, use PATCH archived=true; no se eliminan.",
    ISSUED: "Se emitió una factura.",
    "%(title)s reference": "Referencia de %(title)s",
}


@pytest.fixture
def spanish(tmp_path):
    catalog = Catalog(locale="es")
    for english, spanish_text in SPANISH.items():
        catalog.add(english, spanish_text)
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as fp:
        write_po(fp, catalog)
    i18n.add_catalog_dir(tmp_path)
    yield
    i18n._catalog_dirs.remove(tmp_path)
    i18n.translations.cache_clear()


async def staff_in(client_for, tenant, in_tenant, email: str, language: str):
    browser = client_for(tenant)
    await sign_in_staff(browser, email, role="owner")
    with in_tenant(tenant):
        await StaffUser.filter(email=email).update(language=language)
    return browser


async def test_api_client_form_shows_resources_in_the_readers_language(spanish, client_for, tenant, in_tenant):
    sofia = await staff_in(client_for, tenant, in_tenant, "sofia@acme.test", "es")
    ed = await staff_in(client_for, tenant, in_tenant, "ed@acme.test", "en")

    page = await (await sofia.get("/console/api-clients/new")).get_data(as_text=True)
    # The resource's title and description in Spanish; its name and scopes stay identifiers.
    assert 'Clientes <code translate="no" lang="en">customers</code>' in page
    assert SPANISH[CUSTOMERS] in page and CUSTOMERS not in page
    assert 'value="customers:read"' in page and 'value="customers:write"' in page
    # The checkboxes' accessible names name the resource by its translated title.
    assert '<span class="visually-hidden">Clientes: </span>' in page

    english = await (await ed.get("/console/api-clients/new")).get_data(as_text=True)
    assert 'Customers <code translate="no" lang="en">customers</code>' in english and CUSTOMERS in english
    assert "Clientes" not in english


async def test_webhook_form_shows_event_types_in_the_readers_language(spanish, client_for, tenant, in_tenant):
    sofia = await staff_in(client_for, tenant, in_tenant, "sofia@acme.test", "es")
    page = await (await sofia.get("/console/webhooks/")).get_data(as_text=True)
    assert "<code>invoice.issued</code>: Se emitió una factura." in page and ISSUED not in page
    assert 'value="invoice.issued"' in page


async def test_openapi_document_and_reference_stay_english_for_a_spanish_reader(spanish, client):
    spanish_reader = {"Accept-Language": "es"}
    document = await (await client.get("/api/v1/openapi.json", headers=spanish_reader)).get_json()
    tags = {tag["name"]: tag["description"] for tag in document["tags"]}
    assert tags["customers"] == CUSTOMERS

    docs = await (await client.get("/api/docs", headers=spanish_reader)).get_data(as_text=True)
    assert "<title>Referencia de " in docs  # the page itself follows the reader...
    assert CUSTOMERS in docs and SPANISH[CUSTOMERS] not in docs  # ...the reference text does not
