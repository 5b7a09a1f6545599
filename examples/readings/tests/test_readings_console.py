"""Staff pages: defining measures and entering a visit's readings, with validation messages, CSRF, audit and the report email."""

from __future__ import annotations

import pytest

pytest.importorskip("porchside_readings", reason="porchside-readings is not installed: pip install ./examples/readings")

import re

from core.console.testing import sign_in_staff
from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent
from core.web.security import CSRF_FIELD
from porchside_readings.models import Measure, Reading
from readings_testdata import PAT, make_pool


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def body(response) -> str:
    return await response.get_data(as_text=True)


async def test_admins_define_measures_with_clear_messages_for_bad_input(client, tenant, in_tenant):
    await sign_in_staff(client, "ann@acme.test", role="admin")
    listing = await client.get("/console/readings/measures")
    assert listing.status_code == 200 and "No measures yet" in await body(listing)

    form = {"name": "Free chlorine", "unit": "ppm", "target_min": "1", "target_max": "3", "position": "10", "active": "on"}
    done = await client.submit("/console/readings/measures/new", form)
    assert done.status_code == 302 and "done=created" in done.headers["Location"]
    with in_tenant(tenant):
        chlorine = await Measure.get(name="Free chlorine")
        assert (chlorine.target_min_milli, chlorine.target_max_milli, chlorine.active) == (1000, 3000, True)
        assert await AuditEvent.filter(action="readings.measure_created", target=chlorine.public_id, actor="ann@acme.test").exists()
    assert "Free chlorine" in await body(await client.get("/console/readings/measures?done=created"))

    for changes, message in (
        ({"name": ""}, "Enter name."),
        ({"target_min": "one"}, "The lowest target: “one” is not a number."),
        ({"target_min": "5", "target_max": "3"}, "The highest target must not be below the lowest."),
        ({"target_max": "1.2345"}, "The highest target: Use at most 3 decimals."),
        ({"position": "-1"}, "Order must be between 0 and 9999."),
        ({}, "A measure named “Free chlorine” exists already."),
    ):
        refused = await client.submit("/console/readings/measures/new", {**form, **changes})
        assert refused.status_code == 400, changes
        assert message in await body(refused), changes
    with in_tenant(tenant):
        assert await Measure.all().count() == 1

    # Editing: switch it off and change the range; without the CSRF token nothing is saved.
    edit = f"/console/readings/measures/{chlorine.public_id}"
    assert (await client.post(edit, form={**form, "target_max": "4"})).status_code in (400, 403)
    saved = await client.submit(edit, {"name": "Free chlorine", "unit": "ppm", "target_min": "1", "target_max": "4", "position": "10"})
    assert saved.status_code == 302
    with in_tenant(tenant):
        chlorine = await Measure.get(id=chlorine.id)
        assert (chlorine.target_max_milli, chlorine.active) == (4000, False)


async def test_staff_enter_readings_but_only_admins_define_measures(client, tenant, make_customer, in_tenant, pool):
    await sign_in_staff(client, "tech@acme.test", role="staff")
    assert (await client.get("/console/readings/measures")).status_code == 403
    visit = pool.upcoming
    path = f"/console/readings/visits/{visit.public_id}"
    page = await client.get(path)
    html = await body(page)
    assert page.status_code == 200 and "Free chlorine (ppm)" in html and "Target 1–3 ppm." in html and CSRF_FIELD in html

    fields = {f"value_{pool.chlorine.public_id}": "2.5", f"value_{pool.ph.public_id}": "7,4x", "taken_by": "Sam"}
    refused = await client.submit(path, fields)
    assert refused.status_code == 400 and "pH: “7,4x” is not a number." in text_of(await body(refused))
    with in_tenant(tenant):
        assert not await Reading.filter(visit_id=visit.id).exists()

    fields[f"value_{pool.ph.public_id}"] = "7.45"
    saved = await client.submit(path, fields)
    assert saved.status_code == 302 and "done=readings_saved" in saved.headers["Location"]
    with in_tenant(tenant):
        values = dict(await Reading.filter(visit_id=visit.id).values_list("measure_id", "value_milli"))
        assert values == {pool.chlorine.id: 2500, pool.ph.id: 7450}
        event = await AuditEvent.get(action="readings.saved", target=visit.public_id)
        assert sorted(event.detail["changed"]) == ["Free chlorine", "pH"] and event.actor == "tech@acme.test"

    # An emptied field removes its value; the form shows what is stored.
    fields[f"value_{pool.chlorine.public_id}"] = ""
    assert (await client.submit(path, fields)).status_code == 302
    with in_tenant(tenant):
        assert dict(await Reading.filter(visit_id=visit.id).values_list("measure_id", "value_milli")) == {pool.ph.id: 7450}
    assert 'value="7.45"' in await body(await client.get(path))


async def test_core_visit_page_links_to_the_readings(client, pool):
    await sign_in_staff(client, "tech@acme.test", role="staff")
    html = await body(await client.get(f"/console/visits/{pool.visits[-1].public_id}"))
    assert 'id="section-readings_console_visit-title"' in html and "Edit readings" in html and "0.4 ppm" in html
    assert f'href="/console/readings/visits/{pool.visits[-1].public_id}"' in html


async def test_the_visit_report_email_carries_the_readings(client, client_for, tenant, in_tenant, pool):
    await sign_in_staff(client, "tech@acme.test", role="staff")
    visit = pool.visits[-1]
    sent = await client.submit(f"/console/readings/visits/{visit.public_id}/email")
    assert sent.status_code == 302 and "done=emailed" in sent.headers["Location"]
    with in_tenant(tenant):
        [email] = await OutboundEmail.filter(kind="readings.visit_report")
    assert email.to == PAT and "Visit report from Acme Pool Care" in email.subject
    assert "Free chlorine: 0.4 ppm (Low, target 1–3)" in email.text
    assert "pH: 8.125 (High, target 7.2–7.8)" in email.text
    assert "Water temperature: 80.5 °F\n" in email.text
    # The private link signs the customer in and opens the visit's page.
    link = re.search(r"over time: http://acme\.localhost(/\S+)\n", email.text).group(1)
    customer = client_for(tenant)
    assert (await customer.get(link)).status_code == 200
    landed = await customer.submit(link)
    assert landed.headers["Location"].endswith(f"/service-history/{visit.public_id}")
    assert "0.4 ppm" in await body(await customer.get(f"/service-history/{visit.public_id}"))
    assert "Low" in email.html and "0.4 ppm" in email.html
    # A visit not completed yet has no report: the customer could not open it.
    refused = await client.submit(f"/console/readings/visits/{pool.upcoming.public_id}/email")
    assert refused.status_code == 400 and "Mark the visit completed" in await body(refused)


async def test_other_tenants_ids_are_404(client, other_client, tenant, other_tenant, make_customer, in_tenant, pool):
    theirs = await make_pool(other_tenant, make_customer, in_tenant, name="Globex Pool")
    await sign_in_staff(client, "ann@acme.test", role="admin")
    for path in (
        f"/console/readings/visits/{theirs.visits[0].public_id}",
        f"/console/readings/measures/{theirs.chlorine.public_id}",
    ):
        assert (await client.get(path)).status_code == 404, path
        assert (await client.submit(path, {"name": "x"})).status_code == 404, path
    assert (await client.submit(f"/console/readings/visits/{theirs.visits[0].public_id}/email")).status_code == 404
    with in_tenant(other_tenant):
        assert (await Measure.get(id=theirs.chlorine.id)).name == "Free chlorine"
