"""The demo businesses get quotes in every status (porchside_demo_seed), consistent to the cent."""

from __future__ import annotations

from core.demo import seed_demo
from core.models.customers import ContactEmail
from core.web.rendering import tenant_today
from plugins.quotes.contributions import awaiting, customer_quotes
from plugins.quotes.models import STATUSES, Quote, QuoteLine, QuoteRevision
from tenants.context import use_tenant


async def test_demo_tenants_have_quotes_in_every_status(app, client_for):
    services = app.extensions["porchside"]
    seeded = await seed_demo(services.storage, services=services)
    assert len(seeded) == 2
    for item in seeded:
        tenant = item.tenant
        today = tenant_today(tenant)
        with use_tenant(tenant):
            quotes = list(await Quote.all())
            shown = {q.display_status(today) for q in quotes}
            revisions = list(await QuoteRevision.all())
            assert shown | {r.status for r in revisions} == set(STATUSES), tenant.slug
            for revision in revisions:
                amounts = await QuoteLine.filter(revision_id=revision.id).values_list("amount_minor", flat=True)
                assert revision.total_minor == sum(amounts) + revision.tax_minor
            approved = [r for r in revisions if r.status == "approved"]
            assert approved and all(r.signature_name and r.decided_by and r.decision_ip for r in approved)
            # Pat can approve, reject and request changes in the demo.
            [row] = await ContactEmail.filter(email="pat@example.com", contact__account__number__in=("SP-1001", "C-1001"))
            pat_account = (await row.contact).account_id
            assert await awaiting(customer_quotes(pat_account), today).count() >= 3
            assert await QuoteRevision.filter(quote__account_id=pat_account, status="superseded").exists()

        client = client_for(tenant.slug + ".localhost")
        await client.sign_in_as("pat@example.com", account=await account_of(tenant, pat_account))
        html = await (await client.get("/quotes")).get_data(as_text=True)
        assert "Awaiting your decision" in html and "Expired" in html


async def account_of(tenant, account_id):
    from core.models.customers import CustomerAccount

    with use_tenant(tenant):
        return await CustomerAccount.get(id=account_id)
