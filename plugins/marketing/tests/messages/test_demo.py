"""The demo has a conversation to show (porchside_demo_seed): Pat and Sunny Pools, unread on both sides."""

from __future__ import annotations

from core.demo import seed_demo
from plugins.marketing.messages.models import Message, Thread
from tenants.context import use_tenant


async def test_sunny_pools_demo_has_a_conversation_about_a_job(app, client_for):
    services = app.extensions["porchside"]
    seeded = {item.tenant.slug: item.tenant for item in await seed_demo(services.storage, services=services)}
    tenant = seeded["sunny-pools"]
    with use_tenant(tenant):
        [thread] = await Thread.all().select_related("job", "account")
        assert thread.job.title == "Green-to-clean pool recovery" and thread.account.number == "SP-1001"
        assert await Message.filter(thread_id=thread.id).count() == thread.last_seq == 4
        assert (thread.staff_unread, thread.customer_unread) == (1, 1)
        account = thread.account
    with use_tenant(seeded["pipeworks"]):
        assert await Thread.all().count() == 0

    client = client_for("sunny-pools.localhost")
    await client.sign_in_as("pat@example.com", account=account)
    listing = await (await client.get("/messages")).get_data(as_text=True)
    assert "Green-to-clean pool recovery" in listing and 'unread-count">1 unread' in listing
    html = await (await client.get(f"/jobs/{thread.job.public_id}/messages")).get_data(as_text=True)
    assert '<a href="https://example.com/pool-care" rel="noopener nofollow" target="_blank">' in html
