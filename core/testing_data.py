"""Realistic tenant records for tests: jobs, visits, photos, notes, files, invoices, payments.

Used by the fixtures of :mod:`core.testing` (``make_job``, ``make_visit``,
``make_invoice``...) and by core's page and browser tests. Each method runs
in the tenant's scope itself. Photos are real PNGs drawn with Pillow and
documents real one-page PDFs, stored through the app's storage so downloads
and thumbnails work on them (give an app for those)::

    data = RecordMaker(tenant, app)
    job = await data.job(account, title="Pool opening", charges=[("Labour", 2000, 8500)])
    visit = await data.visit(job, days_ago=3, photos=2)
    invoice = await data.invoice(account, job=job, lines=[("Labour", 2000, 8500)])
    await data.payment(invoice, 5000)
    everything = await data.full_account(account)   # one of each kind, shared and not

Times are relative to now (``days=3`` is in three days, ``days_ago=3`` three
days back); invoice dates are the tenant's calendar days.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from core.models.billing import Invoice, InvoiceLine, Payment
from core.models.customers import CustomerAccount
from core.models.jobs import Attachment, Job, JobCharge, Note, Visit
from core.web.rendering import tenant_today
from tenants.context import use_tenant
from tenants.models import Tenant

# Job and invoice numbers are unique per tenant; one counter for the session is enough.
_numbers = itertools.count(1001)

# (description, quantity in thousandths, unit price in minor units)
Line = tuple[str, int, int]


def png_bytes(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (30, 144, 255)) -> bytes:
    """A real PNG: a coloured picture with a white band, so it is not one flat colour."""
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle((0, size[1] // 3, size[0], size[1] // 2), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A real one-page PDF (Pillow writes it)."""
    out = io.BytesIO()
    Image.new("RGB", (85, 110), (255, 255, 255)).save(out, format="PDF")
    return out.getvalue()


def _at(tenant: Tenant, days: float, hour: int = 9) -> datetime:
    """``days`` from now (negative: in the past), at ``hour`` o'clock where the business is."""
    moment = datetime.now(ZoneInfo(tenant.timezone)) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def _on(tenant: Tenant, day: date, hour: int) -> datetime:
    """``hour`` o'clock on the business's calendar ``day``, in its time zone."""
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(tenant.timezone))


def _amount(quantity_milli: int, unit_minor: int) -> int:
    return (quantity_milli * unit_minor + 500) // 1000


@dataclass
class AccountData:
    """What :meth:`RecordMaker.full_account` made, for assertions."""

    account: CustomerAccount
    upcoming_job: Job
    in_progress_job: Job
    past_job: Job
    old_job: Job
    cancelled_job: Job
    recent_visits: list[Visit]
    old_visit: Visit
    shared_photos: list[Attachment]
    hidden_photo: Attachment
    shared_file: Attachment
    hidden_file: Attachment
    shared_note: Note
    hidden_note: Note
    invoices: dict[str, Invoice] = field(default_factory=dict)  # open, overdue, paid, void, draft
    payments: list[Payment] = field(default_factory=list)


class RecordMaker:
    """Builds records for one tenant; ``app`` (a started app) is needed only to store files."""

    def __init__(self, tenant: Tenant, app: Any = None) -> None:
        self.tenant = tenant
        self.app = app

    @property
    def storage(self) -> Any:
        if self.app is None:
            raise RuntimeError("photos and files are stored through the app: build RecordMaker(tenant, app)")
        return self.app.extensions["porchside"].storage

    # -- jobs -------------------------------------------------------------

    async def job(
        self,
        account: CustomerAccount,
        *,
        title: str = "Weekly pool service",
        status: str = "scheduled",
        days: float = 7,
        hours: int = 2,
        number: str | None = None,
        technician_name: str = "Sam Rivera",
        service_address: str = "12 Elm Street\nSpringfield",
        description: str = "",
        charges: Iterable[Line] = (),
        invoice_view: str = "detailed",
        unscheduled: bool = False,
    ) -> Job:
        """A job starting ``days`` from now; a completed one is completed at its end."""
        start = None if unscheduled else _at(self.tenant, days)
        end = None if start is None else start + timedelta(hours=hours)
        with use_tenant(self.tenant):
            job = await Job.create(
                account=account,
                number=number or f"J-{next(_numbers)}",
                title=title,
                description=description,
                status=status,
                scheduled_start=start,
                scheduled_end=end,
                completed_at=end if status == "completed" else None,
                technician_name=technician_name,
                service_address=service_address,
                invoice_view=invoice_view,
            )
        for line in charges:
            await self.charge(job, *line)
        return job

    async def charge(self, job: Job, description: str, quantity_milli: int, unit_price_minor: int) -> JobCharge:
        with use_tenant(self.tenant):
            position = await JobCharge.filter(job_id=job.id).count()
            return await JobCharge.create(
                job_id=job.id,
                description=description,
                quantity_milli=quantity_milli,
                unit_price_minor=unit_price_minor,
                amount_minor=_amount(quantity_milli, unit_price_minor),
                currency=self.tenant.currency,
                position=position,
            )

    async def note(self, job: Job, body: str, *, shared: bool = True, author_name: str = "Sam Rivera") -> Note:
        with use_tenant(self.tenant):
            return await Note.create(job_id=job.id, body=body, shared=shared, author_name=author_name)

    async def visit(
        self,
        job: Job,
        *,
        days_ago: float = 3,
        notes: str = "Brushed walls, emptied baskets, balanced chemicals.",
        summary: str = "Routine service",
        technician_name: str = "Sam Rivera",
        photos: int = 0,
        completed: bool = True,
        completed_at: datetime | None = None,
    ) -> Visit:
        """A visit completed ``days_ago`` at 2 pm (or at ``completed_at``, or only
        scheduled), with ``photos`` shared photos."""
        moment = completed_at or _at(self.tenant, -days_ago, hour=14)
        with use_tenant(self.tenant):
            visit = await Visit.create(
                job_id=job.id,
                scheduled_at=moment - timedelta(hours=1),
                completed_at=moment if completed else None,
                technician_name=technician_name,
                technician_notes=notes,
                summary=summary,
            )
        for n in range(photos):
            await self.photo(
                visit=visit, caption=f"{summary}, photo {n + 1}", colour=(20 + 40 * n % 200, 120, 200),
                filename=f"{job.number}-visit-{n + 1}.png",
            )
        return visit

    # -- files ------------------------------------------------------------

    async def photo(
        self,
        *,
        visit: Visit | None = None,
        job: Job | None = None,
        shared: bool = True,
        caption: str = "",
        colour: tuple[int, int, int] = (30, 144, 255),
        size: tuple[int, int] = (640, 480),
        filename: str = "photo.png",
    ) -> Attachment:
        """A PNG photo on a visit (service history) or on a job."""
        return await self.file(
            png_bytes(size, colour), filename, "image/png", visit=visit, job=job, kind="photo", shared=shared, caption=caption
        )

    async def attachment(
        self, job: Job, filename: str = "report.pdf", *, shared: bool = True, caption: str = "",
        data: bytes | None = None, content_type: str | None = None,
    ) -> Attachment:
        """A document on a job: a real PDF unless ``data`` is given."""
        return await self.file(
            pdf_bytes() if data is None else data, filename, content_type or "application/pdf",
            job=job, kind="attachment", shared=shared, caption=caption,
        )

    async def file(
        self, data: bytes, filename: str, content_type: str, *, job: Job | None = None, visit: Visit | None = None,
        kind: str = "attachment", shared: bool = True, caption: str = "",
    ) -> Attachment:
        """Store ``data`` and record it as an attachment (the general form of the two above)."""
        with use_tenant(self.tenant):
            key = await self.storage.save(data, filename)
            return await Attachment.create(
                job_id=job.id if job else None,
                visit_id=visit.id if visit else None,
                kind=kind,
                filename=filename,
                content_type=content_type,
                size=len(data),
                storage_key=key,
                shared=shared,
                caption=caption,
            )

    # -- billing ----------------------------------------------------------

    async def invoice(
        self,
        account: CustomerAccount,
        *,
        job: Job | None = None,
        status: str = "open",
        lines: Sequence[Line] = (("Service", 1000, 10000),),
        tax_minor: int = 0,
        issued_days_ago: int = 10,
        due_in_days: int = 20,
        number: str | None = None,
        memo: str = "",
    ) -> Invoice:
        """An invoice with lines; dates are the tenant's days (``due_in_days < 0`` is overdue)."""
        today = tenant_today(self.tenant)
        subtotal = sum(_amount(q, u) for _, q, u in lines)
        issued: date | None = None if status == "draft" else today - timedelta(days=issued_days_ago)
        with use_tenant(self.tenant):
            invoice = await Invoice.create(
                account=account,
                job_id=job.id if job else None,
                number=number or f"INV-{next(_numbers)}",
                status=status,
                issued_on=issued,
                due_on=today + timedelta(days=due_in_days),
                currency=self.tenant.currency,
                subtotal_minor=subtotal,
                tax_minor=tax_minor,
                total_minor=subtotal + tax_minor,
                memo=memo,
                voided_at=datetime.now(timezone.utc) if status == "void" else None,
            )
            for position, (description, quantity, unit) in enumerate(lines):
                await InvoiceLine.create(
                    invoice=invoice, description=description, quantity_milli=quantity,
                    unit_price_minor=unit, amount_minor=_amount(quantity, unit), position=position,
                )
        return invoice

    async def payment(
        self,
        invoice: Invoice,
        amount_minor: int | None = None,
        *,
        method: str = "card",
        days_ago: float = 1,
        on: date | None = None,
        status: str = "succeeded",
        card_brand: str = "visa",
        card_last4: str = "4242",
        refunded_minor: int = 0,
        reference: str = "",
        source: str = "staff",
    ) -> Payment:
        """A payment on ``invoice`` (its balance by default), received ``days_ago``
        or at 3 pm on the business's calendar day ``on``; a succeeded one updates
        the invoice's paid amount and marks it paid when nothing is left."""
        amount = invoice.balance_minor if amount_minor is None else amount_minor
        with use_tenant(self.tenant):
            payment = await Payment.create(
                account_id=invoice.account_id,
                invoice=invoice,
                amount_minor=amount,
                refunded_minor=refunded_minor,
                currency=invoice.currency,
                method=method,
                status=status,
                received_at=_on(self.tenant, on, 15) if on else _at(self.tenant, -days_ago, hour=15),
                reference=reference,
                source=source,
                card_brand=card_brand if method == "card" else "",
                card_last4=card_last4 if method == "card" else "",
            )
            if status == "succeeded":
                invoice.paid_minor += amount
                if invoice.paid_minor >= invoice.total_minor:
                    invoice.status = "paid"
                await invoice.save(update_fields=["paid_minor", "status"])
        return payment

    # -- everything at once ---------------------------------------------------

    async def full_account(self, account: CustomerAccount) -> AccountData:
        """One account with one of everything, shared and not:

        * jobs: upcoming (in 3 days), in progress, completed 30 days ago,
          completed 400 days ago (outside the default service history), cancelled;
        * two recent visits with two shared photos each, one old visit, one
          unshared photo;
        * on the upcoming job a shared and an unshared note and file;
        * invoices open (part paid), overdue, paid (with its payment), void and draft.
        """
        upcoming = await self.job(
            account, title="Spring pool opening", days=3,
            description="Remove the cover, start the pump and balance the water.",
            charges=[("Opening labour", 2000, 8500), ("Chlorine tablets", 3000, 1299)],
        )
        in_progress = await self.job(account, title="Heater repair", status="in_progress", days=-1)
        past = await self.job(
            account, title="Green pool clean-up", status="completed", days=-30,
            charges=[("Clean-up labour", 3000, 9000), ("Shock treatment", 4000, 1500)],
        )
        old = await self.job(account, title="Filter replacement", status="completed", days=-400)
        cancelled = await self.job(account, title="Leak inspection", status="cancelled", days=-60)

        recent = [
            await self.visit(past, days_ago=31, notes="Pool was green. Shocked twice, ran the filter overnight.", summary="First clean-up visit", photos=2),
            await self.visit(past, days_ago=30, notes="Water clear. Vacuumed to waste.\nChlorine 3 ppm, pH 7.4.", summary="Follow-up", photos=2),
        ]
        old_visit = await self.visit(old, days_ago=400, notes="Replaced cartridge filter.", summary="Filter swap", photos=1)
        hidden_photo = await self.photo(visit=recent[0], shared=False, caption="Staff only", filename="internal.png")
        with use_tenant(self.tenant):
            shared_photos = await Attachment.filter(visit_id__in=[v.id for v in recent], shared=True).order_by("created_at", "id")

        shared_note = await self.note(upcoming, "Please leave the side gate unlocked.", shared=True)
        hidden_note = await self.note(upcoming, "Customer's dog bites; staff only.", shared=False)
        shared_file = await self.attachment(upcoming, "opening-checklist.pdf", caption="Opening checklist")
        hidden_file = await self.attachment(upcoming, "internal-costing.pdf", shared=False)

        invoices = {
            "open": await self.invoice(account, job=upcoming, lines=[("Opening labour", 2000, 8500)], due_in_days=14),
            "overdue": await self.invoice(account, job=in_progress, lines=[("Heater diagnosis", 1000, 12000)], issued_days_ago=45, due_in_days=-15),
            "paid": await self.invoice(account, job=past, lines=[("Clean-up labour", 3000, 9000), ("Shock treatment", 4000, 1500)], issued_days_ago=29, due_in_days=1),
            "void": await self.invoice(account, job=cancelled, lines=[("Inspection", 1000, 7500)], status="void", issued_days_ago=59),
            "draft": await self.invoice(account, job=upcoming, lines=[("Extra chemicals", 1000, 4000)], status="draft"),
        }
        payments = [
            await self.payment(invoices["open"], 5000, days_ago=2),
            await self.payment(invoices["paid"], days_ago=25, method="cheque", reference="Cheque 1042"),
        ]
        return AccountData(
            account=account,
            upcoming_job=upcoming,
            in_progress_job=in_progress,
            past_job=past,
            old_job=old,
            cancelled_job=cancelled,
            recent_visits=recent,
            old_visit=old_visit,
            shared_photos=list(shared_photos),
            hidden_photo=hidden_photo,
            shared_file=shared_file,
            hidden_file=hidden_file,
            shared_note=shared_note,
            hidden_note=hidden_note,
            invoices=invoices,
            payments=payments,
        )
