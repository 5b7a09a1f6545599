"""Integration API (issue 12): invoices with lines, issue and void, payments, and a nightly sync run twice.

Issuing through the API is the console's issue (core.invoicing): the same
number, dates, email with the PDF and plugin events; the invoice then shows
in the customer's portal.
"""

from __future__ import annotations

import pytest

from core.models.billing import Invoice, InvoiceLine, Payment
from core.models.customers import Contact, CustomerAccount
from core.models.jobs import Job
from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent
from tests.api_helpers import EVERY_CORE, bearer


@pytest.fixture
async def api(client, tenant):
    return client, await bearer(client, tenant, EVERY_CORE)


async def put(http, path, auth, body):
    return await http.request("PUT", path, json=body, headers=auth)


async def draft(http, auth, lines=None):
    acct = (await (await put(http, "/api/v1/customers/by-external-id/c-1", auth, {"name": "Reyes Home"})).get_json())["id"]
    await put(http, "/api/v1/contacts/by-external-id/p-1", auth, {"customer": acct, "first_name": "Dana", "emails": [{"email": "dana@example.com"}]})
    created = await http.post("/api/v1/invoices", json={
        "customer": acct, "tax_minor": 500, "memo": "Thanks",
        "lines": lines if lines is not None else [{"description": "Pump repair", "quantity_milli": 2000, "unit_price_minor": 7550}],
    }, headers=auth)
    assert created.status_code == 201, await created.get_data(as_text=True)
    return acct, await created.get_json()


async def test_invoice_draft_lines_issue_and_email(api, tenant, in_tenant):
    http, auth = api
    acct, invoice = await draft(http, auth)
    assert invoice["status"] == "draft" and invoice["currency"] == tenant.currency
    assert (invoice["subtotal_minor"], invoice["tax_minor"], invoice["total_minor"], invoice["balance_minor"]) == (15100, 500, 15600, 15600)
    patched = await http.request("PATCH", f"/api/v1/invoices/{invoice['id']}", json={"lines": [{"description": "Pump repair", "unit_price_minor": 10000}]}, headers=auth)
    assert (await patched.get_json())["total_minor"] == 10500
    issued = await http.post(f"/api/v1/invoices/{invoice['id']}/issue", json={"terms_days": 15}, headers=auth)
    assert issued.status_code == 200, await issued.get_data(as_text=True)
    body = await issued.get_json()
    assert body["status"] == "open" and body["issued_on"] and body["due_on"] and body["updated_at"] != invoice["updated_at"]
    again = await http.post(f"/api/v1/invoices/{invoice['id']}/issue", json={}, headers=auth)
    assert again.status_code == 200 and (await again.get_json())["status"] == "open"
    with in_tenant(tenant):
        [email] = await OutboundEmail.filter(kind="invoice.issued")
        assert email.to == "dana@example.com" and email.attachments
        assert [e.action for e in await AuditEvent.filter(target=invoice["id"]).order_by("id")][-2:] == ["invoice.issue", "invoice.issue"]
    refused = await http.request("PATCH", f"/api/v1/invoices/{invoice['id']}", json={"tax_minor": 0}, headers=auth)
    assert refused.status_code == 409 and (await refused.get_json())["code"] == "invoice_not_draft"
    listed = await (await http.get(f"/api/v1/invoices?customer={acct}&status=open", headers=auth)).get_json()
    assert [i["id"] for i in listed["data"]] == [invoice["id"]]


async def test_invoice_refusals(api, tenant, other_tenant, make_customer, in_tenant, client):
    http, auth = api
    _, empty = await draft(http, auth, lines=[])
    no_lines = await http.post(f"/api/v1/invoices/{empty['id']}/issue", json={}, headers=auth)
    assert no_lines.status_code == 409 and (await no_lines.get_json())["code"] == "no_lines"
    bad_terms = await http.post(f"/api/v1/invoices/{empty['id']}/issue", json={"terms_days": 999}, headers=auth)
    assert bad_terms.status_code == 422 and (await bad_terms.get_json())["param"] == "terms_days"
    negative = await http.post("/api/v1/invoices", json={"customer": empty["customer"], "tax_minor": -1}, headers=auth)
    assert negative.status_code == 422 and (await negative.get_json())["param"] == "tax_minor"
    draft_void = await http.post(f"/api/v1/invoices/{empty['id']}/void", json={"reason": "x"}, headers=auth)
    assert draft_void.status_code == 409 and (await draft_void.get_json())["code"] == "is_draft"
    theirs = await make_customer(other_tenant, "Globex Client")
    with in_tenant(other_tenant):
        their_invoice = await Invoice.create(account=theirs, number="INV-9", currency="USD")
    for method, path, body in (
        ("GET", f"/api/v1/invoices/{their_invoice.public_id}", None),
        ("PATCH", f"/api/v1/invoices/{their_invoice.public_id}", {"memo": "x"}),
        ("POST", f"/api/v1/invoices/{their_invoice.public_id}/issue", {}),
        ("DELETE", f"/api/v1/invoices/{their_invoice.public_id}", None),
    ):
        response = await http.request(method, path, json=body, headers=auth) if body is not None else await http.request(method, path, headers=auth)
        assert response.status_code == 404, (method, path)
    paid_theirs = await http.post("/api/v1/payments", json={"invoice": their_invoice.public_id, "amount_minor": 1, "method": "cash"}, headers=auth)
    assert paid_theirs.status_code == 422 and (await paid_theirs.get_json())["param"] == "invoice"
    reader = await bearer(client, tenant, ["invoices:read"], name="Reader")
    assert (await http.post(f"/api/v1/invoices/{empty['id']}/issue", json={}, headers=reader)).status_code == 403
    assert (await http.get("/api/v1/payments", headers=reader)).status_code == 403
    deleted = await http.request("DELETE", f"/api/v1/invoices/{empty['id']}", headers=auth)
    assert deleted.status_code == 200


async def test_payments_record_settle_list_and_external_ids(api, tenant, in_tenant):
    http, auth = api
    _, invoice = await draft(http, auth)
    await http.post(f"/api/v1/invoices/{invoice['id']}/issue", json={}, headers=auth)
    over = await http.post("/api/v1/payments", json={"invoice": invoice["id"], "amount_minor": 999999, "method": "cheque"}, headers=auth)
    assert over.status_code == 422 and (await over.get_json())["param"] == "amount_minor"
    card = await http.post("/api/v1/payments", json={"invoice": invoice["id"], "amount_minor": 100, "method": "card"}, headers=auth)
    assert card.status_code == 422 and (await card.get_json())["param"] == "method"
    part = await http.post("/api/v1/payments", json={"invoice": invoice["id"], "amount_minor": 5600, "method": "cheque", "reference": "#1001", "external_id": "qb-pay-1"}, headers=auth)
    assert part.status_code == 201, await part.get_data(as_text=True)
    payment = await part.get_json()
    assert payment["external_id"] == "qb-pay-1" and payment["source"] == "api" and payment["currency"] == tenant.currency
    twice = await http.post("/api/v1/payments", json={"invoice": invoice["id"], "amount_minor": 5600, "method": "cheque", "external_id": "qb-pay-1"}, headers=auth)
    assert twice.status_code == 409 and (await twice.get_json())["code"] == "external_id_taken"
    with in_tenant(tenant):
        stored = await Payment.get(public_id=payment["id"])
        assert stored.external_id == "api:qb-pay-1"  # never clashes with staff: or Stripe keys
        await Payment.create(account_id=stored.account_id, invoice_id=stored.invoice_id, amount_minor=1, currency=stored.currency,
                             method="card", received_at=stored.received_at, external_id="qb-pay-1", source="stripe")
    found = await (await http.get("/api/v1/payments?external_id=qb-pay-1", headers=auth)).get_json()
    assert [p["id"] for p in found["data"]] == [payment["id"]]
    rest = await http.post("/api/v1/payments", json={"invoice": invoice["id"], "amount_minor": 10000, "method": "bank"}, headers=auth)
    assert rest.status_code == 201
    settled = await (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=auth)).get_json()
    assert (settled["status"], settled["paid_minor"], settled["balance_minor"]) == ("paid", 15600, 0)
    listed = await (await http.get(f"/api/v1/payments?invoice={invoice['id']}&source=api", headers=auth)).get_json()
    assert len(listed["data"]) == 2
    voided = await http.post(f"/api/v1/invoices/{invoice['id']}/void", json={"reason": "Wrong"}, headers=auth)
    assert voided.status_code == 409 and (await voided.get_json())["code"] == "not_open"


async def test_updated_at_moves_on_queryset_updates(api, tenant, in_tenant, client):
    """Issue, void, a recorded payment and make_primary write with QuerySet.update: updated_since must still see them."""
    http, auth = api
    _, invoice = await draft(http, auth)
    before = (await (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=auth)).get_json())["updated_at"]
    await http.post(f"/api/v1/invoices/{invoice['id']}/issue", json={}, headers=auth)
    issued = (await (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=auth)).get_json())["updated_at"]
    assert issued > before
    changed = await (await http.get("/api/v1/invoices", query_string={"updated_since": issued}, headers=auth)).get_json()
    assert [i["id"] for i in changed["data"]] == [invoice["id"]]
    await http.post("/api/v1/payments", json={"invoice": invoice["id"], "amount_minor": 100, "method": "cash"}, headers=auth)
    paid = (await (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=auth)).get_json())["updated_at"]
    assert paid > issued
    voided_body = (await (await http.post("/api/v1/invoices", json={"customer": invoice["customer"], "lines": [{"description": "x", "unit_price_minor": 100}]}, headers=auth)).get_json())
    await http.post(f"/api/v1/invoices/{voided_body['id']}/issue", json={}, headers=auth)
    opened = (await (await http.get(f"/api/v1/invoices/{voided_body['id']}", headers=auth)).get_json())["updated_at"]
    await http.post(f"/api/v1/invoices/{voided_body['id']}/void", json={"reason": "dup"}, headers=auth)
    void = await (await http.get(f"/api/v1/invoices/{voided_body['id']}", headers=auth)).get_json()
    assert void["status"] == "void" and void["updated_at"] > opened
    first = await (await http.get("/api/v1/contacts/by-external-id/p-1", headers=auth)).get_json()
    second = await (await http.post("/api/v1/contacts", json={"customer": invoice["customer"], "first_name": "Lee"}, headers=auth)).get_json()
    await http.request("PATCH", f"/api/v1/contacts/{second['id']}", json={"is_primary": True}, headers=auth)
    demoted = await (await http.get(f"/api/v1/contacts/{first['id']}", headers=auth)).get_json()
    assert demoted["is_primary"] is False and demoted["updated_at"] > first["updated_at"]


async def test_nightly_sync_twice_gives_the_same_state_and_the_customer_sees_the_invoice(api, tenant, in_tenant, client_for):
    http, auth = api

    async def sync() -> dict[str, tuple[int, str, dict]]:
        out = {}
        for number in (1, 2):
            r = await put(http, f"/api/v1/customers/by-external-id/books-{number}", auth, {"name": f"Customer {number}", "billing_address": f"{number} Elm St"})
            out[f"customer-{number}"] = (r.status_code, r.headers["ETag"], await r.get_json())
        acct = out["customer-1"][2]["id"]
        r = await put(http, "/api/v1/contacts/by-external-id/books-1-dana", auth, {"customer": acct, "first_name": "Dana", "emails": [{"email": "dana@example.com"}]})
        out["contact"] = (r.status_code, r.headers["ETag"], await r.get_json())
        r = await put(http, "/api/v1/jobs/by-external-id/fsm-100", auth, {"customer": acct, "title": "Pool opening", "status": "completed", "charges": [{"description": "Opening", "unit_price_minor": 18000}]})
        out["job"] = (r.status_code, r.headers["ETag"], await r.get_json())
        r = await put(http, "/api/v1/invoices/by-external-id/books-inv-100", auth, {"customer": acct, "job": out["job"][2]["id"], "lines": [{"description": "Opening", "unit_price_minor": 18000}], "memo": "Net 30"})
        out["invoice"] = (r.status_code, r.headers["ETag"], await r.get_json())
        return out

    first = await sync()
    second = await sync()
    assert {k: v[0] for k, v in first.items()} == {k: 201 for k in first}
    assert {k: v[0] for k, v in second.items()} == {k: 200 for k in second}
    assert {k: (v[1], v[2]) for k, v in first.items()} == {k: (v[1], v[2]) for k, v in second.items()}
    with in_tenant(tenant):
        assert await CustomerAccount.filter(external_id__startswith="books-").count() == 2
        assert await Contact.filter(external_id="books-1-dana").count() == 1
        assert await Job.filter(external_id="fsm-100").count() == 1
        assert await Invoice.filter(external_id="books-inv-100").count() == 1
        assert await InvoiceLine.filter(invoice__external_id="books-inv-100").count() == 1

    invoice = first["invoice"][2]
    issued = await http.post(f"/api/v1/invoices/{invoice['id']}/issue", json={}, headers=auth)
    assert issued.status_code == 200
    third = await sync()  # the next night: the issued invoice is left as it is
    assert third["invoice"][0] == 200 and third["invoice"][2]["status"] == "open"

    portal = client_for(tenant)
    with in_tenant(tenant):
        account = await CustomerAccount.get(external_id="books-1")
    await portal.sign_in_as("dana@example.com", account)
    page = await portal.get(invoice["portal_url"])
    assert page.status_code == 200
    html = await page.get_data(as_text=True)
    assert invoice["number"] in html and "Opening" in html
