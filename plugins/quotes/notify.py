"""Who hears about a customer's decision or question (Q4), through the event hook.

The portal announces ``quote.decided`` and ``quote.question`` with
``porchside_event``; this plugin's own implementation of that hook (so it
runs only where the plugin is enabled) then

* notifies the staff member who created the quote, in the console's inbox
  and by email, with the customer's words (:func:`core.notifications.notify_staff`;
  other channels follow through ``porchside_notify``). Without an active
  creator, every active staff member is told, so no decision goes unseen;
* emails the customer a confirmation with a deep link back to the quote.
"""

from __future__ import annotations

from core.contacts import contact_name
from core.models.staff import StaffUser
from core.notifications import notify_staff
from core.records import Event
from core.services import current_services
from core.web.rendering import format_local_datetime, format_money
from plugins.quotes.emails import email_confirmation
from plugins.quotes.models import APPROVED, CHANGES_REQUESTED, REJECTED, Quote, QuoteRevision
from tenants.models import Tenant

DECIDED = "quote.decided"
QUESTION = "quote.question"
EVENTS = (DECIDED, QUESTION)
# The kinds of core.notifications.KNOWN_KINDS, which staff choose to get by
# email: approvals and rejections; questions and requests for changes.
NOTIFICATION_KINDS = {APPROVED: "quote.decided", REJECTED: "quote.decided", CHANGES_REQUESTED: "quote.question", "question": "quote.question"}
VERBS = {
    APPROVED: "approved",
    REJECTED: "rejected",
    CHANGES_REQUESTED: "asked for changes to",
    "question": "asked a question about",
}


def console_path(quote: Quote) -> str:
    return f"/console/quotes/{quote.public_id}"


def _body(quote: Quote, revision: QuoteRevision, kind: str, email: str, message: str, tenant: Tenant) -> str:
    lines = [
        f"Quote {quote.number}: {quote.title}",
        f"Customer: {quote.account.name} ({email})",
        f"Revision {revision.number}, total {format_money(revision.total_minor, revision.currency, tenant)}",
    ]
    if kind == APPROVED:
        signed = f"Signed “{revision.signature_name}”" if revision.signature_name else "Approved without a typed signature"
        lines.append(f"{signed} at {format_local_datetime(revision.decided_at, tenant)} from {revision.decision_ip or 'an unknown address'}.")
    elif kind in (REJECTED, CHANGES_REQUESTED):
        lines.append(f"At {format_local_datetime(revision.decided_at, tenant)}.")
    if message:
        label = {REJECTED: "Reason", CHANGES_REQUESTED: "Changes asked for", "question": "Question"}.get(kind, "Message")
        lines += ["", f"{label}:", message]
    return "\n".join(lines)


async def handle_event(tenant: Tenant, event: Event) -> str | None:
    """Notify the quote's creator and confirm to the customer; None for other events."""
    if event.name not in EVENTS:
        return None
    quote = await Quote.get_or_none(public_id=event.subject).select_related("account", "job")
    if quote is None:
        return None
    revision = await QuoteRevision.get_or_none(quote_id=quote.id, number=event.data.get("revision", quote.revision))
    if revision is None:
        return None
    kind = event.data.get("decision", "question") if event.name == DECIDED else "question"
    email = event.data.get("email", "")
    message = event.data.get("message", "")
    who = (revision.signature_name if kind == APPROVED else "") or await contact_name(quote.account_id, email) or email or "A customer"
    creator = await StaffUser.get_or_none(id=quote.created_by_id, active=True) if quote.created_by_id else None
    services = current_services()
    await notify_staff(
        services,
        kind=NOTIFICATION_KINDS[kind],
        title=f"{who} {VERBS[kind]} quote {quote.number}",
        body=_body(quote, revision, kind, email, message, tenant),
        link=console_path(quote),
        staff=creator,
    )
    if email:
        await email_confirmation(services, quote, revision, email, kind, message)
    return "quotes"
