"""Sending a quote's draft revision: the one way, for the console and the API alike.

The draft becomes the revision the customer sees (one conditional UPDATE in
:func:`plugins.quotes.revisions.send_revision`, so a double click or a
retried API call sends once), each chosen address gets the email with the
PDF and a private deep link, and plugins hear ``quote.sent``. The caller
writes the audit entry: it knows who acted.
"""

from __future__ import annotations

from core.plugin_state import announce
from core.services import current_services
from core.web.rendering import tenant_today
from plugins.quotes.emails import email_quote
from plugins.quotes.models import Quote, QuoteRevision
from plugins.quotes.revisions import current_revision, send_revision
from tenants.context import current_tenant

QUOTE_SENT = "quote.sent"


async def send_draft(
    quote: Quote, draft: QuoteRevision, recipients: list[tuple[str, str]], *, actor: str, sent_by: str
) -> tuple[Quote, QuoteRevision, int] | None:
    """Send ``draft`` to ``recipients`` (``(email, first name)``); the fresh quote, its revision and the emails queued.

    :param actor: who acted, for plugins (``staff:<email>``, ``api:<client>``).
    :param sent_by: recorded on the emailed deep links.
    :return: None if the draft was sent meanwhile by someone else (nothing emailed).
    :raises plugins.quotes.revisions.RevisionRefused: no lines, or the validity date passed.
    """
    if not await send_revision(quote, draft, tenant_today(current_tenant())):
        return None
    quote = await Quote.get(id=quote.id).select_related("account", "job", "invoice")
    revision = await current_revision(quote)
    queued = await email_quote(current_services(), quote, revision, recipients, sent_by)
    await announce(
        QUOTE_SENT, quote.public_id, actor,
        revision=revision.number, number=quote.number, account=quote.account.public_id,
        total_minor=revision.total_minor, currency=revision.currency,
    )
    return quote, revision, queued
