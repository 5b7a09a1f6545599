"""Back office: jobs, charges, visits with photos, notes and attachments with the share switch (S6, W2, W3, D1-D3)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from core.console import uploads
from core.console.testing import sign_in_staff
from core.models.jobs import Attachment, Job, JobCharge, Note, Visit
from core.models.platform import AuditEvent
from core.storage import StorageError
from core.web.rendering import tenant_today
from tests.portal_data import PAT, PortalData, pat, pat_client, pdf_bytes, png_bytes, portal_data, queries_of  # noqa: F401 - fixtures


@pytest.fixture
async def office(client_for, tenant):
    """A staff member's browser at acme (its own cookies, beside the customer's ``pat_client``)."""
    office = client_for(tenant)
    await sign_in_staff(office, "tess@acme.test", role="staff", name="Tess Tech")
    return office


async def page(client, path: str) -> str:
    r = await client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return await r.get_data(as_text=True)


async def upload(client, path: str, files: list[tuple[str, str, bytes, str]], form: dict | None = None):
    """POST ``files`` (field, name, bytes, declared type) as multipart, several per field allowed."""
    data = MultiDict(form or {})
    for field, filename, content, declared in files:
        data.add(field, FileStorage(io.BytesIO(content), filename=filename, content_type=declared))
    boundary, body = encode_multipart(data)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRF-Token": await client.csrf()}
    return await client.post(path, data=body, headers=headers)


def picture(kind: str, size: tuple[int, int] = (80, 60), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 1 if mode == "1" else (200, 90, 40)).save(out, format=kind)
    return out.getvalue()


async def actions(tenant, in_tenant) -> list[str]:
    with in_tenant(tenant):
        return list(await AuditEvent.filter(actor="tess@acme.test").order_by("id").values_list("action", flat=True))


# -- jobs ---------------------------------------------------------------------------


async def test_new_job_scheduled_in_the_business_time_zone(office, tenant, in_tenant, pat, pat_client):
    form = await page(office, f"/console/jobs/new?account={pat.public_id}")
    assert "America/New_York" in form and "Tess Tech" in form and "12 Elm" not in form
    r = await office.submit(
        f"/console/jobs/new?account={pat.public_id}",
        {
            "title": "Pool opening", "description": "Open and balance.", "status": "scheduled",
            "scheduled_start": "2031-07-01T09:00", "scheduled_end": "2031-07-01T11:30",
            "technician": await _staff_id(tenant, in_tenant, "tess@acme.test"), "technician_name": "ignored",
            "service_address": "3 Oak Lane", "invoice_view": "summary",
        },
    )
    assert r.status_code == 302
    with in_tenant(tenant):
        job = await Job.get(title="Pool opening").prefetch_related("technician")
    assert r.headers["Location"] == f"/console/jobs/{job.public_id}?done=created"
    assert job.number == "J-1001" and job.account_id == pat.id
    # 9:00 in New York in July is 13:00 UTC.
    assert job.scheduled_start == datetime(2031, 7, 1, 13, 0, tzinfo=timezone.utc)
    assert job.scheduled_end == datetime(2031, 7, 1, 15, 30, tzinfo=timezone.utc)
    assert (job.technician.email, job.technician_name, job.invoice_view, job.completed_at) == ("tess@acme.test", "Tess Tech", "summary", None)
    edit = await page(office, f"/console/jobs/{job.public_id}/edit")
    assert 'value="2031-07-01T09:00"' in edit and 'value="2031-07-01T11:30"' in edit
    assert "Job created." in await page(office, r.headers["Location"])
    # The customer sees it, with the technician's name.
    portal = await page(pat_client, f"/jobs/{job.public_id}")
    assert "Pool opening" in portal and "Tess Tech" in portal
    assert await actions(tenant, in_tenant) == ["job.created"]


async def _staff_id(tenant, in_tenant, email: str) -> str:
    from core.models.staff import StaffUser

    with in_tenant(tenant):
        return (await StaffUser.get(email=email)).public_id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Enter title."),
        ({"scheduled_start": "2031-07-01T12:00", "scheduled_end": "2031-07-01T11:00"}, "The end must be after the start."),
        ({"scheduled_start": "", "scheduled_end": "2031-07-01T11:00"}, "Enter the start as well as the end."),
        ({"scheduled_start": "tomorrow"}, "Enter the start as a date and time"),
        ({"scheduled_start": "0001-01-01T00:00"}, "The start is out of range."),
        ({"status": "done"}, "Choose a status."),
        ({"invoice_view": "fancy"}, "Choose an invoice view."),
        ({"technician": "stf_nobody"}, "Choose a technician from the list."),
    ],
)
async def test_job_form_problems(office, tenant, in_tenant, pat, changes, message):
    form = {"title": "Job", "status": "scheduled", "invoice_view": "detailed", **changes}
    r = await office.submit(f"/console/jobs/new?account={pat.public_id}", form)
    assert r.status_code == 400
    assert message in await r.get_data(as_text=True)
    with in_tenant(tenant):
        assert await Job.all().count() == 0


async def test_new_job_from_the_jobs_list_chooses_its_account_and_numbers_on(office, tenant, in_tenant, pat, portal_data):
    await portal_data.job(pat, number="J-0099")
    await portal_data.job(pat, number="SPECIAL")  # typed by hand: no digits to continue
    form = await page(office, "/console/jobs/new")
    assert f'<option value="{pat.public_id}">Pat Doe ({pat.number})</option>' in form
    job_form = {"title": "From the list", "status": "scheduled", "invoice_view": "detailed"}
    r = await office.submit("/console/jobs/new", job_form)
    assert r.status_code == 400 and "Choose the customer account." in await r.get_data(as_text=True)
    for _ in range(2):
        assert (await office.submit("/console/jobs/new", {**job_form, "account": pat.public_id})).status_code == 302
    with in_tenant(tenant):
        numbers = await Job.filter(title="From the list").order_by("id").values_list("number", flat=True)
    assert numbers == ["J-1003", "J-1004"]


async def test_edit_job_completion_number_and_archived_accounts(office, tenant, in_tenant, pat, portal_data, make_customer):
    job = await portal_data.job(pat, title="Repair", number="J-5")
    await portal_data.job(pat, title="Other", number="J-6")
    path = f"/console/jobs/{job.public_id}/edit"
    base = {"title": "Repair", "number": "J-5", "invoice_view": "detailed"}
    r = await office.submit(path, {**base, "status": "completed"})
    assert r.status_code == 302
    with in_tenant(tenant):
        done = await Job.get(id=job.id)
    assert done.status == "completed" and done.completed_at is not None
    # Reopened: no longer completed.
    await office.submit(path, {**base, "status": "in_progress", "technician_name": "Sub Contractor"})
    with in_tenant(tenant):
        reopened = await Job.get(id=job.id)
    assert (reopened.completed_at, reopened.technician_name, reopened.technician_id) == (None, "Sub Contractor", None)
    r = await office.submit(path, {**base, "number": "J-6", "status": "scheduled"})
    assert r.status_code == 400 and "Another job already has the number J-6." in await r.get_data(as_text=True)
    # No new job for an archived account.
    archived = await make_customer(tenant, "Gone", emails=["gone@example.com"])
    with in_tenant(tenant):
        archived.archived = True
        await archived.save(update_fields=["archived"])
    assert (await office.get(f"/console/jobs/new?account={archived.public_id}")).status_code == 404


# -- charges --------------------------------------------------------------------------


async def test_charges_with_decimal_quantities_and_prices(office, tenant, in_tenant, pat, portal_data):
    job = await portal_data.job(pat, title="Repair")
    base = f"/console/jobs/{job.public_id}"
    r = await office.submit(f"{base}/charges", {"description": "Labour", "quantity": "1.5", "unit_price": "85.00"})
    assert r.status_code == 302 and r.headers["Location"].endswith("done=charge_added#charges")
    await office.submit(f"{base}/charges", {"description": "Chlorine", "quantity": "3", "unit_price": "$12.99"})
    await office.submit(f"{base}/charges", {"description": "Loyalty discount", "quantity": "", "unit_price": "-10"})
    with in_tenant(tenant):
        charges = list(await JobCharge.filter(job_id=job.id))
    assert [(c.description, c.quantity_milli, c.unit_price_minor, c.amount_minor, c.position) for c in charges] == [
        ("Labour", 1500, 8500, 12750, 0),
        ("Chlorine", 3000, 1299, 3897, 1),
        ("Loyalty discount", 1000, -1000, -1000, 2),
    ]
    html = await page(office, base)
    assert "$127.50" in html and "$38.97" in html and "$156.47" in html and ">1.5<" in html
    assert f'action="{base}/charges"' in html and "<h3>Add a charge</h3>" in html and 'name="unit_price"' in html

    labour = charges[0]
    form = await page(office, f"{base}/charges/{labour.public_id}")
    assert 'value="1.5"' in form and 'value="85.00"' in form
    # A sent amount is ignored: the server computes it.
    await office.submit(f"{base}/charges/{labour.public_id}", {"description": "Labour", "quantity": "2", "unit_price": "85", "amount_minor": "1"})
    with in_tenant(tenant):
        assert (await JobCharge.get(id=labour.id)).amount_minor == 17000
    await office.submit(f"{base}/charges/{charges[2].public_id}/delete")
    with in_tenant(tenant):
        assert await JobCharge.filter(job_id=job.id).count() == 2
    assert await actions(tenant, in_tenant) == ["job.charge_added"] * 3 + ["job.charge_updated", "job.charge_deleted"]

    for form, message in (
        ({"description": "X", "quantity": "1", "unit_price": "12.345"}, "USD amounts have at most 2 decimals."),
        ({"description": "X", "quantity": "1.0001", "unit_price": "1"}, "Quantities have at most 3 decimals."),
        ({"description": "X", "quantity": "0", "unit_price": "1"}, "Enter a quantity greater than zero."),
        ({"description": "", "quantity": "1", "unit_price": "1"}, "Enter description."),
        ({"description": "X", "quantity": "1", "unit_price": ""}, "Enter an amount."),
    ):
        r = await office.submit(f"{base}/charges", form)
        assert r.status_code == 400 and message in await r.get_data(as_text=True), form
    with in_tenant(tenant):
        assert await JobCharge.filter(job_id=job.id).count() == 2


# -- the jobs list -----------------------------------------------------------------


async def test_jobs_list_filters_by_account_status_and_date(office, tenant, pat, portal_data, make_customer):
    sam = await make_customer(tenant, "Sam Roe", emails=["sam@example.com"])
    await portal_data.job(pat, title="Soon", days=2)
    await portal_data.job(pat, title="Done", status="completed", days=-20)
    await portal_data.job(sam, title="Sams job", days=40)
    everything = await page(office, "/console/jobs/")
    assert all(t in everything for t in ("Soon", "Done", "Sams job", "Sam Roe"))
    completed = await page(office, "/console/jobs/?status=completed")
    assert "Done" in completed and "Soon" not in completed
    only_sam = await page(office, f"/console/jobs/?account={sam.public_id}")
    assert "Sams job" in only_sam and "Soon" not in only_sam and "Jobs of Sam Roe" in only_sam
    today = tenant_today(tenant)
    window = await page(office, f"/console/jobs/?from={(today + timedelta(days=1)).isoformat()}&to={(today + timedelta(days=10)).isoformat()}")
    assert "Soon" in window and "Done" not in window and "Sams job" not in window
    bad = await page(office, "/console/jobs/?from=yesterday&to=31/12/2020&status=bogus&sort=nope&page=-3")
    assert "Enter the start date as year-month-day" in bad and "Done" in bad
    assert (await office.get("/console/jobs/?account=acct_nobody")).status_code == 404


async def test_jobs_list_costs_the_same_for_2_and_20_jobs(office, tenant, pat, portal_data, make_customer, count_queries):
    for n in range(2):
        await portal_data.job(pat, title=f"Job {n}")
    few, _ = await queries_of(office, "/console/jobs/", count_queries)
    for n in range(18):
        await portal_data.job(await make_customer(tenant, f"Customer {n}", emails=[f"c{n}@example.com"]), title=f"More {n}")
    many, html = await queries_of(office, "/console/jobs/", count_queries)
    assert "Customer 17" in html
    assert many.count == few.count


async def test_job_page_costs_the_same_with_more_on_it(office, tenant, pat, portal_data, count_queries):
    job = await portal_data.job(pat, charges=[("Labour", 1000, 5000)])
    await portal_data.visit(job, photos=1)
    few, _ = await queries_of(office, f"/console/jobs/{job.public_id}", count_queries)
    for n in range(5):
        await portal_data.visit(job, photos=2, summary=f"Visit {n}")
        await portal_data.note(job, f"Note {n}")
        await portal_data.attachment(job, f"file-{n}.pdf")
        await portal_data.charge(job, f"Part {n}", 1000, 100)
    many, html = await queries_of(office, f"/console/jobs/{job.public_id}", count_queries)
    assert "Visit 4" in html and "file-4.pdf" in html and "Part 4" in html
    assert many.count == few.count


# -- visits and photos -----------------------------------------------------------------


async def test_visit_with_photos_shared_by_default(office, tenant, in_tenant, pat, pat_client, portal_data):
    job = await portal_data.job(pat, title="Weekly service", status="completed", days=-2)
    new = await page(office, f"/console/jobs/{job.public_id}/visits/new")
    assert 'value="Sam Rivera"' in new  # the job's technician
    r = await office.submit(
        f"/console/jobs/{job.public_id}/visits/new",
        {"completed_at": "2025-03-04T14:05", "technician_name": "Sam Rivera", "summary": "Chemicals balanced", "technician_notes": "pH 7.4\nChlorine 3 ppm"},
    )
    assert r.status_code == 302
    with in_tenant(tenant):
        visit = await Visit.get(job_id=job.id)
    assert visit.completed_at == datetime(2025, 3, 4, 19, 5, tzinfo=timezone.utc)  # EST in March
    assert visit.technician_notes == "pH 7.4\nChlorine 3 ppm"

    path = f"/console/visits/{visit.public_id}/photos"
    r = await upload(office, path, [("photos", "pool.png", png_bytes(), "image/png"), ("photos", "deck.png", picture("JPEG"), "image/png"), ("photos", "skimmer.webp", picture("WEBP"), "image/webp")], {"shared": "on"})
    assert r.status_code == 302 and r.headers["Location"].endswith("done=photos_added")
    with in_tenant(tenant):
        photos = list(await Attachment.filter(visit_id=visit.id).order_by("id"))
    assert [(p.filename, p.content_type, p.kind, p.shared) for p in photos] == [
        ("pool.png", "image/png", "photo", True),
        ("deck.png", "image/jpeg", "photo", True),  # typed by its bytes, not by its name or the browser
        ("skimmer.webp", "image/webp", "photo", True),
    ]
    # The customer sees them in service history; staff see thumbnails.
    assert (await pat_client.get(f"/files/{photos[0].public_id}")).status_code == 200
    assert "Chemicals balanced" in await page(pat_client, f"/service-history/{visit.public_id}")
    thumb = await office.get(f"/console/files/{photos[1].public_id}/thumb")
    assert thumb.status_code == 200 and thumb.content_type == "image/jpeg"

    # Unticked: staff only, until shared.
    await upload(office, path, [("photos", "private.png", png_bytes(), "image/png")], {})
    with in_tenant(tenant):
        private = await Attachment.get(filename="private.png")
    assert not private.shared
    assert (await pat_client.get(f"/files/{private.public_id}")).status_code == 404
    assert (await office.get(f"/console/files/{private.public_id}")).status_code == 200
    r = await office.submit(f"/console/files/{private.public_id}/share", {"shared": "on"})
    assert r.headers["Location"] == f"/console/visits/{visit.public_id}?done=file_shared#photos"
    assert (await pat_client.get(f"/files/{private.public_id}")).status_code == 200
    await office.submit(f"/console/files/{private.public_id}/share", {"shared": "off"})
    assert (await pat_client.get(f"/files/{private.public_id}")).status_code == 404

    html = await page(office, f"/console/visits/{visit.public_id}")
    assert "private.png" in html and "Staff only" in html
    # Removing the visit removes its photos' files.
    storage = office.app.extensions["porchside"].storage
    await office.submit(f"/console/visits/{visit.public_id}/delete")
    with in_tenant(tenant):
        assert not await Attachment.filter(visit_id=visit.id).exists()
        with pytest.raises(StorageError):
            await storage.read(photos[0].storage_key)
    assert await actions(tenant, in_tenant) == [
        "visit.created", "visit.photos_added", "visit.photos_added", "attachment.shared", "attachment.unshared", "visit.deleted",
    ]


async def test_photo_uploads_are_checked(office, tenant, in_tenant, pat, portal_data, monkeypatch):
    job = await portal_data.job(pat)
    visit = await portal_data.visit(job)
    path = f"/console/visits/{visit.public_id}/photos"
    bomb = picture("PNG", size=(10000, 5000), mode="1")  # 50 megapixels in a few kilobytes
    cases = [
        ([], "Choose one or more photos."),
        ([("photos", "fake.png", b"<script>alert(1)</script>", "image/png")], "“fake.png” is not a PNG, JPEG or WebP picture."),
        ([("photos", "ok.png", png_bytes(), "image/png"), ("photos", "anim.gif", picture("GIF"), "image/gif")], "“anim.gif” is not a PNG"),
        ([("photos", "huge.png", bomb, "image/png")], "“huge.png” is not a PNG"),
        ([("photos", "empty.jpg", b"", "image/jpeg")], "“empty.jpg” is empty."),
    ]
    for files, message in cases:
        r = await upload(office, path, files, {"shared": "on"})
        assert r.status_code == 400, files
        assert message in await r.get_data(as_text=True)
    monkeypatch.setattr(uploads, "MAX_PHOTO_BYTES", 1024)
    r = await upload(office, path, [("photos", "big.png", png_bytes((400, 400)), "image/png")])
    assert r.status_code == 400 and "“big.png” is larger than 0 MB." in await r.get_data(as_text=True)
    with in_tenant(tenant):
        assert not await Attachment.filter(visit_id=visit.id).exists()


# -- notes and attachments ---------------------------------------------------------------


async def test_notes_reach_the_portal_only_when_shared(office, tenant, in_tenant, pat, pat_client, portal_data):
    job = await portal_data.job(pat, title="Gate repair")
    r = await office.submit(f"/console/jobs/{job.public_id}/notes", {"body": "Dog in the yard.\nCall first."})
    assert r.headers["Location"].endswith("done=note_added#notes")
    await office.submit(f"/console/jobs/{job.public_id}/notes", {"body": "We will arrive at 9.", "shared": "on"})
    with in_tenant(tenant):
        hidden, shared = await Note.filter(job_id=job.id).order_by("id")
    assert (hidden.shared, shared.shared, shared.author_name) == (False, True, "Tess Tech")
    portal = await page(pat_client, f"/jobs/{job.public_id}")
    assert "We will arrive at 9." in portal and "Dog in the yard." not in portal
    await office.submit(f"/console/notes/{hidden.public_id}/share", {"shared": "on"})
    assert "Dog in the yard." in await page(pat_client, f"/jobs/{job.public_id}")
    await office.submit(f"/console/notes/{shared.public_id}/share", {"shared": "off"})
    await office.submit(f"/console/notes/{hidden.public_id}/delete")
    portal = await page(pat_client, f"/jobs/{job.public_id}")
    assert "Dog in the yard." not in portal and "We will arrive at 9." not in portal
    r = await office.submit(f"/console/jobs/{job.public_id}/notes", {"body": "   "})
    assert r.status_code == 400 and "Enter the note." in await r.get_data(as_text=True)
    assert await actions(tenant, in_tenant) == ["note.created", "note.created", "note.shared", "note.unshared", "note.deleted"]


async def test_attachments_are_typed_by_their_content(office, tenant, in_tenant, pat, pat_client, portal_data, monkeypatch):
    job = await portal_data.job(pat)
    path = f"/console/jobs/{job.public_id}/files"
    uploads_ = [
        ("quote.txt", pdf_bytes(), "text/html", True),  # a PDF, whatever its name says
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html", True),
        ("readings.csv", "date,ph\n2025-03-01,7.4\n".encode(), "text/csv", False),
        ("photo.jpg", picture("JPEG"), "image/jpeg", False),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml", True),
    ]
    for name, data, declared, shared in uploads_:
        r = await upload(office, path, [("file", name, data, declared)], {"shared": "on"} if shared else {})
        assert r.status_code == 302 and r.headers["Location"].endswith("done=file_added#files"), name
    with in_tenant(tenant):
        rows = {a.filename: a for a in await Attachment.filter(job_id=job.id)}
    assert {name: (a.content_type, a.shared, a.kind) for name, a in rows.items()} == {
        "quote.txt": ("application/pdf", True, "attachment"),
        "page.html": ("application/octet-stream", True, "attachment"),
        "readings.csv": ("text/csv", False, "attachment"),
        "photo.jpg": ("image/jpeg", False, "attachment"),
        "drawing.svg": ("application/octet-stream", True, "attachment"),
    }
    html = await pat_client.get(f"/files/{rows['page.html'].public_id}")
    assert html.content_type == "application/octet-stream" and html.headers["Content-Disposition"].startswith("attachment")
    assert (await pat_client.get(f"/files/{rows['readings.csv'].public_id}")).status_code == 404
    staff_copy = await office.get(f"/console/files/{rows['readings.csv'].public_id}")
    assert staff_copy.status_code == 200 and await staff_copy.get_data() == b"date,ph\n2025-03-01,7.4\n"
    r = await office.submit(f"/console/files/{rows['readings.csv'].public_id}/share", {"shared": "on"})
    assert r.headers["Location"] == f"/console/jobs/{job.public_id}?done=file_shared#files"
    assert (await pat_client.get(f"/files/{rows['readings.csv'].public_id}")).status_code == 200

    await office.submit(f"/console/files/{rows['quote.txt'].public_id}/delete")
    storage = office.app.extensions["porchside"].storage
    with in_tenant(tenant):
        assert not await Attachment.filter(id=rows["quote.txt"].id).exists()
        with pytest.raises(StorageError):
            await storage.read(rows["quote.txt"].storage_key)

    r = await upload(office, path, [], {"shared": "on"})
    assert r.status_code == 400 and "Choose a file." in await r.get_data(as_text=True)
    monkeypatch.setattr(uploads, "MAX_ATTACHMENT_BYTES", 2 * uploads.MB)
    r = await upload(office, path, [("file", "video.mp4", b"\0" * (2 * uploads.MB + 1), "video/mp4")])
    assert r.status_code == 400 and "“video.mp4” is larger than 2 MB." in await r.get_data(as_text=True)


# -- isolation --------------------------------------------------------------------------


async def test_another_tenants_jobs_visits_notes_and_files_are_not_found(office, tenant, other_tenant, in_tenant, make_customer, app):
    theirs = await make_customer(other_tenant, "Theirs", emails=["them@example.com"])
    data = PortalData(app, other_tenant)
    job = await data.job(theirs, charges=[("Labour", 1000, 5000)])
    visit = await data.visit(job, photos=1)
    note = await data.note(job, "Their note", shared=False)
    file = await data.attachment(job, shared=False)
    with in_tenant(other_tenant):
        charge = await JobCharge.get(job_id=job.id)
        photo = await Attachment.get(visit_id=visit.id)
    gets = [
        f"/console/jobs/{job.public_id}", f"/console/jobs/{job.public_id}/edit", f"/console/jobs/{job.public_id}/charges/{charge.public_id}",
        f"/console/jobs/{job.public_id}/visits/new", f"/console/visits/{visit.public_id}", f"/console/files/{file.public_id}",
        f"/console/files/{photo.public_id}/thumb", f"/console/jobs/?account={theirs.public_id}", f"/console/jobs/new?account={theirs.public_id}",
    ]
    for path in gets:
        assert (await office.get(path)).status_code == 404, path
    posts = [
        f"/console/jobs/{job.public_id}/edit", f"/console/jobs/{job.public_id}/charges", f"/console/jobs/{job.public_id}/charges/{charge.public_id}/delete",
        f"/console/visits/{visit.public_id}/delete", f"/console/notes/{note.public_id}/share", f"/console/notes/{note.public_id}/delete",
        f"/console/files/{file.public_id}/share", f"/console/files/{file.public_id}/delete", f"/console/jobs/{job.public_id}/notes",
    ]
    for path in posts:
        r = await office.submit(path, {"title": "Hijacked", "shared": "on", "body": "x", "description": "x", "quantity": "1", "unit_price": "1"})
        assert r.status_code == 404, path
    with in_tenant(other_tenant):
        assert (await Job.get(id=job.id)).title != "Hijacked"
        assert not (await Note.get(id=note.id)).shared and not (await Attachment.get(id=file.id)).shared
        assert await Visit.filter(id=visit.id).exists() and await JobCharge.filter(id=charge.id).exists()
        assert await Note.filter(job_id=job.id).count() == 1
