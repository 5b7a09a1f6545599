"""Demo data (porchside_demo_seed): Pat has an open and an answered request, and the links are published."""

from __future__ import annotations

from core.demo import seed_demo
from core.models.customers import CustomerAccount
from plugins.marketing.requests.models import RequestAnswer, RequestPhoto, ServiceRequest
from plugins.marketing.tests.requests.helpers import page
from tenants.context import use_tenant


async def test_demo_business_has_requests_for_pat_and_published_links(app, client_for):
    services = app.extensions["porchside"]
    seeded = {item.tenant.slug: item.tenant for item in await seed_demo(services.storage, services=services)}
    sunny = seeded["sunny-pools"]
    with use_tenant(sunny):
        account = await CustomerAccount.filter(name="Pat Morgan").order_by("id").first()
        requests = {r.status: r for r in await ServiceRequest.filter(account_id=account.id)}
        assert set(requests) == {"new", "answered"}
        assert await RequestPhoto.filter(request_id=requests["new"].id).count() == 1
        assert await RequestAnswer.filter(request_id=requests["answered"].id).exists()
    with use_tenant(seeded["pipeworks"]):
        assert await ServiceRequest.all().count() == 0

    client = client_for("sunny-pools.localhost")
    await client.sign_in_as("pat@example.com", account=account)
    html = await page(client, "/jobs/requests/")
    assert "Green, cloudy water after the storm" in html and "Add a pool light timer" in html
    assert 'href="https://sunny-pools.example.com" rel="noopener">Our website' in html
    assert 'href="https://sunny-pools.example.com/book" rel="noopener">Book online' in html
    detail = await page(client, f"/jobs/requests/{requests['answered'].public_id}")
    assert "digital timer" in detail
