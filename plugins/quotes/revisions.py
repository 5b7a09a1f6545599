"""Writing quotes: create, edit the draft revision, send it, start a new revision (Q5).

Only a ``draft`` revision is ever edited. Sending it is one conditional
UPDATE (``status='draft'`` -> ``'sent'``), so a double click sends once; it
becomes the quote's current revision, and a previous revision still waiting
for a decision is marked ``superseded``. Decided revisions are never
touched: a change after a decision is a new draft revision
(:func:`start_revision`), copied from the latest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.console.numbering import create_numbered
from core.i18n import lazy_gettext
from core.models.customers import CustomerAccount
from core.models.jobs import Job
from core.models.staff import StaffUser
from plugins.quotes.models import DRAFT, OPEN_STATUSES, SENT, SUPERSEDED, Quote, QuoteLine, QuoteRevision

NUMBER_PREFIX = "Q-"


class RevisionRefused(Exception):
    """The change cannot be made as asked; the message says why, for staff."""


@dataclass(frozen=True)
class LineInput:
    """A priced line as typed (amount already computed from quantity and unit price)."""

    description: str
    quantity_milli: int
    unit_price_minor: int
    amount_minor: int


async def create_quote(
    account: CustomerAccount,
    *,
    title: str,
    currency: str,
    job: Job | None = None,
    created_by: StaffUser | None = None,
    valid_until: date | None = None,
    notes: str = "",
    lines: Iterable[LineInput] = (),
) -> tuple[Quote, QuoteRevision]:
    """A new quote with its first revision, a draft, numbered ``Q-1001``, ``Q-1002``...

    Not one transaction: numbering retries after a lost race on the unique
    number, which a surrounding PostgreSQL transaction would not survive.
    """
    quote = await create_numbered(
        Quote,
        NUMBER_PREFIX,
        account=account,
        job=job,
        title=title,
        currency=currency,
        valid_until=valid_until,
        created_by=created_by,
        created_by_name=created_by.name if created_by else "",
    )
    revision = await QuoteRevision.create(
        quote=quote, number=1, title=title, notes=notes, valid_until=valid_until, currency=currency
    )
    await add_lines(revision, lines)
    return quote, revision


async def add_lines(revision: QuoteRevision, lines: Iterable[LineInput]) -> None:
    """Append lines to a draft revision and recompute its totals."""
    start = await QuoteLine.filter(revision_id=revision.id).count()
    rows = [QuoteLine(revision=revision, position=start + n, **vars(line)) for n, line in enumerate(lines)]
    if rows:
        await QuoteLine.bulk_create(rows)
    await recompute_totals(revision)


async def recompute_totals(revision: QuoteRevision) -> None:
    """Subtotal from the lines, total with the tax, in minor units (never typed)."""
    amounts = await QuoteLine.filter(revision_id=revision.id).values_list("amount_minor", flat=True)
    revision.subtotal_minor = sum(amounts)
    revision.total_minor = revision.subtotal_minor + revision.tax_minor
    await revision.save(update_fields=["subtotal_minor", "total_minor"])


async def current_revision(quote: Quote) -> QuoteRevision | None:
    """The revision the customer sees (None before the first send)."""
    if not quote.was_sent:
        return None
    return await QuoteRevision.get_or_none(quote_id=quote.id, number=quote.revision)


async def draft_revision(quote: Quote) -> QuoteRevision | None:
    """The revision staff are editing, if any (there is at most one)."""
    return await QuoteRevision.get_or_none(quote_id=quote.id, status=DRAFT)


async def start_revision(quote: Quote) -> QuoteRevision:
    """A new draft revision copied from the latest one; the existing draft if there is one.

    Two clicks at once make one draft: the second trips the unique
    ``(quote, number)`` index and gets the first one's draft.
    """
    draft = await draft_revision(quote)
    if draft is not None:
        return draft
    try:
        async with in_transaction():
            latest = await QuoteRevision.filter(quote_id=quote.id).order_by("-number").first()
            number = latest.number + 1 if latest else 1
            draft = await QuoteRevision.create(
                quote=quote,
                number=number,
                title=latest.title if latest else quote.title,
                notes=latest.notes if latest else "",
                valid_until=latest.valid_until if latest else quote.valid_until,
                currency=quote.currency,
                tax_minor=latest.tax_minor if latest else 0,
            )
            copied = await QuoteLine.filter(revision_id=latest.id) if latest else []
            await add_lines(
                draft,
                [LineInput(row.description, row.quantity_milli, row.unit_price_minor, row.amount_minor) for row in copied],
            )
    except IntegrityError:
        draft = await draft_revision(quote)
        if draft is None:
            raise
    return draft


async def send_revision(quote: Quote, revision: QuoteRevision, today: date) -> bool:
    """Make the draft ``revision`` the quote's current one, sent now.

    :return: False when it had already been sent (a double click).
    :raises RevisionRefused: no lines, or a validity date in the past.
    """
    now = datetime.now(timezone.utc)
    async with in_transaction():
        amounts = await QuoteLine.filter(revision_id=revision.id).values_list("amount_minor", flat=True)
        if not amounts:
            raise RevisionRefused(lazy_gettext("Add at least one line before sending the quote."))
        if revision.valid_until is not None and revision.valid_until < today:
            raise RevisionRefused(lazy_gettext("The quote's validity date has passed. Choose a later date before sending it."))
        subtotal = sum(amounts)
        total = subtotal + revision.tax_minor
        sent = await QuoteRevision.filter(id=revision.id, status=DRAFT).update(
            status=SENT, sent_at=now, subtotal_minor=subtotal, total_minor=total
        )
        if not sent:
            return False
        # An earlier revision nobody decided on is replaced; decided ones stay as they were.
        await QuoteRevision.filter(quote_id=quote.id, number__lt=revision.number, status__in=OPEN_STATUSES).update(
            status=SUPERSEDED
        )
        await Quote.filter(id=quote.id).update(
            updated_at=now,
            revision=revision.number,
            status=SENT,
            title=revision.title,
            valid_until=revision.valid_until,
            total_minor=total,
            sent_at=now,
            decided_at=None,
        )
    return True


async def require_draft(quote: Quote) -> QuoteRevision:
    """The draft revision, or RevisionRefused telling staff to start one."""
    draft = await draft_revision(quote)
    if draft is None:
        raise RevisionRefused(lazy_gettext("This version was sent to the customer and cannot change. Start a new revision to edit the quote."))
    return draft
