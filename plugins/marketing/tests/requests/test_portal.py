"""Request service in the portal (M3): create with photos, validation, double submit, the tab, isolation."""

from __future__ import annotations

from core.models.platform import AuditEvent
from plugins.marketing.requests.models import RequestPhoto, ServiceRequest
from plugins.marketing.tests.conftest import PAT
from plugins.marketing.tests.requests.helpers import in_days, new_request, page, picture, request_id_of, send_request


async def test_a_request_with_photos_is_stored_listed_and_shown(pat_client, tenant, pat, in_tenant):
    assert "Request service" not in await page(pat_client, "/")  # nothing open: core's cards only
    assert 'href="/jobs/requests/new"' in await page(pat_client, "/jobs/requests/")

    response = await new_request(
        pat_client, tenant, details="Since Tuesday.\nThe skimmer is full.", date_2=in_days(tenant, 5),
        photos=[("pool.png", picture("PNG"), "image/png"), ("close up.jpg", picture("JPEG"), "image/jpeg")],
    )
    assert response.status_code == 302
    request_id = request_id_of(response)
    with in_tenant(tenant):
        stored = await ServiceRequest.get(public_id=request_id)
        photos = list(await RequestPhoto.filter(request_id=stored.id))
        audit = await AuditEvent.get(action="request.created")
    assert (stored.account_id, stored.requested_by, stored.status) == (pat.id, PAT, "new")
    assert stored.details == "Since Tuesday.\nThe skimmer is full." and stored.address == "12 Palm Street"
    assert [d.isoformat() for d in stored.preferred_dates] == [in_days(tenant, 2), in_days(tenant, 5)]
    assert [(p.filename, p.content_type) for p in photos] == [("pool.png", "image/png"), ("close up.jpg", "image/jpeg")]
    assert audit.target == request_id and audit.actor == PAT

    detail = await page(pat_client, response.headers["Location"])
    assert "Green water after the storm" in detail and "your request was sent to Acme Pool Care" in detail
    assert "No answer yet" in detail and "Cancel this request" in detail
    served = await pat_client.get(f"/jobs/requests/{request_id}/photos/{photos[0].public_id}")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    assert await served.get_data() == picture("PNG")
    assert served.headers["Cache-Control"] == "private, no-store"

    home = await page(pat_client, "/")
    assert 'data-card="marketing_request_service"' in home and "You have 1 open request." in home
    assert 'href="/jobs/requests/new"' in home
    listing = await page(pat_client, "/jobs/requests/")
    assert f'href="/jobs/requests/{request_id}"' in listing and "request-new" in listing
    # The Open requests tab follows Upcoming, Past and All, with the open count.
    jobs = await page(pat_client, "/jobs")
    assert jobs.index("All <span") < jobs.index('href="/jobs/requests/">Open requests <span class="count">(1)</span>')
    assert 'aria-current="page">Open requests' in listing


async def test_refused_input_keeps_what_was_typed_and_stores_nothing(pat_client, tenant, pat, in_tenant):
    form = {"what": "", "details": "Pump is loud", "address": "12 Palm Street", "date_1": in_days(tenant, -1)}
    response = await new_request(pat_client, tenant, **form)
    assert response.status_code == 400
    html = await response.get_data(as_text=True)
    assert "Enter what you need done." in html and "this one is in the past" in html
    assert ">Pump is loud</textarea>" in html and "12 Palm Street" in html and f'value="{in_days(tenant, -1)}"' in html

    response = await new_request(pat_client, tenant, photos=[("notes.png", b"not a picture at all", "image/png")])
    assert response.status_code == 400
    assert "is not a PNG, JPEG or WebP picture" in await response.get_data(as_text=True)

    response = await new_request(pat_client, tenant, photos=[(f"p{n}.png", picture(), "image/png") for n in range(6)])
    assert response.status_code == 400 and "Attach at most 5 photos." in await response.get_data(as_text=True)

    response = await new_request(pat_client, tenant, what="x" * 201, date_1="31/12/2030")
    html = await response.get_data(as_text=True)
    assert response.status_code == 400 and "under 200 characters" in html and "year-month-day" in html

    response = await send_request(pat_client, {"form_key": "short", "what": "Pump", "address": "Here"})
    assert response.status_code == 400 and "This form is out of date" in await response.get_data(as_text=True)
    with in_tenant(tenant):
        assert await ServiceRequest.all().count() == 0 and await RequestPhoto.all().count() == 0


async def test_a_double_submit_makes_one_request(pat_client, tenant, pat, in_tenant):
    key = (await page(pat_client, "/jobs/requests/new")).split('name="form_key" value="')[1].split('"')[0]
    form = {"form_key": key, "what": "Heater will not light", "address": "12 Palm Street"}
    first = await send_request(pat_client, form, [("a.png", picture(), "image/png")])
    second = await send_request(pat_client, form, [("a.png", picture(), "image/png")])
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with in_tenant(tenant):
        assert await ServiceRequest.all().count() == 1 and await RequestPhoto.all().count() == 1


async def test_other_accounts_and_tenants_get_404_for_requests_and_photos(
    pat_client, tenant, other_tenant, make_customer, client_for, in_tenant
):
    response = await new_request(pat_client, tenant, photos=[("a.png", picture(), "image/png")])
    request_id = request_id_of(response)
    with in_tenant(tenant):
        photo = await RequestPhoto.get(request__public_id=request_id)
    paths = [f"/jobs/requests/{request_id}", f"/jobs/requests/{request_id}/photos/{photo.public_id}"]

    await make_customer(tenant, "Lee Neighbour", emails=["lee@example.com"])
    neighbour = client_for(tenant)
    await neighbour.sign_in_as("lee@example.com")
    await make_customer(other_tenant, "Pat Morgan", emails=[PAT])
    elsewhere = client_for(other_tenant)
    await elsewhere.sign_in_as(PAT)
    for visitor in (neighbour, elsewhere):
        for path in paths:
            assert (await visitor.get(path)).status_code == 404, path
        assert (await visitor.submit(f"/jobs/requests/{request_id}/cancel")).status_code == 404
        assert request_id not in await page(visitor, "/jobs/requests/")
    # Pat's own photo under another of Pat's requests' paths is not found either.
    other = request_id_of(await new_request(pat_client, tenant, what="Second"))
    assert (await pat_client.get(f"/jobs/requests/{other}/photos/{photo.public_id}")).status_code == 404
    with in_tenant(tenant):
        assert (await ServiceRequest.get(public_id=request_id)).status == "new"


async def test_the_customer_cancels_an_open_request_once(pat_client, tenant, pat, in_tenant):
    request_id = request_id_of(await new_request(pat_client, tenant))
    for _ in range(2):  # a double click
        response = await pat_client.submit(f"/jobs/requests/{request_id}/cancel")
        assert response.status_code == 302
    html = await page(pat_client, response.headers["Location"])
    assert "You cancelled this request." in html and "Cancel this request" not in html
    with in_tenant(tenant):
        assert (await ServiceRequest.get(public_id=request_id)).status == "cancelled"
        assert await AuditEvent.filter(action="request.cancelled").count() == 1
        await ServiceRequest.filter(public_id=request_id).update(status="scheduled")
    response = await pat_client.submit(f"/jobs/requests/{request_id}/cancel")
    assert response.status_code == 409 and "can no longer be cancelled" in await response.get_data(as_text=True)


async def test_the_tab_has_an_empty_state_a_filter_and_pages(pat_client, tenant, pat, in_tenant):
    html = await page(pat_client, "/jobs/requests/")
    assert "You have not asked for any work yet." in html and 'href="/jobs/requests/new"' in html
    with in_tenant(tenant):
        for n in range(23):
            await ServiceRequest.create(account=pat, what=f"Job {n:02d}", requested_by=PAT, form_key=f"key-{n:02d}-xxxxxxxxxxxx", status="new" if n % 2 else "declined")
    first = await page(pat_client, "/jobs/requests/")
    assert "Showing 1–20 of 23 requests" in first and "Job 22" in first and "Job 02" not in first
    assert "Job 02" in await page(pat_client, "/jobs/requests/?page=2")
    assert "Showing 1–11 of 11 requests" in await page(pat_client, "/jobs/requests/?status=open")
    assert 'Open requests <span class="count">(11)</span>' in first
