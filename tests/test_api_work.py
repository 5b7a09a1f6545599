"""Integration API (issue 12): jobs with charges, visits with photos, notes and attachments.

Happy paths through real HTTP on the test app, refusals (422 naming the
field, another tenant's ids 404, a missing scope 403) and upserts repeated.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from core.models.jobs import Attachment, Job, JobCharge
from core.models.platform import AuditEvent
from tests.api_helpers import EVERY_CORE, bearer


@pytest.fixture
async def api(client, tenant):
    return client, await bearer(client, tenant, EVERY_CORE)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


async def customer(http, auth, external_id="c-1") -> str:
    response = await http.request("PUT", f"/api/v1/customers/by-external-id/{external_id}", json={"name": "Reyes Home"}, headers=auth)
    return (await response.get_json())["id"]


async def test_job_with_charges_create_get_patch_list(api, tenant, in_tenant):
    http, auth = api
    acct = await customer(http, auth)
    created = await http.post("/api/v1/jobs", json={
        "customer": acct, "title": "Spring opening", "scheduled_start": "2026-05-06T09:00:00-04:00",
        "charges": [{"description": "Labour", "quantity_milli": 1500, "unit_price_minor": 8000}, {"description": "Chlorine", "unit_price_minor": 1999}],
    }, headers=auth)
    assert created.status_code == 201, await created.get_data(as_text=True)
    job = await created.get_json()
    assert job["object"] == "job" and job["customer"] == acct and job["number"].startswith("J-")
    assert [(c["description"], c["amount_minor"], c["currency"]) for c in job["charges"]] == [("Labour", 12000, tenant.currency), ("Chlorine", 1999, tenant.currency)]
    assert job["scheduled_start"] in ("2026-05-06T13:00:00Z", "2026-05-06T13:00:00+00:00")
    etag = (await http.get(f"/api/v1/jobs/{job['id']}", headers=auth)).headers["ETag"]
    patched = await http.request("PATCH", f"/api/v1/jobs/{job['id']}", json={"status": "completed", "charges": [{"description": "Labour", "unit_price_minor": 9000}]}, headers={**auth, "If-Match": etag})
    assert patched.status_code == 200
    body = await patched.get_json()
    assert body["status"] == "completed" and [c["amount_minor"] for c in body["charges"]] == [9000]
    with in_tenant(tenant):
        assert await JobCharge.filter(job__public_id=job["id"]).count() == 1
    listed = await (await http.get(f"/api/v1/jobs?customer={acct}&status=completed", headers=auth)).get_json()
    assert [j["id"] for j in listed["data"]] == [job["id"]]


async def test_job_refusals(api, other_tenant, make_customer, in_tenant, client, tenant):
    http, auth = api
    acct = await customer(http, auth)
    naive = await http.post("/api/v1/jobs", json={"customer": acct, "title": "X", "scheduled_start": "2026-05-06T09:00:00"}, headers=auth)
    assert naive.status_code == 422 and (await naive.get_json())["param"] == "scheduled_start"
    bad_status = await http.post("/api/v1/jobs", json={"customer": acct, "title": "X", "status": "lost"}, headers=auth)
    assert bad_status.status_code == 422 and (await bad_status.get_json())["param"] == "status"
    bad_charge = await http.post("/api/v1/jobs", json={"customer": acct, "title": "X", "charges": [{"description": "", "unit_price_minor": 1}]}, headers=auth)
    assert (await bad_charge.get_json())["param"] == "charges.0.description"
    theirs = await make_customer(other_tenant, "Globex Client")
    with in_tenant(other_tenant):
        their_job = await Job.create(account=theirs, number="J-9", title="Theirs")
    assert (await http.get(f"/api/v1/jobs/{their_job.public_id}", headers=auth)).status_code == 404
    assert (await http.request("PATCH", f"/api/v1/jobs/{their_job.public_id}", json={"title": "Mine"}, headers=auth)).status_code == 404
    onto_theirs = await http.post("/api/v1/jobs", json={"customer": theirs.public_id, "title": "X"}, headers=auth)
    assert onto_theirs.status_code == 422 and (await onto_theirs.get_json())["param"] == "customer"
    note_on_theirs = await http.post("/api/v1/notes", json={"job": their_job.public_id, "body": "hi"}, headers=auth)
    assert note_on_theirs.status_code == 422 and (await note_on_theirs.get_json())["param"] == "job"
    read_only = await bearer(client, tenant, ["jobs:read"], name="Reader")
    denied = await http.post("/api/v1/jobs", json={"customer": acct, "title": "X"}, headers=read_only)
    assert denied.status_code == 403 and (await denied.get_json())["code"] == "insufficient_scope"
    assert (await http.get("/api/v1/notes", headers=read_only)).status_code == 403


async def test_job_upsert_twice_is_one_job_with_the_same_etag(api, tenant, in_tenant):
    http, auth = api
    acct = await customer(http, auth)
    body = {"customer": acct, "title": "Weekly service", "charges": [{"description": "Visit", "unit_price_minor": 4500}]}
    first = await http.request("PUT", "/api/v1/jobs/by-external-id/fsm-77", json=body, headers=auth)
    second = await http.request("PUT", "/api/v1/jobs/by-external-id/fsm-77", json=body, headers=auth)
    assert (first.status_code, second.status_code) == (201, 200)
    assert await first.get_json() == await second.get_json() and first.headers["ETag"] == second.headers["ETag"]
    with in_tenant(tenant):
        assert await Job.filter(external_id="fsm-77").count() == 1
        assert await JobCharge.filter(job__external_id="fsm-77").count() == 1


async def test_visit_photos_notes_and_attachments_share_flag(api, tenant, in_tenant):
    http, auth = api
    acct = await customer(http, auth)
    job = (await (await http.post("/api/v1/jobs", json={"customer": acct, "title": "Leak"}, headers=auth)).get_json())["id"]
    visit = await http.post("/api/v1/visits", json={"job": job, "completed_at": "2026-05-06T15:30:00Z", "summary": "Fixed the pump"}, headers=auth)
    assert visit.status_code == 201, await visit.get_data(as_text=True)
    visit_id = (await visit.get_json())["id"]
    uploaded = await http.post(
        f"/api/v1/visits/{visit_id}/photos", headers=auth,
        files={"photos": FileStorage(io.BytesIO(png()), "pump.png", content_type="image/png")}, form={"shared": "true"},
    )
    assert uploaded.status_code == 200, await uploaded.get_data(as_text=True)
    [photo] = (await uploaded.get_json())["photos"]
    assert photo["content_type"] == "image/png" and photo["shared"] is True
    not_a_picture = await http.post(f"/api/v1/visits/{visit_id}/photos", headers=auth, files={"photos": FileStorage(io.BytesIO(b"<svg/>"), "x.png", content_type="image/png")})
    assert not_a_picture.status_code == 422 and (await not_a_picture.get_json())["param"] == "photos"
    as_json = await http.post(f"/api/v1/visits/{visit_id}/photos", headers=auth, json={})
    assert as_json.status_code == 415

    files = await (await http.get(f"/api/v1/attachments?visit={visit_id}", headers=auth)).get_json()
    assert [f["id"] for f in files["data"]] == [photo["id"]] and files["data"][0]["kind"] == "photo"
    hidden = await http.request("PATCH", f"/api/v1/attachments/{photo['id']}", json={"shared": False, "caption": "Before"}, headers=auth)
    assert (await hidden.get_json())["shared"] is False

    note = await http.post("/api/v1/notes", json={"job": job, "body": "Gate code 1234", "shared": False}, headers=auth)
    assert note.status_code == 201
    note_id = (await note.get_json())["id"]
    shared = await http.request("PATCH", f"/api/v1/notes/{note_id}", json={"shared": True}, headers=auth)
    assert (await shared.get_json())["shared"] is True
    assert [n["id"] for n in (await (await http.get(f"/api/v1/notes?job={job}&shared=true", headers=auth)).get_json())["data"]] == [note_id]

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    attach = {**auth, "Idempotency-Key": "attach-quote-pdf-1"}
    for _ in range(2):  # a retried upload with the same key is stored once
        attached = await http.post(f"/api/v1/jobs/{job}/attachments", headers=attach, files={"file": FileStorage(io.BytesIO(pdf), "quote.pdf", content_type="text/html")}, form={"shared": "true"})
        assert attached.status_code == 200, await attached.get_data(as_text=True)
    assert attached.headers.get("Idempotent-Replayed") == "true"
    [job_file] = (await (await http.get(f"/api/v1/attachments?job={job}&kind=attachment", headers=auth)).get_json())["data"]
    assert (job_file["filename"], job_file["content_type"], job_file["shared"]) == ("quote.pdf", "application/pdf", True)
    no_file = await http.post(f"/api/v1/jobs/{job}/attachments", headers=auth, form={"shared": "true"})
    assert no_file.status_code in (415, 422)

    deleted = await http.request("DELETE", f"/api/v1/visits/{visit_id}", headers=auth)
    assert deleted.status_code == 200
    with in_tenant(tenant):
        assert not await Attachment.filter(public_id=photo["id"]).exists()
        actions = [e.action for e in await AuditEvent.filter(target=visit_id).order_by("id")]
    assert actions == ["visit.created", "visit.photos", "visit.deleted"]


async def test_another_tenants_visits_notes_files_and_payments_are_404(api, other_tenant, make_customer, in_tenant):
    from datetime import datetime, timezone

    from core.models.billing import Invoice, Payment
    from core.models.jobs import Note, Visit

    http, auth = api
    theirs = await make_customer(other_tenant, "Globex Client")
    with in_tenant(other_tenant):
        job = await Job.create(account=theirs, number="J-9", title="Theirs")
        visit = await Visit.create(job=job)
        note = await Note.create(job=job, body="secret")
        photo = await Attachment.create(visit=visit, kind="photo", filename="a.png", content_type="image/png", storage_key="k")
        invoice = await Invoice.create(account=theirs, number="INV-9", currency="USD", status="open", total_minor=100)
        payment = await Payment.create(account=theirs, invoice=invoice, amount_minor=100, currency="USD", method="cash", received_at=datetime.now(timezone.utc))
    for name, row in (("visits", visit), ("notes", note), ("attachments", photo), ("payments", payment)):
        response = await http.get(f"/api/v1/{name}/{row.public_id}", headers=auth)
        assert response.status_code == 404 and (await response.get_json())["code"] == "resource_missing", name
        assert (await (await http.get(f"/api/v1/{name}", headers=auth)).get_json())["data"] == [], name
    for method, path in (("PATCH", f"/api/v1/notes/{note.public_id}"), ("DELETE", f"/api/v1/attachments/{photo.public_id}"), ("DELETE", f"/api/v1/visits/{visit.public_id}")):
        kwargs = {"json": {"shared": True}} if method == "PATCH" else {}
        assert (await http.request(method, path, headers=auth, **kwargs)).status_code == 404, path
    upload = await http.post(f"/api/v1/visits/{visit.public_id}/photos", headers=auth, files={"photos": FileStorage(io.BytesIO(png()), "p.png", content_type="image/png")})
    assert upload.status_code == 404
    with in_tenant(other_tenant):
        assert (await Note.get(id=note.id)).shared is False
        assert await Attachment.filter(visit_id=visit.id).count() == 1
