"""SQL beyond Tortoise's query API (core/sql.py, issue 13), on SQLite and PostgreSQL."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from core.models.billing import Invoice, Payment
from core.models.jobs import Attachment, Job, JobCharge, Note, Visit
from core.sql import job_lists, rows_from_json, union_all_values
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


def _values(rows) -> list[dict]:
    return [{name: getattr(row, name) for name in row._meta.fields_db_projection} for row in rows]


async def test_job_lists_load_what_the_separate_queries_load_typed_alike_and_in_order(app, tenant, other_tenant, make_customer):
    data = PortalData(app, tenant)
    ann = await make_customer(tenant, "Ann Able", emails=["ann@example.com"])
    job = await data.job(ann, charges=[("Labour", 1500, 5000), ("Filter", 1000, 2500)])
    await data.note(job, "Shared note")
    await data.note(job, "Office only", shared=False)
    await data.note(job, "Another shared note")
    done = await data.visit(job, days_ago=2, photos=2)
    await data.visit(job, days_ago=1, technician_name="")
    await data.visit(job, completed=False)
    await data.photo(visit=done, shared=False)
    await data.attachment(job, "report.pdf")
    bare = await data.job(ann, title="Nothing yet")
    # Another tenant's job of the same shape: never mixed in.
    elsewhere = PortalData(app, other_tenant)
    stranger = await make_customer(other_tenant, "Cy Other", emails=["cy@example.com"])
    theirs = await elsewhere.job(stranger, charges=[("Theirs", 1000, 100)])
    await elsewhere.note(theirs, "Theirs")

    with use_tenant(tenant):
        loaded = await Job.filter(id=job.id).annotate(**job_lists()).first()
        empty = await Job.filter(id=bare.id).annotate(**job_lists()).first()
        expected = {
            "charges": await JobCharge.filter(job_id=job.id).order_by("position", "id"),
            "notes": await Note.filter(job_id=job.id, shared=True).order_by("-created_at", "-id"),
            "files": await Attachment.filter(Q(job_id=job.id) | Q(visit__job_id=job.id), shared=True).order_by("created_at", "id"),
            "visits": await Visit.filter(job_id=job.id, completed_at__isnull=False).order_by("-completed_at", "-id"),
        }
    models = {"charges": JobCharge, "notes": Note, "files": Attachment, "visits": Visit}
    for name, model in models.items():
        got = rows_from_json(model, getattr(loaded, f"{name}_json"))
        assert _values(got) == _values(expected[name]), name
        assert rows_from_json(model, getattr(empty, f"{name}_json")) == []
    assert [len(expected[n]) for n in models] == [2, 2, 3, 2]  # the test's data is what it says
