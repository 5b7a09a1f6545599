"""The demo data (core.demo): the shape docs/demo.md promises, consistent money, stored files, idempotence."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from PIL import Image

from core.demo import DEMO_PLUGINS, DEMO_TENANTS, seed_demo
from core.demo.specs import InvoiceSpec, PaymentSpec, VisitSpec
from core.models.billing import Invoice, InvoiceLine, Payment
from core.models.customers import Contact, ContactEmail, CustomerAccount
from core.models.jobs import Attachment, Job, JobCharge, Note, Visit
from core.models.platform import PluginConfig
from core.models.staff import StaffUser
from core.plugin_state import enabled_plugins
from core.web.rendering import tenant_today
from tenants.context import use_tenant
from tenants.models import Domain, Tenant

DOCS = Path(__file__).resolve().parent.parent / "docs" / "demo.md"
COUNTED = (CustomerAccount, Contact, ContactEmail, Job, JobCharge, Visit, Note, Attachment,
           Invoice, InvoiceLine, Payment, StaffUser, PluginConfig)


@pytest.fixture
async def demo(app) -> dict[str, Tenant]:
    """The demo tenants, seeded into the test app's database and storage."""
    results = await seed_demo(app.extensions["porchside"].storage)
    assert [r.created for r in results] == [True, True]
    return {r.tenant.slug: r.tenant for r in results}


async def accounts_with_email(email: str) -> set[int]:
    rows = await ContactEmail.filter(email=email).prefetch_related("contact")
    return {row.contact.account_id for row in rows}


async def test_the_seeded_demo(demo, app, client_for):
    """One seed of both demo businesses, checked in turn (each check below seeded its own before:
    a full seed per check, on each backend); the checks that change data come last."""
    await check_two_businesses_with_contact_details_colour_and_address(demo)
    await check_pat_has_two_accounts_at_sunny_pools_and_one_at_pipeworks(demo)
    await check_every_tenant_has_contacts_without_invoices(demo)
    await check_invoices_in_every_status_with_totals_that_add_up(demo)
    await check_past_jobs_have_visits_with_photos_and_upcoming_jobs_lie_ahead(demo, app)
    await check_shared_and_unshared_notes_and_attachments(demo, app)
    await check_staff_and_the_three_plugins_are_on(demo, app)
    await check_each_demo_portal_answers_with_its_own_name(demo, client_for)
    await check_seeding_twice_adds_nothing(demo, app)
    await check_a_demo_business_with_a_new_web_address_is_not_seeded_again(demo, app)


async def check_two_businesses_with_contact_details_colour_and_address(demo):
    assert set(demo) == {"sunny-pools", "pipeworks"}
    for slug, tenant in demo.items():
        assert tenant.name and tenant.contact_email and tenant.contact_phone and tenant.contact_address
        assert tenant.brand_colour.startswith("#") and tenant.brand_colour != "#0b6e99"
        assert await Domain.filter(tenant_id=tenant.id, host=slug, is_primary=True).exists()


async def check_pat_has_two_accounts_at_sunny_pools_and_one_at_pipeworks(demo):
    with use_tenant(demo["sunny-pools"]):
        assert len(await accounts_with_email("pat@example.com")) == 2
    with use_tenant(demo["pipeworks"]):
        assert len(await accounts_with_email("pat@example.com")) == 1
        # Each tenant sees only its own rows, even for the same address.
        assert not await CustomerAccount.filter(name__contains="Lakeview").exists()


async def check_every_tenant_has_contacts_without_invoices(demo):
    for tenant in demo.values():
        with use_tenant(tenant):
            assert await ContactEmail.filter(send_invoices=False).exists()
            assert await ContactEmail.filter(send_invoices=True).exists()


async def check_invoices_in_every_status_with_totals_that_add_up(demo):
    methods: set[str] = set()
    for tenant in demo.values():
        with use_tenant(tenant):
            invoices = await Invoice.all().prefetch_related("lines", "payments")
            today = tenant_today(tenant)  # the seed dates invoices on the business's calendar
            assert {i.display_status(today) for i in invoices} == {"draft", "open", "overdue", "paid", "void"}
            assert len({i.number for i in invoices}) == len(invoices)
            for invoice in invoices:
                assert invoice.lines, invoice.number
                assert sum(line.amount_minor for line in invoice.lines) == invoice.subtotal_minor
                assert invoice.subtotal_minor + invoice.tax_minor == invoice.total_minor > 0
                assert sum(p.amount_minor for p in invoice.payments) == invoice.paid_minor
                if invoice.status == "paid":
                    assert invoice.paid_minor == invoice.total_minor
                else:
                    assert invoice.paid_minor < invoice.total_minor
                if invoice.status == "draft":
                    assert invoice.issued_on is None
                if invoice.status == "void":
                    assert invoice.voided_at is not None and invoice.paid_minor == 0
                methods |= {p.method for p in invoice.payments}
            # A partly paid open invoice shows a balance.
            assert any(0 < i.paid_minor < i.total_minor for i in invoices)
    assert {"card", "cheque", "cash", "bank"} <= methods


async def check_past_jobs_have_visits_with_photos_and_upcoming_jobs_lie_ahead(demo, app):
    storage = app.extensions["porchside"].storage
    now = datetime.now(timezone.utc)
    for tenant in demo.values():
        with use_tenant(tenant):
            jobs = await Job.all().prefetch_related("visits__photos", "charges")
            completed = [j for j in jobs if j.status == "completed"]
            upcoming = [j for j in jobs if j.status == "scheduled"]
            assert completed and upcoming
            assert all(j.scheduled_start > now for j in upcoming)
            for job in completed:
                assert job.completed_at <= now and job.charges and job.technician_id
                for visit in job.visits:
                    assert visit.completed_at <= now and visit.technician_notes and visit.technician_name
                    assert 1 <= len(visit.photos) <= 3
                    for photo in visit.photos:
                        assert photo.kind == "photo" and photo.shared and photo.caption
                        data = await storage.read(photo.storage_key)
                        assert len(data) == photo.size
                        image = Image.open(io.BytesIO(data))
                        assert image.format == "JPEG" and image.size[0] >= 640


async def check_shared_and_unshared_notes_and_attachments(demo, app):
    storage = app.extensions["porchside"].storage
    for tenant in demo.values():
        with use_tenant(tenant):
            assert {n.shared for n in await Note.all()} == {True, False}
            files = await Attachment.filter(kind="attachment")
            assert {f.shared for f in files} == {True, False}
            assert all(f.job_id is not None for f in files)
            pdf = next(f for f in files if f.content_type == "application/pdf")
            assert (await storage.read(pdf.storage_key)).startswith(b"%PDF")


async def check_staff_and_the_three_plugins_are_on(demo, app):
    services = app.extensions["porchside"]
    for tenant in demo.values():
        with use_tenant(tenant):
            staff = await StaffUser.all()
            assert {s.role for s in staff} == {"owner", "staff"}
            # Everyone can sign in with the documented demo password.
            from core.auth.passwords import verify_password
            from core.demo.seed import DEMO_PASSWORD
            from core.models.customers import PortalLogin

            assert all([await verify_password(s.password_hash, DEMO_PASSWORD) for s in staff])
            login = await PortalLogin.get(email="pat@example.com")
            assert await verify_password(login.password_hash, DEMO_PASSWORD)
            rows = {row.plugin: row.enabled for row in await PluginConfig.all()}
            assert rows == {name: True for name in DEMO_PLUGINS}
            installed = set(services.plugins.plugin_names())
            assert set(DEMO_PLUGINS) & installed <= await enabled_plugins(services.plugins, services.cache)


async def check_seeding_twice_adds_nothing(demo, app):
    storage = app.extensions["porchside"].storage

    async def snapshot() -> dict:
        counts = {}
        for tenant in demo.values():
            with use_tenant(tenant):
                for model in COUNTED:
                    counts[(tenant.slug, model.__name__)] = await model.all().count()
        return counts

    before = await snapshot()
    files = sorted(p for p in storage.root.rglob("*") if p.is_file())
    again = await seed_demo(storage)
    assert [r.created for r in again] == [False, False]
    assert await Tenant.all().count() == 2
    assert await snapshot() == before
    assert sorted(p for p in storage.root.rglob("*") if p.is_file()) == files


async def check_a_demo_business_with_a_new_web_address_is_not_seeded_again(demo, app):
    """Issue 18: after a web-address change the demo refused to start ("already taken")."""
    from tenants.service import change_slug

    services = app.extensions["porchside"]
    await change_slug(demo["pipeworks"], "pipeworks-plumbing", services.resolver)
    again = await seed_demo(services.storage)
    assert sorted((r.created, r.tenant.slug) for r in again) == [(False, "pipeworks-plumbing"), (False, "sunny-pools")]
    assert await Tenant.all().count() == 2


async def check_each_demo_portal_answers_with_its_own_name(demo, client_for):
    for slug, tenant in demo.items():
        other = next(t for t in demo.values() if t.slug != slug)
        client = client_for(f"{slug}.localhost")
        r = await client.get("/")
        while r.status_code in (301, 302, 303):
            r = await client.get(r.headers["Location"])
        page = await r.get_data(as_text=True)
        assert r.status_code == 200
        assert tenant.name in page and other.name not in page


def test_docs_list_every_demo_account():
    docs = DOCS.read_text()
    for spec in DEMO_TENANTS:
        assert f"http://{spec.slug}.localhost:8000" in docs
        for email, _ in spec.customer_emails():
            assert email in docs, email
        for member in spec.staff:
            assert member.email in docs, member.email


def test_specs_refuse_contradictions():
    with pytest.raises(ValueError, match="overdue"):
        InvoiceSpec("overdue", issued_day=-2)  # due in 13 days: not overdue
    with pytest.raises(ValueError, match="paid"):
        InvoiceSpec("paid", issued_day=-20, payments=(PaymentSpec("cash", 1, percent=50),))
    with pytest.raises(ValueError, match="before today"):
        InvoiceSpec("open", issued_day=-2, payments=(PaymentSpec("card", 5, percent=10),))
    with pytest.raises(ValueError, match="photos"):
        VisitSpec(-3, "Visit", "Notes", photos=())


async def test_dates_count_from_the_day_of_seeding(app):
    # Data is relative to the seeding day, so the demo never goes stale.
    from zoneinfo import ZoneInfo

    from core.demo.pipeworks import PIPEWORKS

    day = date(2031, 3, 10)
    [seeded] = await seed_demo(app.extensions["porchside"].storage, specs=(PIPEWORKS,), today=day)
    zone = ZoneInfo(PIPEWORKS.profile["timezone"])
    with use_tenant(seeded.tenant):
        job = await Job.get(title="Kitchen sink leak")
        invoice = await Invoice.get(job_id=job.id)
        assert job.scheduled_start.astimezone(zone).date() == date(2031, 3, 4)
        assert (invoice.issued_on, invoice.due_on) == (date(2031, 3, 5), date(2031, 3, 20))
        assert invoice.display_status(day) == "open"
