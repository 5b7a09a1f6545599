"""A tenant that turns the plugin off (issue 6, item 7): no tab, no routes, no notifications, data kept."""

from __future__ import annotations

from core.models.platform import Notification
from core.plugin_state import call_for_tenant, set_enabled
from core.records import Event
from plugins.quotes.models import Quote
from plugins.quotes.tests.quote_data import PAT, make_quote
from tenants.context import use_tenant


async def switch(app, tenant, on: bool) -> None:
    services = app.extensions["porchside"]
    with use_tenant(tenant):
        await set_enabled("quotes", on, services.plugins, services.cache)


async def test_disabled_plugin_has_no_tab_routes_or_notifications_and_keeps_its_data(app, tenant, other_tenant, pat, pat_client, staff_client, creator, make_customer, client_for):
    quote = await make_quote(tenant, pat, creator=creator)
    globex_pat = await make_customer(other_tenant, "Pat at Globex", emails=[PAT])
    globex_quote = await make_quote(other_tenant, globex_pat)
    await switch(app, tenant, False)

    home = await (await pat_client.get("/")).get_data(as_text=True)
    assert 'href="/quotes"' not in home and "await your decision" not in home
    for path in ("/quotes", f"/quotes/{quote.public_id}", f"/quotes/{quote.public_id}.pdf", f"/quotes/{quote.public_id}/approve"):
        assert (await pat_client.get(path)).status_code == 404, path
    assert (await pat_client.submit(f"/quotes/{quote.public_id}/approve", {"revision": "1", "signature": "Pat"})).status_code == 404
    for path in ("/console/quotes/", f"/console/quotes/{quote.public_id}"):
        assert (await staff_client.get(path)).status_code == 404, path
    console = await (await staff_client.get("/console/")).get_data(as_text=True)
    assert 'href="/console/quotes/"' not in console

    # A quote event in this tenant reaches no quotes code: nobody is notified.
    services = app.extensions["porchside"]
    event = Event(name="quote.decided", subject=quote.public_id, actor=f"customer:{PAT}", data={"decision": "approved", "revision": 1, "email": PAT})
    assert await call_for_tenant(tenant, "porchside_event", services.plugins, services.cache, event=event) == []
    with use_tenant(tenant):
        assert await Notification.all().count() == 0

    # The other tenant still has it.
    globex = client_for(other_tenant)
    await globex.sign_in_as(PAT)
    assert (await globex.get(f"/quotes/{globex_quote.public_id}")).status_code == 200

    # Turned back on: everything is where it was.
    await switch(app, tenant, True)
    with use_tenant(tenant):
        kept = await Quote.get(id=quote.id)
    assert kept.status == "sent"
    assert (await pat_client.get(f"/quotes/{quote.public_id}")).status_code == 200
    async with app.app_context():  # the plugin's handler uses the app's services, as in a request
        assert await call_for_tenant(tenant, "porchside_event", services.plugins, services.cache, event=event) == ["quotes"]
    with use_tenant(tenant):
        assert await Notification.filter(staff_id=creator.id, kind="quote.decided").count() == 1
