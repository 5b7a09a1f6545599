"""Declared labels staff choose from, in their language; the API's reference stays English (issue 17).

API resources (``porchside_api_resources``) and webhook event types
(``porchside_webhook_event_types``) declare their human title and
description as lazy texts. The console's API client form and webhook form
show them in the staff member's language, with the machine names (scopes,
event type ids) left as identifiers; the OpenAPI document and ``/api/docs``
are made from the same declarations and stay English whoever asks.
Compared with what core's shipped Spanish catalog says.
"""

from __future__ import annotations

from functools import partial

from core.testing import translated
from tests.test_console_translated_pages import staff_in

CUSTOMERS = "Customer accounts. Archive one with PATCH archived=true; they are not deleted."
ISSUED = "An invoice was issued."

es = partial(translated, "es")


async def test_api_client_form_shows_resources_in_the_readers_language(client_for, tenant, in_tenant):
    sofia = await staff_in(client_for, tenant, in_tenant, "sofia@acme.test", "es", role="owner")
    ed = await staff_in(client_for, tenant, in_tenant, "ed@acme.test", "en", role="owner")

    page = await (await sofia.get("/console/api-clients/new")).get_data(as_text=True)
    # The resource's title and description in Spanish; its name and scopes stay identifiers.
    assert f'{es("Customers")} <code translate="no" lang="en">customers</code>' in page
    assert es(CUSTOMERS) in page and CUSTOMERS not in page
    assert 'value="customers:read"' in page and 'value="customers:write"' in page
    # The checkboxes' accessible names name the resource by its translated title.
    assert f'<span class="visually-hidden">{es("Customers")}: </span>' in page

    english = await (await ed.get("/console/api-clients/new")).get_data(as_text=True)
    assert 'Customers <code translate="no" lang="en">customers</code>' in english and CUSTOMERS in english
    assert es("Customers") not in english


async def test_webhook_form_shows_event_types_in_the_readers_language(client_for, tenant, in_tenant):
    sofia = await staff_in(client_for, tenant, in_tenant, "sofia@acme.test", "es", role="owner")
    page = await (await sofia.get("/console/webhooks/")).get_data(as_text=True)
    assert f"<code>invoice.issued</code>: {es(ISSUED)}" in page and ISSUED not in page
    assert 'value="invoice.issued"' in page


async def test_openapi_document_and_reference_stay_english_for_a_spanish_reader(client):
    spanish_reader = {"Accept-Language": "es"}
    document = await (await client.get("/api/v1/openapi.json", headers=spanish_reader)).get_json()
    tags = {tag["name"]: tag["description"] for tag in document["tags"]}
    assert tags["customers"] == CUSTOMERS

    docs = await (await client.get("/api/docs", headers=spanish_reader)).get_data(as_text=True)
    assert f"<title>{es('%(title)s reference') % {'title': ''}}" in docs  # the page itself follows the reader...
    assert CUSTOMERS in docs and es(CUSTOMERS) not in docs  # ...the reference text does not
