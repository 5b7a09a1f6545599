"""Documents, downloads and thumbnails (D1, D2, D3): shared files only, each request checked."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from core.models.jobs import Attachment
from core.thumbnails import MAX_PIXELS, THUMBNAIL_BOX, NoThumbnail, render_thumbnail
from tests.portal_data import PAT, PortalData, page_of, pat, pat_client, png_bytes, portal_data, queries_of, set_sections  # noqa: F401 - fixtures


def file_ids(html: str) -> list[str]:
    """Files of the documents table, in order."""
    return re.findall(r'<a href="/files/(file_[^"?/]+)">', html)


def storage_of(app):
    return app.extensions["porchside"].storage


# -- the list -------------------------------------------------------------------------


async def test_documents_lists_shared_files_of_jobs_and_visits(pat_client, pat, portal_data):
    full = await portal_data.full_account(pat)
    html = await page_of(pat_client, "/documents")
    shown = set(file_ids(html))
    photos = {p.public_id for p in full.shared_photos}
    assert full.shared_file.public_id in shown and photos <= shown
    assert full.hidden_file.public_id not in html and full.hidden_photo.public_id not in html
    assert "Showing 1–6 of 6 files" in html  # the file, four recent photos, one old photo
    assert f'href="/jobs/{full.upcoming_job.public_id}">Spring pool opening' in html
    assert f'href="/jobs/{full.past_job.public_id}">Green pool clean-up' in html  # a visit's photo names its job

    assert set(file_ids(await page_of(pat_client, "/documents?kind=files"))) == {full.shared_file.public_id}
    assert full.shared_file.public_id not in file_ids(await page_of(pat_client, "/documents?kind=photos"))


async def test_sorting_paging_and_empty_states(pat_client, pat, portal_data):
    empty = await page_of(pat_client, "/documents")
    assert "No documents have been shared with you yet" in empty and "<table" not in empty
    job = await portal_data.job(pat)
    made = [await portal_data.attachment(job, f"{name}.pdf") for name in ("charlie", "alpha", "bravo")]
    assert file_ids(await page_of(pat_client, "/documents?sort=name")) == [made[1].public_id, made[2].public_id, made[0].public_id]
    assert file_ids(await page_of(pat_client, "/documents")) == [m.public_id for m in reversed(made)]  # newest first
    assert file_ids(await page_of(pat_client, "/documents?sort=name&per_page=2&page=2")) == [made[0].public_id]
    assert "No photos have been shared with you" in await page_of(pat_client, "/documents?kind=photos")


async def test_list_costs_the_same_queries_for_2_and_20_files(pat_client, pat, portal_data, count_queries):
    job = await portal_data.job(pat, status="completed", days=-3)
    visit = await portal_data.visit(job, days_ago=3)
    await portal_data.attachment(job)
    await portal_data.photo(visit=visit)
    few, _ = await queries_of(pat_client, "/documents", count_queries)
    for _ in range(9):
        await portal_data.attachment(job)
        await portal_data.photo(visit=visit)
    many, html = await queries_of(pat_client, "/documents", count_queries)
    assert len(file_ids(html)) == 20
    assert many.count == few.count, many.statements


async def test_documents_section_switched_off(pat_client, pat, portal_data, tenant):
    job = await portal_data.job(pat)
    shared = await portal_data.attachment(job)
    await set_sections(tenant, documents=False)
    assert (await pat_client.get("/documents")).status_code == 404
    assert ">Documents<" not in await page_of(pat_client, "/")
    # The job page still links its files, so downloads keep working.
    assert (await pat_client.get(f"/files/{shared.public_id}")).status_code == 200


# -- downloads ----------------------------------------------------------------------------


async def test_download_sends_the_bytes_with_type_and_a_safe_disposition(pat_client, pat, portal_data):
    job = await portal_data.job(pat)
    pdf = await portal_data.attachment(job, "Pool report.pdf")
    response = await pat_client.get(f"/files/{pdf.public_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "inline; filename=\"Pool-report.pdf\"; filename*=UTF-8''Pool%20report.pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert (await response.get_data()).startswith(b"%PDF-")

    forced = await pat_client.get(f"/files/{pdf.public_id}?download=1")
    assert forced.headers["Content-Disposition"].startswith("attachment;")


async def test_names_and_types_that_could_attack_are_neutralised(pat_client, pat, portal_data):
    job = await portal_data.job(pat)
    page = await portal_data.file(b"<script>alert(1)</script>", 'évil"\r\nX-Injected: 1.html', "text/html", job=job)
    svg = await portal_data.file(b"<svg onload=alert(1)></svg>", "logo.svg", "image/svg+xml", job=job)
    junk = await portal_data.file(b"data", "notes.bin", "text/html; charset=utf-8\r\nX-Bad: 1", job=job)
    for attachment, kind in ((page, "text/html"), (svg, "image/svg+xml"), (junk, "application/octet-stream")):
        response = await pat_client.get(f"/files/{attachment.public_id}")
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == kind
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert "X-Injected" not in response.headers and "X-Bad" not in response.headers
    disposition = (await pat_client.get(f"/files/{page.public_id}")).headers["Content-Disposition"]
    assert disposition == "attachment; filename=\"evil-X-Injected-1.html\"; filename*=UTF-8''%C3%A9vil%22%0D%0AX-Injected%3A%201.html"


async def test_missing_bytes_are_a_404_not_a_500(pat_client, pat, portal_data, app, in_tenant, tenant):
    job = await portal_data.job(pat)
    attachment = await portal_data.attachment(job)
    with in_tenant(tenant):
        await storage_of(app).delete(attachment.storage_key)
    assert (await pat_client.get(f"/files/{attachment.public_id}")).status_code == 404


async def test_unshared_and_other_peoples_files_never_download(client, other_client, tenant, other_tenant, make_customer, app):
    mine = await make_customer(tenant, "Pat's House", emails=[PAT])
    rental = await make_customer(tenant, "Pat's Rental", emails=[PAT])
    elsewhere = await make_customer(other_tenant, "Pat at Globex", emails=[PAT])
    data, globex = PortalData(app, tenant), PortalData(app, other_tenant)
    my_job = await data.job(mine, status="completed", days=-2)
    my_visit = await data.visit(my_job)
    rental_job = await data.job(rental)
    globex_job = await globex.job(elsewhere)
    mine_shared = await data.photo(visit=my_visit)
    forbidden = {
        "unshared on my job": await data.attachment(my_job, shared=False),
        "unshared photo of my visit": await data.photo(visit=my_visit, shared=False),
        "my other account's": await data.attachment(rental_job),
        "another tenant's": await globex.attachment(globex_job),
        "on no job at all": await data.file(b"x", "loose.txt", "text/plain"),
    }
    await client.sign_in_as(PAT, account=mine)
    assert (await client.get(f"/files/{mine_shared.public_id}")).status_code == 200
    html = await page_of(client, "/documents")
    for why, attachment in forbidden.items():
        for path in (f"/files/{attachment.public_id}", f"/files/{attachment.public_id}/thumb", f"/files/{attachment.public_id}?download=1"):
            response = await client.get(path)
            assert response.status_code == 404, (why, path)
        assert attachment.public_id not in html, why

    # Signed out: no bytes, a sign-in page that comes back here.
    fresh = type(client)(client.app, client.host)
    response = await fresh.get(f"/files/{mine_shared.public_id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=/files/")
    # The same person in the other tenant cannot fetch this tenant's file by its id.
    await other_client.sign_in_as(PAT)
    assert (await other_client.get(f"/files/{mine_shared.public_id}")).status_code == 404


# -- thumbnails ----------------------------------------------------------------------------


async def test_thumbnail_is_made_once_and_stored(pat_client, pat, portal_data, app, in_tenant, tenant):
    job = await portal_data.job(pat, status="completed", days=-1)
    visit = await portal_data.visit(job)
    photo = await portal_data.photo(visit=visit, size=(1600, 1200))
    response = await pat_client.get(f"/files/{photo.public_id}/thumb")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"].startswith("private")
    first = await response.get_data()
    with Image.open(io.BytesIO(first)) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (320, 240)

    with in_tenant(tenant):
        stored = await Attachment.get(id=photo.id)
        assert stored.thumbnail_key and stored.thumbnail_key != stored.storage_key
        assert await storage_of(app).read(stored.thumbnail_key) == first
        # Later requests read the stored thumbnail: they work without the original.
        await storage_of(app).delete(stored.storage_key)
    again = await pat_client.get(f"/files/{photo.public_id}/thumb")
    assert again.status_code == 200 and await again.get_data() == first
    with in_tenant(tenant):
        assert (await Attachment.get(id=photo.id)).thumbnail_key == stored.thumbnail_key


async def test_a_lost_thumbnail_is_made_again(pat_client, pat, portal_data, app, in_tenant, tenant):
    job = await portal_data.job(pat)
    photo = await portal_data.photo(job=job)
    assert (await pat_client.get(f"/files/{photo.public_id}/thumb")).status_code == 200
    with in_tenant(tenant):
        lost = (await Attachment.get(id=photo.id)).thumbnail_key
        await storage_of(app).delete(lost)
    assert (await pat_client.get(f"/files/{photo.public_id}/thumb")).status_code == 200
    with in_tenant(tenant):
        remade = (await Attachment.get(id=photo.id)).thumbnail_key
        assert remade and remade != lost
        await storage_of(app).read(remade)


async def test_no_thumbnail_for_documents_or_broken_images(pat_client, pat, portal_data, in_tenant, tenant):
    job = await portal_data.job(pat)
    pdf = await portal_data.attachment(job)
    broken = await portal_data.file(b"not a png at all", "broken.png", "image/png", job=job, kind="photo")
    for attachment in (pdf, broken):
        response = await pat_client.get(f"/files/{attachment.public_id}/thumb")
        assert response.status_code == 404
    with in_tenant(tenant):
        assert await Attachment.filter(id=broken.id).values_list("thumbnail_key", flat=True) == [None]
    # A document is listed by name, without a thumbnail.
    html = await page_of(pat_client, f"/jobs/{job.public_id}")
    assert f'href="/files/{pdf.public_id}">report.pdf' in html and f"/files/{pdf.public_id}/thumb" not in html


def test_render_thumbnail_turns_upright_flattens_and_refuses_bombs():
    # EXIF orientation 6: stored landscape, shown portrait.
    image = Image.new("RGB", (400, 200), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    with Image.open(io.BytesIO(render_thumbnail(out.getvalue()))) as thumb:
        assert thumb.size == (160, 320)

    transparent = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(transparent, format="PNG")
    with Image.open(io.BytesIO(render_thumbnail(transparent.getvalue()))) as thumb:
        assert thumb.mode == "RGB" and thumb.getpixel((25, 25)) == pytest.approx((255, 255, 255), abs=3)

    small = render_thumbnail(png_bytes((40, 30)))
    with Image.open(io.BytesIO(small)) as thumb:
        assert thumb.size == (40, 30)  # never enlarged
    assert max(THUMBNAIL_BOX) == 320

    bomb = io.BytesIO()
    Image.new("1", (8000, 6000)).save(bomb, format="PNG")  # 48 megapixels, a few kB
    assert 8000 * 6000 > MAX_PIXELS
    with pytest.raises(NoThumbnail, match="too large"):
        render_thumbnail(bomb.getvalue())
    with pytest.raises(NoThumbnail):
        render_thumbnail(b"GIF89a broken")
