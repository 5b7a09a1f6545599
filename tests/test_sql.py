"""SQL beyond Tortoise's query API (core/sql.py, issue 13), on SQLite and PostgreSQL."""

from __future__ import annotations

from tortoise.functions import Count, Sum

from core.models.billing import Invoice, Payment
from core.sql import union_all_values
from tenants.context import use_tenant
from tests.portal_data import PortalData


def _grouped(query):
    return query.annotate(total=Sum("total_minor" if query.model is Invoice else "amount_minor"), n=Count("id")).group_by("currency").values("currency", "total", "n")


async def test_union_all_values_tags_rows_by_query_and_keeps_each_querys_tenant_and_filters(app, tenant, other_tenant, make_customer):
    data = PortalData(app, tenant)
    ann = await make_customer(tenant, "Ann Able", emails=["ann@example.com"])
    bob = await make_customer(tenant, "Bob Baker", emails=["bob@example.com"])
    first = await data.invoice(ann, lines=(("Service", 1000, 5000),))
    await data.invoice(ann, status="paid", lines=(("Service", 1000, 7000),))
    await data.payment(first, 2500)
    await data.invoice(bob, lines=(("Service", 1000, 9900),))  # another account: filtered out
    elsewhere = PortalData(app, other_tenant)
    stranger = await make_customer(other_tenant, "Cy Other", emails=["cy@example.com"])
    await elsewhere.payment(await elsewhere.invoice(stranger), 1111)  # another tenant: never seen

    with use_tenant(tenant):
        rows = await union_all_values(
            _grouped(Invoice.filter(account_id=ann.id)),
            _grouped(Payment.all()),  # no filter of the caller's: the tenant's own still applies
        )
        empty = await union_all_values(_grouped(Invoice.filter(account_id=-1)), _grouped(Payment.filter(account_id=-1)))
    assert sorted((part, row["currency"], int(row["total"]), int(row["n"])) for part, row in rows) == [
        (0, tenant.currency, 12000, 2),
        (1, tenant.currency, 2500, 1),
    ]
    assert empty == []
