"""Service requests for staff (M3): notified, list, answer by email, turn into a job or a quote, decline."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from core.console.testing import sign_in_staff
from core.models.jobs import Attachment, Job
from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent, Notification
from core.plugin_state import set_enabled
from plugins.marketing.requests.models import RequestAnswer, RequestPhoto, ServiceRequest
from plugins.marketing.tests.conftest import PAT
from plugins.marketing.tests.requests.helpers import new_request, page, picture, request_id_of
from tenants.service import create_tenant

LINK = re.compile(r"http://acme\.localhost/sign-in/link/[A-Za-z0-9_-]+")


@pytest.fixture
async def mail_app(make_app, smtp_server):
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False) as app:
        yield app


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


async def test_staff_are_notified_and_an_answer_emails_the_customer_a_deep_link(mail_app, smtp_server, make_customer, client_for, in_tenant):
    acme = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
    await make_customer(acme, "Pat Morgan", emails=[PAT])
    staff = client_for(acme, mail_app)
    maria = await sign_in_staff(staff, "maria@acme.test", role="staff", name="Maria Delgado")
    customer = client_for(acme, mail_app)
    await customer.sign_in_as(PAT)

    request_id = request_id_of(await new_request(customer, acme, what="Pump is very loud", details="Grinding noise"))
    [staff_mail] = await smtp_server.wait_for(1)
    assert staff_mail["To"] == "maria@acme.test" and staff_mail["Subject"].endswith("asked for: Pump is very loud")
    assert "Grinding noise" in text_of(staff_mail)
    with in_tenant(acme):
        note = await Notification.get(staff_id=maria.id)
    assert (note.kind, note.link) == ("request.created", f"/console/requests/{request_id}")

    listing = await page(staff, "/console/requests/")
    assert "Pump is very loud" in listing and "Pat Morgan" in listing
    response = await staff.submit(f"/console/requests/{request_id}/answer", {"body": "We can come Thursday.\nIs 9am fine?"})
    assert response.status_code == 302
    [_, answer_mail] = await smtp_server.wait_for(2)
    assert answer_mail["To"] == PAT and answer_mail["Subject"] == "Acme Pool Care answered your request: Pump is very loud"
    body = text_of(answer_mail)
    assert "We can come Thursday.\nIs 9am fine?" in body
    link = LINK.search(body).group(0)
    with in_tenant(acme):
        stored = await ServiceRequest.get(public_id=request_id)
        assert stored.status == "answered"
        assert await AuditEvent.filter(action="request.answered", actor="maria@acme.test", target=request_id).exists()

    # The deep link signs Pat in and opens the request, with the answer.
    fresh = client_for(acme, mail_app)
    opened = await fresh.submit(urlsplit(link).path)
    assert opened.status_code == 302
    html = await page(fresh, f"/jobs/requests/{request_id}")
    assert "We can come Thursday." in html and "Maria Delgado" in html and "Answered" in html

    response = await staff.submit(f"/console/requests/{request_id}/answer", {"body": "  "})
    assert response.status_code == 400 and "Enter your answer." in await response.get_data(as_text=True)


async def test_a_request_becomes_one_job_with_its_details_and_photos(pat_client, staff_client, tenant, pat, in_tenant):
    response = await new_request(
        pat_client, tenant, what="Replace the heater", details="It clicks but never lights.",
        photos=[("heater.png", picture(), "image/png")],
    )
    request_id = request_id_of(response)
    with in_tenant(tenant):
        photo = await RequestPhoto.get(request__public_id=request_id)
    served = await staff_client.get(f"/console/requests/{request_id}/photos/{photo.public_id}")
    assert served.status_code == 200 and await served.get_data() == picture()
    assert (await staff_client.get(f"/console/requests/{request_id}/photos/rph_nothing")).status_code == 404
    for _ in range(2):  # a double click makes one job
        response = await staff_client.submit(f"/console/requests/{request_id}/job")
        assert response.status_code == 302 and response.headers["Location"].endswith("done=job")
    with in_tenant(tenant):
        [job] = await Job.all()
        stored = await ServiceRequest.get(public_id=request_id)
        [copy] = await Attachment.filter(job_id=job.id)
        sent = await OutboundEmail.filter(kind="request.scheduled").count()
    assert (job.account_id, job.title, job.status, job.service_address) == (pat.id, "Replace the heater", "scheduled", "12 Palm Street")
    assert "It clicks but never lights." in job.description and "Preferred dates:" in job.description
    assert (stored.status, stored.job_id) == ("scheduled", job.id)
    assert (copy.filename, copy.content_type, copy.shared) == ("heater.png", "image/png", True)
    assert sent == 1

    detail = await page(staff_client, f"/console/requests/{request_id}")
    assert job.number in detail and "Turn into a job" not in detail
    customer_view = await page(pat_client, f"/jobs/requests/{request_id}")
    assert "Scheduled" in customer_view and f'href="/jobs/{job.public_id}"' in customer_view
    assert "Cancel this request" not in customer_view
    # Closed: a cancelled request cannot become a job.
    other = request_id_of(await new_request(pat_client, tenant, what="Second"))
    await pat_client.submit(f"/jobs/requests/{other}/cancel")
    response = await staff_client.submit(f"/console/requests/{other}/job")
    assert response.status_code == 409 and "Only an open request" in await response.get_data(as_text=True)


async def test_turn_into_a_quote_opens_the_quotes_form_filled_in(pat_client, staff_client, tenant, app, in_tenant):
    request_id = request_id_of(await new_request(pat_client, tenant, what="Salt system", details="Convert from chlorine."))
    detail = await page(staff_client, f"/console/requests/{request_id}")
    assert "Turn into a quote" in detail
    response = await staff_client.submit(f"/console/requests/{request_id}/quote")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    query = parse_qs(target.query)
    assert target.path == "/console/quotes/new" and query["title"] == ["Salt system"]
    form = await page(staff_client, response.headers["Location"])
    assert 'value="Salt system"' in form and "Convert from chlorine." in form
    with in_tenant(tenant):
        assert (await ServiceRequest.get(public_id=request_id)).status == "quoted"

    # Without the quotes plugin, no button and no route.
    services = app.extensions["porchside"]
    other = request_id_of(await new_request(pat_client, tenant, what="Other"))
    with in_tenant(tenant):
        await set_enabled("quotes", False, services.plugins, services.cache)
    assert "Turn into a quote" not in await page(staff_client, f"/console/requests/{other}")
    assert (await staff_client.submit(f"/console/requests/{other}/quote")).status_code == 404


async def test_decline_with_a_reason_tells_the_customer(pat_client, staff_client, tenant, in_tenant):
    request_id = request_id_of(await new_request(pat_client, tenant, what="Build a deck"))
    response = await staff_client.submit(f"/console/requests/{request_id}/decline", {"reason": "We only service pools."})
    assert response.status_code == 302
    with in_tenant(tenant):
        stored = await ServiceRequest.get(public_id=request_id)
        assert (stored.status, stored.decline_reason) == ("declined", "We only service pools.")
        assert await RequestAnswer.filter(request_id=stored.id, body="We only service pools.").exists()
        assert await OutboundEmail.filter(kind="request.declined", to=PAT).exists()
        assert await AuditEvent.filter(action="request.declined").count() == 1
    html = await page(pat_client, f"/jobs/requests/{request_id}")
    assert "Declined" in html and "We only service pools." in html
    assert (await staff_client.submit(f"/console/requests/{request_id}/decline", {"reason": ""})).status_code == 302
    with in_tenant(tenant):
        assert await AuditEvent.filter(action="request.declined").count() == 1


async def test_console_pages_need_staff_of_this_tenant(pat_client, tenant, other_tenant, client_for):
    request_id = request_id_of(await new_request(pat_client, tenant))
    paths = ["/console/requests/", f"/console/requests/{request_id}"]
    for path in paths:
        response = await pat_client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/console/sign-in")
    assert (await pat_client.submit(f"/console/requests/{request_id}/job")).status_code == 302
    elsewhere = client_for(other_tenant)
    await sign_in_staff(elsewhere, "owen@globex.test", role="owner")
    assert (await elsewhere.get(f"/console/requests/{request_id}")).status_code == 404
    assert (await elsewhere.submit(f"/console/requests/{request_id}/job")).status_code == 404
    assert request_id not in await page(elsewhere, "/console/requests/?status=")
