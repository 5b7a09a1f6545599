"""The console's shared building blocks (core.console.pages): list pages and form pages.

Exercised through core's own pages built on them: the invoices list
(ListPage: filters, sort whitelist, pagination, empty state, CSV) and the
contact form (FormPage: validation messages, CSRF, audit).
"""

from __future__ import annotations

import csv
import io

import pytest

from core.console.testing import sign_in_staff
from core.models.customers import Contact
from core.models.platform import AuditEvent
from core.testing_data import RecordMaker


@pytest.fixture
async def office(client):
    await sign_in_staff(client, "olive@acme.test", role="staff", name="Olive Office")
    return client


async def text(client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return await response.get_data(as_text=True)


def csv_rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


async def test_list_page_filters_sorts_pages_and_exports_what_is_shown(office, tenant, other_tenant, in_tenant, make_customer):
    pat = await make_customer(tenant, "=HYPERLINK(1) Pat", emails=["pat@example.com"])
    sam = await make_customer(tenant, "Sam Lee", emails=["sam@example.com"])
    theirs = await make_customer(other_tenant, "Theirs", emails=["them@example.com"])
    with in_tenant(tenant):
        maker = RecordMaker(tenant)
        for n in range(3):
            await maker.invoice(pat, number=f"INV-P{n}")
        await maker.invoice(sam, number="INV-S1", status="void")
        await maker.invoice(sam, number="INV-S2", status="draft")
    with in_tenant(other_tenant):
        await RecordMaker(other_tenant).invoice(theirs, number="INV-THEIRS")

    page = await text(office, "/console/invoices/?per_page=2&sort=number")
    assert "Showing 1–2 of 5 invoices" in page and "INV-P0" in page and "INV-S2" not in page
    assert 'rel="next"' in page and "INV-THEIRS" not in page
    # Sorts outside the whitelist and junk filters fall back, never fail.
    assert "Showing 1–5 of 5 invoices" in await text(office, "/console/invoices/?sort=account__password&status=%27;drop")
    assert "No invoices match." in await text(office, f"/console/invoices/?account={sam.public_id}&status=overdue")
    await text(office, "/console/invoices/?account=acct_nope", status=404)
    await text(office, f"/console/invoices/?account={theirs.public_id}", status=404)

    export = await office.get("/console/invoices/?status=draft&format=csv&page=3")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    rows = csv_rows(await export.get_data(as_text=True))
    assert rows[0] == ["Invoice", "Customer", "Issued", "Due", "Status", "Total", "Balance"]
    assert [r[0] for r in rows[1:]] == ["INV-S2"]
    rows = csv_rows(await (await office.get(f"/console/invoices/?account={pat.public_id}&format=csv&sort=number")).get_data(as_text=True))
    assert rows[0][:2] == ["Invoice", "Issued"]  # one customer's list leaves the customer out
    assert [r[0] for r in rows[1:]] == ["INV-P0", "INV-P1", "INV-P2"]
    everyone = csv_rows(await (await office.get("/console/invoices/?format=csv&sort=number")).get_data(as_text=True))
    assert ["'=HYPERLINK(1) Pat"] == sorted({r[1] for r in everyone[1:] if "HYPERLINK" in r[1]})  # a formula stays text
    assert 'href="/console/invoices/?sort=number&amp;format=csv"' in await text(office, "/console/invoices/?sort=number")
    with in_tenant(tenant):
        exports = list(await AuditEvent.filter(action="staff.list_exported").order_by("id"))
    assert [(e.actor, e.target, e.detail["list"], e.detail["rows"]) for e in exports] == [
        ("olive@acme.test", "", "invoices", 1), ("olive@acme.test", pat.public_id, "invoices", 3), ("olive@acme.test", "", "invoices", 5)
    ]


async def test_form_page_validates_checks_csrf_and_audits(office, tenant, in_tenant, make_customer):
    account = await make_customer(tenant, "Pat Doe", emails=["pat@example.com"])
    with in_tenant(tenant):
        contact = await Contact.get(account_id=account.id)
    path = f"/console/accounts/{account.public_id}/contacts/{contact.public_id}/edit"
    form = await text(office, path)
    assert 'name="csrf_token"' in form and "Save contact" in form and f"Contacts of {account.name}" in form

    bad = await office.submit(path, {"first_name": "", "last_name": "x" * 101, "contact_phone": "555"})
    assert bad.status_code == 400
    html = await bad.get_data(as_text=True)
    assert "Enter first name." in html and "Keep last name under 100 characters." in html and 'value="555"' in html
    # Without the CSRF token nothing is saved.
    assert (await office.post(path, form={"first_name": "Forged"})).status_code in (400, 403)

    saved = await office.submit(path, {"first_name": "Patricia", "last_name": "Doe", "contact_phone": "555-0101", "primary": "on"})
    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/console/accounts/{account.public_id}/contacts?done=contact_saved"
    with in_tenant(tenant):
        contact = await Contact.get(id=contact.id)
        events = list(await AuditEvent.filter(action="contact.updated"))
    assert (contact.first_name, contact.phone) == ("Patricia", "555-0101")
    assert [(e.actor, e.target, e.detail) for e in events] == [("olive@acme.test", contact.public_id, {"account": account.public_id})]
