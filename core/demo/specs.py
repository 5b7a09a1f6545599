"""The shapes of the demo data: small frozen records the seeder turns into rows.

Dates are whole days relative to the day of seeding (negative = in the past),
so the demo always has recent history and upcoming work. Money is in integer
minor units (cents). A record that contradicts itself (an "overdue" invoice
that is not yet due, a payment in the future) raises at import time, so the
data cannot drift into an inconsistent demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

InvoiceState = Literal["draft", "open", "overdue", "paid", "void"]
JobState = Literal["scheduled", "in_progress", "completed", "cancelled"]


@dataclass(frozen=True)
class StaffSpec:
    name: str
    email: str
    role: Literal["owner", "admin", "staff"]


@dataclass(frozen=True)
class EmailSpec:
    address: str
    send_invoices: bool = True


@dataclass(frozen=True)
class ContactSpec:
    first_name: str
    last_name: str
    phone: str
    emails: tuple[EmailSpec, ...]
    is_primary: bool = False


@dataclass(frozen=True)
class ChargeSpec:
    """A job charge; ``quantity`` is a decimal string so ``"1.5"`` hours stays exact."""

    description: str
    unit_price: int
    quantity: str = "1"

    @property
    def quantity_milli(self) -> int:
        return int(Decimal(self.quantity) * 1000)

    @property
    def amount(self) -> int:
        # Half-up rounding to the cent, as a till would.
        return (self.quantity_milli * self.unit_price + 500) // 1000


@dataclass(frozen=True)
class PhotoSpec:
    """A visit photo: ``subject`` names a drawing in :mod:`core.demo.pictures`."""

    subject: str
    caption: str


@dataclass(frozen=True)
class VisitSpec:
    day: int
    summary: str
    notes: str
    photos: tuple[PhotoSpec, ...]
    hour: int = 9
    hours: float = 1.5

    def __post_init__(self) -> None:
        if self.day >= 0:
            raise ValueError(f"visit {self.summary!r} is completed, so it lies before today")
        if not 1 <= len(self.photos) <= 3:
            raise ValueError(f"visit {self.summary!r} needs one to three photos")


@dataclass(frozen=True)
class NoteSpec:
    body: str
    author: str
    shared: bool


@dataclass(frozen=True)
class FileSpec:
    """A job attachment: ``.pdf`` files are drawn as a one-page document, ``.txt`` kept as text."""

    filename: str
    title: str
    lines: tuple[str, ...]
    shared: bool
    caption: str = ""


@dataclass(frozen=True)
class PaymentSpec:
    """A payment of ``percent`` of the invoice total, ``days_after_issue`` after it was issued."""

    method: Literal["card", "cash", "cheque", "bank"]
    days_after_issue: int
    percent: int = 100
    reference: str = ""
    card: tuple[str, str] = ("visa", "4242")


@dataclass(frozen=True)
class InvoiceSpec:
    """An invoice of a job's charges. ``issued_day`` is None for a draft."""

    state: InvoiceState
    issued_day: int | None
    terms_days: int = 15
    payments: tuple[PaymentSpec, ...] = ()
    memo: str = ""

    @property
    def due_day(self) -> int | None:
        return None if self.issued_day is None else self.issued_day + self.terms_days

    def __post_init__(self) -> None:
        paid = sum(p.percent for p in self.payments)
        problems = {
            "draft": self.issued_day is not None or bool(self.payments),
            "void": self.issued_day is None or bool(self.payments),
            "paid": self.issued_day is None or paid != 100,
            "open": self.due_day is None or self.due_day < 0 or paid >= 100,
            "overdue": self.due_day is None or self.due_day >= 0 or paid >= 100,
        }
        if problems[self.state]:
            raise ValueError(f"invoice spec contradicts its state {self.state!r}: {self}")
        for payment in self.payments:
            if self.issued_day is not None and self.issued_day + payment.days_after_issue >= 0:
                raise ValueError(f"payment {payment} must be received before today")


@dataclass(frozen=True)
class JobSpec:
    title: str
    day: int
    status: JobState
    charges: tuple[ChargeSpec, ...] = ()
    visits: tuple[VisitSpec, ...] = ()
    notes: tuple[NoteSpec, ...] = ()
    files: tuple[FileSpec, ...] = ()
    invoices: tuple[InvoiceSpec, ...] = ()
    description: str = ""
    technician: int = 1  # index into the tenant's staff
    hour: int = 8
    hours: float = 2.0
    invoice_view: Literal["detailed", "summary"] = "detailed"

    def __post_init__(self) -> None:
        if self.status == "completed" and not self.visits:
            raise ValueError(f"completed job {self.title!r} needs at least one visit")
        if self.status == "scheduled" and self.day <= 0:
            raise ValueError(f"scheduled job {self.title!r} should lie in the future")
        if self.status != "completed" and (self.visits or self.invoices):
            raise ValueError(f"only completed jobs have visits and invoices ({self.title!r})")


@dataclass(frozen=True)
class AccountSpec:
    name: str
    address: str
    phone: str
    contacts: tuple[ContactSpec, ...]
    jobs: tuple[JobSpec, ...]


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    name: str
    trade: str
    profile: dict = field(hash=False)  # Tenant columns: contact details, colour, zone
    tax_rate_bp: int  # sales tax in basis points (860 = 8.6 %)
    account_prefix: str
    job_prefix: str
    first_job_number: int
    invoice_prefix: str
    first_invoice_number: int
    staff: tuple[StaffSpec, ...]
    accounts: tuple[AccountSpec, ...]

    def customer_emails(self) -> list[tuple[str, int]]:
        """Each customer email with the number of accounts it signs in to, in order."""
        counts: dict[str, int] = {}
        for account in self.accounts:
            addresses = dict.fromkeys(e.address for c in account.contacts for e in c.emails)
            for address in addresses:
                counts[address] = counts.get(address, 0) + 1
        return list(counts.items())
