"""The record fixtures core.testing ships to plugin authors: make_account, make_job, make_visit, make_invoice, make_staff."""

from __future__ import annotations

from core.auth.passwords import verify_password
from core.models.billing import Invoice
from core.models.jobs import Job, JobCharge, Visit
from core.models.staff import StaffUser
from core.web.rendering import tenant_today


async def test_records_land_in_the_accounts_business_and_its_portal_shows_them(
    tenant, other_tenant, client, in_tenant, make_account, make_job, make_visit, make_invoice, make_staff
):
    pat = await make_account(tenant, "Pat Doe", emails=["pat@example.com"])
    job = await make_job(pat, title="Green pool clean-up", status="completed", days=-3, charges=[("Labour", 1500, 8000)])
    visit = await make_visit(job, days_ago=3, summary="First clean-up visit")
    invoice = await make_invoice(pat, job=job, lines=[("Labour", 1500, 8000), ("Shock", 2000, 1250)], due_in_days=-5)
    staff = await make_staff(tenant, "sam@acme.test", role="admin", password="tidy garden hose 42")

    with in_tenant(tenant):
        stored = await Job.get(public_id=job.public_id)
        assert stored.completed_at is not None and stored.account_id == pat.id
        assert [c.amount_minor for c in await JobCharge.filter(job_id=job.id)] == [12000]
        assert (await Visit.get(public_id=visit.public_id)).completed_at is not None
        bill = await Invoice.get(public_id=invoice.public_id)
        assert (bill.subtotal_minor, bill.total_minor, bill.currency) == (14500, 14500, tenant.currency)
        assert bill.display_status(tenant_today(tenant)) == "overdue"
        member = await StaffUser.get(email="sam@acme.test")
        assert member.role == "admin" and member.public_id == staff.public_id
        assert await verify_password(member.password_hash, "tidy garden hose 42")
    with in_tenant(other_tenant):
        assert await Job.all().count() == 0 and await Invoice.all().count() == 0

    await client.sign_in_as("pat@example.com")
    history = await (await client.get("/service-history")).get_data(as_text=True)
    assert "First clean-up visit" in history
    invoices = await (await client.get("/invoices")).get_data(as_text=True)
    assert invoice.number in invoices


async def test_a_visit_can_be_only_scheduled_and_a_staff_member_need_not_have_a_password(tenant, in_tenant, make_account, make_job, make_visit, make_staff):
    job = await make_job(await make_account(tenant), days=2)
    visit = await make_visit(job, completed=False)
    staff = await make_staff(tenant)
    assert visit.completed_at is None and visit.scheduled_at is not None
    assert job.status == "scheduled" and job.scheduled_start is not None
    assert staff.role == "staff" and staff.password_hash is None
