"""Demo quotes for the demo businesses, in every status (``porchside_demo_seed``).

Quotes are made the way staff and customers make them, through
:mod:`plugins.quotes.revisions` and :mod:`plugins.quotes.decisions`, then
their dates are moved into the past so the list reads like a real one.
Pat Morgan (``pat@example.com``) has quotes waiting for a decision in both
businesses, one of them revised, so the demo can approve, reject and
request changes; other customers show the decided, expired and draft ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from core.models.customers import ContactEmail, CustomerAccount
from core.models.jobs import Job
from core.models.staff import StaffUser
from plugins.quotes.decisions import Decision, decide, mark_viewed
from plugins.quotes.models import APPROVED, CHANGES_REQUESTED, DRAFT, EXPIRED, REJECTED, SENT, VIEWED, Quote, QuoteLine, QuoteRevision
from plugins.quotes.revisions import LineInput, add_lines, create_quote, recompute_totals, send_revision, start_revision
from tenants.models import Tenant

Line = tuple[str, float, int]  # description, quantity, unit price in minor units


@dataclass(frozen=True)
class DemoQuote:
    account: str  # account number
    title: str
    lines: tuple[Line, ...]
    status: str  # draft, sent, viewed, approved, rejected, changes_requested, expired
    sent_days_ago: int = 3
    valid_days: int = 30
    job: str = ""  # title of one of the account's jobs; empty: work not booked yet
    notes: str = ""
    creator: int = 0  # index of the business's staff in the order they were added (the owner first)
    revised_lines: tuple[Line, ...] = ()  # a second revision replaced the first one
    message: str = ""  # the reason or the changes asked for
    decided_by: str = ""  # address; default the account's first one
    signature: str = ""


SUNNY_POOLS = (
    DemoQuote("SP-1001", "Variable-speed pump upgrade", (("Variable-speed pump, 2.7 HP", 1, 145000), ("Installation labour (hours)", 3, 9500), ("Plumbing fittings and unions", 1, 8600)), SENT, 2,
              notes="Cuts the pump's electricity use by about two thirds. Includes haul-away of the old pump."),
    DemoQuote("SP-1001", "Pool heater replacement", (("Gas heater, 400k BTU", 1, 289000), ("Installation and gas hook-up", 1, 65000)), VIEWED, 5, valid_days=21),
    DemoQuote("SP-1001", "Salt chlorinator conversion", (("Salt system with 40k-gallon cell", 1, 129900), ("Installation labour (hours)", 2, 9500), ("Pool salt, 40 lb bags", 8, 1200)), SENT, 9,
              revised_lines=(("Salt system with 40k-gallon cell", 1, 119900), ("Installation labour (hours)", 2, 9500), ("Pool salt, 40 lb bags", 8, 1200), ("Loyal customer discount", 1, -5000))),
    DemoQuote("SP-1001", "Pool resurfacing (pebble finish)", (("Drain, prep and resurface, 450 sq ft", 1, 925000), ("Start-up chemicals", 1, 18500)), EXPIRED, 45, valid_days=30),
    DemoQuote("SP-1002", "Safety fence and self-closing gate", (("Mesh safety fence, per foot", 60, 2800), ("Self-closing, self-latching gate", 1, 42000)), APPROVED, 12, creator=1,
              signature="Pat Morgan"),
    DemoQuote("SP-1003", "Spa jets and heater overhaul", (("Spa jet bodies and inserts", 8, 6500), ("Heater heat exchanger", 1, 98000), ("Labour (hours)", 6, 9500)), REJECTED, 8,
              job="Quarterly equipment inspection", message="The board has postponed this to next year's budget."),
    DemoQuote("SP-1004", "Automatic pool cover", (("Automatic cover, 16 x 32 ft", 1, 1150000), ("Track installation", 1, 160000)), CHANGES_REQUESTED, 6,
              message="Could you quote the manual cover as well? And can the install happen before the 15th?"),
    DemoQuote("SP-1004", "LED pool lights", (("Colour LED pool light", 2, 48000), ("Installation labour (hours)", 2, 9500)), DRAFT, job="Leak detection"),
)

PIPEWORKS = (
    DemoQuote("C-1001", "Whole-house water softener", (("Water softener, 48k grain", 1, 189000), ("Bypass valve and fittings", 1, 12500), ("Installation labour (hours)", 3, 11500)), SENT, 1),
    DemoQuote("C-1001", "Tankless water heater upgrade", (("Tankless water heater, 199k BTU", 1, 215000), ("Venting kit", 1, 38000), ("Installation labour (hours)", 5, 11500)), VIEWED, 10,
              revised_lines=(("Tankless water heater, 180k BTU", 1, 189000), ("Venting kit", 1, 38000), ("Installation labour (hours)", 5, 11500))),
    DemoQuote("C-1001", "Garbage disposal replacement", (("Garbage disposal, 3/4 HP", 1, 27900), ("Installation labour (hours)", 1, 11500)), SENT, 0, valid_days=14),
    DemoQuote("C-1001", "Sewer camera inspection and spot repair", (("Sewer camera inspection", 1, 29500), ("Spot repair, up to 6 ft", 1, 145000)), APPROVED, 20,
              job="Annual plumbing inspection", signature="Pat Morgan"),
    DemoQuote("C-1001", "Water pressure regulator", (("Pressure regulating valve", 1, 18500), ("Labour (hours)", 1.5, 11500)), EXPIRED, 50, valid_days=30),
    DemoQuote("C-1002", "Grease interceptor replacement", (("Grease interceptor, 50 GPM", 1, 420000), ("Excavation and install", 1, 380000)), CHANGES_REQUESTED, 4, creator=1,
              message="Can the work be done on a Monday, when we are closed? Please also price a 35 GPM unit."),
    DemoQuote("C-1003", "Whole-house repipe (PEX)", (("PEX repipe, 2 bath home", 1, 690000), ("Drywall patching", 1, 85000)), REJECTED, 15,
              decided_by="ngozi.okafor@example.net", message="We went with the home warranty's contractor."),
    DemoQuote("C-1003", "Frost-free hose bibs", (("Frost-free hose bib", 2, 6800), ("Labour (hours)", 1, 11500)), DRAFT, job="Hose bib replacement"),
)

DEMO_QUOTES: dict[str, tuple[DemoQuote, ...]] = {"sunny-pools": SUNNY_POOLS, "pipeworks": PIPEWORKS}
TAX_RATES_BP = {"sunny-pools": 860}  # 8.6 % sales tax, as on the business's invoices
DEMO_IP = "203.0.113.24"  # documentation range (RFC 5737)
DEMO_BROWSER = "Demo data"


def _lines(lines: tuple[Line, ...]) -> list[LineInput]:
    out = []
    for description, quantity, unit_price in lines:
        quantity_milli = round(quantity * 1000)
        out.append(LineInput(description, quantity_milli, unit_price, quantity_milli * unit_price // 1000))
    return out


class _Seeder:
    def __init__(self, tenant: Tenant, today: date) -> None:
        self.tenant = tenant
        self.today = today
        self.zone = ZoneInfo(tenant.timezone)
        self.tax_bp = TAX_RATES_BP.get(tenant.slug, 0)

    def moment(self, days_ago: int, hour: int = 10) -> datetime:
        local = datetime.combine(self.today - timedelta(days=days_ago), time(hour), tzinfo=self.zone)
        return min(local.astimezone(timezone.utc), datetime.now(timezone.utc))

    async def taxed(self, revision: QuoteRevision) -> None:
        await recompute_totals(revision)
        revision.tax_minor = (revision.subtotal_minor * self.tax_bp + 5000) // 10000
        await revision.save(update_fields=["tax_minor"])
        await recompute_totals(revision)

    async def send(self, quote: Quote, revision: QuoteRevision, days_ago: int) -> Quote:
        await send_revision(quote, revision, self.today)
        sent_at = self.moment(days_ago)
        await QuoteRevision.filter(id=revision.id).update(sent_at=sent_at)
        await Quote.filter(id=quote.id).update(sent_at=sent_at)
        return await Quote.get(id=quote.id)

    async def quote(self, spec: DemoQuote, staff: list[StaffUser]) -> None:
        account = await CustomerAccount.get(number=spec.account)
        job = await Job.get_or_none(account_id=account.id, title=spec.job) if spec.job else None
        valid_until = self.today - timedelta(days=spec.sent_days_ago) + timedelta(days=spec.valid_days)
        quote, revision = await create_quote(
            account, title=spec.title, currency=self.tenant.currency, job=job,
            created_by=staff[min(spec.creator, len(staff) - 1)] if staff else None,
            valid_until=max(valid_until, self.today), notes=spec.notes, lines=_lines(spec.lines),
        )
        await self.taxed(revision)
        if spec.status == DRAFT:
            return
        await Quote.filter(id=quote.id).update(created_at=self.moment(spec.sent_days_ago + 1, 9))
        quote = await self.send(quote, revision, spec.sent_days_ago)
        if spec.revised_lines:
            draft = await start_revision(quote)
            await QuoteLine.filter(revision_id=draft.id).delete()
            await add_lines(draft, _lines(spec.revised_lines))
            await self.taxed(draft)
            quote = await self.send(quote, draft, max(spec.sent_days_ago - 4, 0))
        if spec.status == EXPIRED:
            await Quote.filter(id=quote.id).update(valid_until=valid_until)
            await QuoteRevision.filter(quote_id=quote.id, number=quote.revision).update(valid_until=valid_until)
            return
        if spec.status == SENT:
            return
        await mark_viewed(quote)
        viewed_at = self.moment(max(spec.sent_days_ago - 1, 0), 19)
        await QuoteRevision.filter(quote_id=quote.id, number=quote.revision).update(viewed_at=viewed_at)
        if spec.status == VIEWED:
            return
        email = spec.decided_by or await self.first_address(account)
        decision = Decision(spec.status, email, signature_name=spec.signature, message=spec.message, ip=DEMO_IP, user_agent=DEMO_BROWSER)
        await decide(quote, quote.revision, decision, self.tenant, self.today)
        decided_at = self.moment(max(spec.sent_days_ago - 2, 0), 15)
        await Quote.filter(id=quote.id).update(decided_at=decided_at)
        await QuoteRevision.filter(quote_id=quote.id, number=quote.revision).update(decided_at=decided_at)

    async def first_address(self, account: CustomerAccount) -> str:
        row = await ContactEmail.filter(contact__account_id=account.id).order_by("id").first()
        return row.email if row else ""


async def seed_demo_quotes(tenant: Tenant, today: date) -> int:
    """Add the demo quotes of ``tenant`` (inside its scope); returns how many."""
    specs = DEMO_QUOTES.get(tenant.slug, ())
    if not specs:
        return 0
    staff = list(await StaffUser.all().order_by("id"))
    seeder = _Seeder(tenant, today)
    for spec in specs:
        await seeder.quote(spec, staff)
    return len(specs)
