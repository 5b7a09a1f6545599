"""Turn the demo specs into rows and stored files.

Each demo tenant is created in one transaction, through the models, inside
``use_tenant(tenant)``; a tenant seeded before is left alone, even after a
web-address change (:func:`seeded_before`), so seeding twice changes nothing. Dates are counted from today in the tenant's
time zone.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from core.demo.pictures import draw_document, draw_photo
from core.demo.specs import AccountSpec, FileSpec, InvoiceSpec, JobSpec, TenantSpec, VisitSpec
from core.demo.tenants import DEMO_TENANTS
from core.models.billing import Invoice, InvoiceLine, Payment
from core.auth.passwords import hash_password
from core.models.customers import Contact, ContactEmail, CustomerAccount, PortalLogin
from core.models.jobs import Attachment, Job, JobCharge, Note, Visit
from core.models.platform import PluginConfig
from core.models.staff import StaffUser
from core.plugin_state import enabled_plugins
from core.storage import Storage
from tenants.context import use_tenant
from tenants.models import Domain, Tenant
from tenants.service import create_tenant

if TYPE_CHECKING:
    from core.services import Services

# The built-in plugins, switched on for every demo tenant.
DEMO_PLUGINS = ("quotes", "payments", "marketing")
# Every demo customer and staff member can also sign in with this password.
DEMO_PASSWORD = "porchside-demo"


@dataclass(frozen=True)
class SeededTenant:
    tenant: Tenant
    spec: TenantSpec
    created: bool  # False: it was already there and left alone


async def seed_demo(
    storage: Storage,
    specs: tuple[TenantSpec, ...] | None = None,
    today: date | None = None,
    *,
    services: "Services | None" = None,
) -> list[SeededTenant]:
    """Create every demo tenant that does not exist yet.

    :param storage: where photos and attachments go (the app's storage).
    :param specs: the tenants to seed (default: :data:`~core.demo.tenants.DEMO_TENANTS`).
    :param today: the day the data is counted from (default: today in each tenant's zone).
    :param services: the app's services; given, the plugins enabled in each new
        tenant add their own demo data (``porchside_demo_seed``) after core's.
    """
    results = []
    for spec in specs or DEMO_TENANTS:
        existing = await seeded_before(spec)
        if existing is not None:
            results.append(SeededTenant(existing, spec, created=False))
            continue
        async with in_transaction():
            tenant = await create_tenant(spec.slug, spec.name, **spec.profile)
            with use_tenant(tenant):
                seeder = _TenantSeeder(spec, tenant, storage, today)
                await seeder.run()
                if services is not None:
                    enabled = await enabled_plugins(services.plugins, services.cache)
                    await services.plugins.call(
                        "porchside_demo_seed", enabled, tenant=tenant, services=services, today=seeder.today
                    )
        results.append(SeededTenant(tenant, spec, created=True))
    return results


async def seeded_before(spec: TenantSpec) -> Tenant | None:
    """The tenant this spec created earlier, even under a new web address.

    A tenant keeps the row of its first subdomain after moving (it redirects
    for 90 days and is only released when another business claims it), so
    the spec's slug finds it where ``Tenant.slug`` no longer does.
    """
    tenant = await Tenant.get_or_none(slug=spec.slug)
    if tenant is not None:
        return tenant
    domain = await Domain.get_or_none(kind="subdomain", host=spec.slug)
    return await Tenant.get_or_none(id=domain.tenant_id) if domain is not None else None


def _job_numbers(spec: TenantSpec) -> dict[tuple[int, int], str]:
    """Job numbers in date order across all accounts, as a business would have issued them."""
    keys = [(a, j) for a, account in enumerate(spec.accounts) for j in range(len(account.jobs))]
    keys.sort(key=lambda k: (spec.accounts[k[0]].jobs[k[1]].day, spec.accounts[k[0]].jobs[k[1]].hour, k))
    return {key: f"{spec.job_prefix}{spec.first_job_number + n}" for n, key in enumerate(keys)}


def _invoice_numbers(spec: TenantSpec) -> dict[tuple[int, int, int], str]:
    """Invoice numbers in order of issue; drafts get the next numbers."""
    keys = [
        ((a, j, i), invoice.issued_day)
        for a, account in enumerate(spec.accounts)
        for j, job in enumerate(account.jobs)
        for i, invoice in enumerate(job.invoices)
    ]
    keys.sort(key=lambda item: (item[1] is None, item[1] or 0, item[0]))
    return {key: f"{spec.invoice_prefix}{spec.first_invoice_number + n:04d}" for n, (key, _) in enumerate(keys)}


class _TenantSeeder:
    """Seeds one tenant; runs inside ``use_tenant`` of that tenant."""

    def __init__(self, spec: TenantSpec, tenant: Tenant, storage: Storage, today: date | None) -> None:
        self.spec = spec
        self.tenant = tenant
        self.storage = storage
        self.zone = ZoneInfo(tenant.timezone)
        self.today = today or datetime.now(self.zone).date()
        self.currency = tenant.currency
        self.job_numbers = _job_numbers(spec)
        self.invoice_numbers = _invoice_numbers(spec)
        self.staff: list[StaffUser] = []

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def at(self, offset: int, hour: float) -> datetime:
        """A moment ``offset`` days from today at ``hour`` o'clock local time, in UTC."""
        local = datetime.combine(self.day(offset), time(0), tzinfo=self.zone) + timedelta(hours=hour)
        return local.astimezone(timezone.utc)

    async def run(self) -> None:
        password_hash = await hash_password(DEMO_PASSWORD)
        for member in self.spec.staff:
            self.staff.append(
                await StaffUser.create(email=member.email, name=member.name, role=member.role, password_hash=password_hash)
            )
        for plugin in DEMO_PLUGINS:
            await PluginConfig.create(plugin=plugin, enabled=True)
        for a, account in enumerate(self.spec.accounts):
            await self.account(a, account)
        emails = {e.address for acc in self.spec.accounts for person in acc.contacts for e in person.emails}
        for email in sorted(emails):
            await PortalLogin.create(email=email, password_hash=password_hash)

    async def account(self, a: int, spec: AccountSpec) -> None:
        account = await CustomerAccount.create(
            number=f"{self.spec.account_prefix}{1001 + a}",
            name=spec.name,
            billing_address=spec.address,
            phone=spec.phone,
        )
        for person in spec.contacts:
            contact = await Contact.create(
                account=account,
                first_name=person.first_name,
                last_name=person.last_name,
                phone=person.phone,
                is_primary=person.is_primary,
            )
            for n, email in enumerate(person.emails):
                await ContactEmail.create(
                    contact=contact, email=email.address, send_invoices=email.send_invoices, is_primary=n == 0
                )
        for j, job in enumerate(spec.jobs):
            await self.job(account, (a, j), job)

    async def job(self, account: CustomerAccount, key: tuple[int, int], spec: JobSpec) -> None:
        technician = self.staff[spec.technician]
        job = await Job.create(
            account=account,
            number=self.job_numbers[key],
            title=spec.title,
            description=spec.description,
            status=spec.status,
            scheduled_start=self.at(spec.day, spec.hour),
            scheduled_end=self.at(spec.day, spec.hour + spec.hours),
            technician=technician,
            technician_name=technician.name,
            service_address=account.billing_address,
            invoice_view=spec.invoice_view,
        )
        for position, charge in enumerate(spec.charges):
            await JobCharge.create(
                job=job,
                description=charge.description,
                quantity_milli=charge.quantity_milli,
                unit_price_minor=charge.unit_price,
                amount_minor=charge.amount,
                currency=self.currency,
                position=position,
            )
        for visit in spec.visits:
            await self.visit(job, visit, technician.name)
        if spec.visits:
            job.completed_at = max(self.at(v.day, v.hour + v.hours) for v in spec.visits)
            await job.save(update_fields=["completed_at"])
        for note in spec.notes:
            await Note.create(job=job, body=note.body, author_name=note.author, shared=note.shared)
        for file in spec.files:
            await self.attachment(job, file)
        for i, invoice in enumerate(spec.invoices):
            await self.invoice(account, job, spec, self.invoice_numbers[(*key, i)], invoice)

    async def visit(self, job: Job, spec: VisitSpec, technician: str) -> None:
        visit = await Visit.create(
            job=job,
            scheduled_at=self.at(spec.day, spec.hour),
            completed_at=self.at(spec.day, spec.hour + spec.hours),
            technician_name=technician,
            technician_notes=spec.notes,
            summary=spec.summary,
        )
        for n, photo in enumerate(spec.photos, start=1):
            data = draw_photo(photo.subject, photo.caption)
            filename = f"{job.number}-visit-photo-{n}.jpg"
            await Attachment.create(
                visit=visit,
                kind="photo",
                filename=filename,
                content_type="image/jpeg",
                size=len(data),
                storage_key=await self.storage.save(data, filename),
                shared=True,
                caption=photo.caption,
            )

    async def attachment(self, job: Job, spec: FileSpec) -> None:
        if spec.filename.endswith(".pdf"):
            data = draw_document(self.tenant.name, spec.title, spec.lines, self.tenant.brand_colour)
        else:
            data = ("\n".join((spec.title, "", *spec.lines)) + "\n").encode()
        await Attachment.create(
            job=job,
            kind="attachment",
            filename=spec.filename,
            content_type=mimetypes.guess_type(spec.filename)[0] or "application/octet-stream",
            size=len(data),
            storage_key=await self.storage.save(data, spec.filename),
            shared=spec.shared,
            caption=spec.caption,
        )

    async def invoice(self, account: CustomerAccount, job: Job, job_spec: JobSpec, number: str, spec: InvoiceSpec) -> None:
        subtotal = sum(charge.amount for charge in job_spec.charges)
        tax = (subtotal * self.spec.tax_rate_bp + 5000) // 10000
        total = subtotal + tax
        issued = None if spec.issued_day is None else self.day(spec.issued_day)
        invoice = await Invoice.create(
            account=account,
            job=job,
            number=number,
            # "overdue" is not stored: it is an open invoice past its due date.
            status="open" if spec.state == "overdue" else spec.state,
            issued_on=issued,
            due_on=None if spec.due_day is None else self.day(spec.due_day),
            currency=self.currency,
            subtotal_minor=subtotal,
            tax_minor=tax,
            total_minor=total,
            memo=spec.memo,
            voided_at=min(self.at(spec.issued_day + 1, 10), datetime.now(timezone.utc)) if spec.state == "void" else None,
        )
        for position, charge in enumerate(job_spec.charges):
            await InvoiceLine.create(
                invoice=invoice,
                description=charge.description,
                quantity_milli=charge.quantity_milli,
                unit_price_minor=charge.unit_price,
                amount_minor=charge.amount,
                position=position,
            )
        paid = 0
        for n, payment in enumerate(spec.payments):
            last_of_full = n == len(spec.payments) - 1 and spec.state == "paid"
            amount = total - paid if last_of_full else total * payment.percent // 100
            await Payment.create(
                account=account,
                invoice=invoice,
                amount_minor=amount,
                currency=self.currency,
                method=payment.method,
                received_at=self.at(spec.issued_day + payment.days_after_issue, 14),
                reference=payment.reference,
                card_brand=payment.card[0] if payment.method == "card" else "",
                card_last4=payment.card[1] if payment.method == "card" else "",
            )
            paid += amount
        if paid:
            invoice.paid_minor = paid
            await invoice.save(update_fields=["paid_minor"])
