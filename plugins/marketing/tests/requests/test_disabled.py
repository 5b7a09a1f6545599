"""A tenant that turns the marketing plugin off (issue 8, item 5): tab, routes, links and emails go; data stays."""

from __future__ import annotations

from core.console.testing import sign_in_staff
from core.models.mail import OutboundEmail
from core.plugin_state import save_plugin_settings, set_enabled
from plugins.marketing.requests.models import ServiceRequest
from tests.portal_data import set_sections
from plugins.marketing.tests.requests.helpers import new_request, page, picture, request_id_of, send_request


async def test_disabled_plugin_hides_tab_routes_links_and_emails_and_keeps_data(app, tenant, pat_client, client_for, in_tenant):
    services = app.extensions["porchside"]
    request_id = request_id_of(await new_request(pat_client, tenant, photos=[("a.png", picture(), "image/png")]))
    with in_tenant(tenant):
        photo_id = (await ServiceRequest.get(public_id=request_id).prefetch_related("photos")).photos[0].public_id
        await save_plugin_settings("marketing", {"marketing_url": "https://acme.example", "published": "on"}, services.plugins, services.settings.secret_key)
        emails_before = await OutboundEmail.all().count()
        await set_enabled("marketing", False, services.plugins, services.cache)
    staff = client_for(tenant)
    await sign_in_staff(staff, "maria@acme.test", role="owner")

    jobs = await page(pat_client, "/jobs")
    assert "Open requests" not in jobs and "Our website" not in jobs
    assert "open request" not in await page(pat_client, "/")
    for path in ("/jobs/requests/", "/jobs/requests/new", f"/jobs/requests/{request_id}", f"/jobs/requests/{request_id}/photos/{photo_id}"):
        assert (await pat_client.get(path)).status_code == 404, path
    assert (await send_request(pat_client, {"form_key": "k" * 32, "what": "Pump", "address": "Here"})).status_code == 404
    for path in ("/console/requests/", f"/console/requests/{request_id}"):
        assert (await staff.get(path)).status_code == 404, path
    for action in ("answer", "job", "decline"):
        assert (await staff.submit(f"/console/requests/{request_id}/{action}", {"body": "Hello"})).status_code == 404
    assert "Service requests" not in await page(staff, "/console/")

    with in_tenant(tenant):
        assert await ServiceRequest.all().count() == 1
        assert await OutboundEmail.all().count() == emails_before
        await set_enabled("marketing", True, services.plugins, services.cache)
    assert "Green water after the storm" in await page(pat_client, f"/jobs/requests/{request_id}")


async def test_the_work_history_switch_hides_the_tab_and_routes(tenant, pat_client, in_tenant):
    await new_request(pat_client, tenant)
    assert 'data-card="marketing_request_service"' in await page(pat_client, "/")
    await set_sections(tenant, work_history=False)
    assert (await pat_client.get("/jobs/requests/")).status_code == 404
    home = await page(pat_client, "/")
    assert 'data-card="marketing_request_service"' not in home
