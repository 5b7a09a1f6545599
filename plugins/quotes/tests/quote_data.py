"""Small factories for the quotes plugin's tests.

They make quotes the way the console does (:mod:`plugins.quotes.revisions`),
inside the tenant's scope, so a test starts from a quote in the state it
needs: a draft, sent, viewed, revised or past its validity date.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.models.customers import CustomerAccount
from core.models.jobs import Job
from core.models.staff import StaffUser
from core.web.rendering import tenant_today
from plugins.quotes.decisions import mark_viewed
from plugins.quotes.models import Quote, QuoteLine, QuoteRevision
from plugins.quotes.revisions import LineInput, add_lines, create_quote, send_revision, start_revision
from tenants.context import use_tenant
from tenants.models import Tenant

PAT = "pat@example.com"
SAM = "sam@example.com"  # a second address on Pat's account, without "send invoices"
DEFAULT_LINES = (("Pump replacement", 1000, 120000), ("Labour (hours)", 2500, 9000))


def lines_of(spec) -> list[LineInput]:
    return [LineInput(d, q, p, q * p // 1000) for d, q, p in spec]


async def make_staff(tenant: Tenant, email: str = "maria@acme.test", name: str = "Maria Delgado", role: str = "staff") -> StaffUser:
    with use_tenant(tenant):
        staff = await StaffUser.get_or_none(email=email)
        return staff or await StaffUser.create(email=email, name=name, role=role)


async def make_quote(
    tenant: Tenant,
    account: CustomerAccount,
    *,
    title: str = "New pool pump",
    lines=DEFAULT_LINES,
    send: bool = True,
    viewed: bool = False,
    valid_days: int | None = 30,
    job: Job | None = None,
    creator: StaffUser | None = None,
    revised_lines=None,
) -> Quote:
    """A quote for ``account``; sent (revision 1) unless ``send`` is false.

    ``revised_lines`` sends a second revision with those lines, so revision
    1 is superseded. ``valid_days`` counts from today (None: no end date).
    """
    with use_tenant(tenant):
        today = tenant_today(tenant)
        valid_until = today + timedelta(days=valid_days) if valid_days is not None else None
        quote, revision = await create_quote(
            account, title=title, currency=tenant.currency, job=job, created_by=creator,
            valid_until=valid_until, lines=lines_of(lines),
        )
        if send:
            await send_revision(quote, revision, today)
        if send and revised_lines is not None:
            quote = await Quote.get(id=quote.id)
            draft = await start_revision(quote)
            await QuoteLine.filter(revision_id=draft.id).delete()
            await add_lines(draft, lines_of(revised_lines))
            await send_revision(quote, draft, today)
        quote = await Quote.get(id=quote.id)
        if viewed:
            await mark_viewed(quote)
        return await Quote.get(id=quote.id)


async def expire(tenant: Tenant, quote: Quote, on: date | None = None) -> None:
    """Move the quote's validity date into the past (yesterday by default)."""
    with use_tenant(tenant):
        day = on or tenant_today(tenant) - timedelta(days=1)
        await Quote.filter(id=quote.id).update(valid_until=day)
        await QuoteRevision.filter(quote_id=quote.id, number=quote.revision).update(valid_until=day)


async def reload(tenant: Tenant, quote: Quote) -> Quote:
    with use_tenant(tenant):
        return await Quote.get(id=quote.id)


async def revision(tenant: Tenant, quote: Quote, number: int) -> QuoteRevision:
    with use_tenant(tenant):
        return await QuoteRevision.get(quote_id=quote.id, number=number)
