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
from core.i18n import business_language, gettext as _, language
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
# The notification's title, a function of who= and number=.
TITLES = {
    APPROVED: lambda **words: _("%(who)s approved quote %(number)s", **words),
    REJECTED: lambda **words: _("%(who)s rejected quote %(number)s", **words),
    CHANGES_REQUESTED: lambda **words: _("%(who)s asked for changes to quote %(number)s", **words),
    "question": lambda **words: _("%(who)s asked a question about quote %(number)s", **words),
}


def console_path(quote: Quote) -> str:
    return f"/console/quotes/{quote.public_id}"


def _body(quote: Quote, revision: QuoteRevision, kind: str, email: str, message: str, tenant: Tenant) -> str:
    money = format_money(revision.total_minor, revision.currency, tenant)
    lines = [
        _("Quote %(number)s: %(title)s", number=quote.number, title=quote.title),
        _("Customer: %(name)s (%(email)s)", name=quote.account.name, email=email),
        _("Revision %(revision)d, total %(total)s", revision=revision.number, total=money),
    ]
    if kind == APPROVED:
        when = format_local_datetime(revision.decided_at, tenant)
        address = revision.decision_ip or _("an unknown address")
        if revision.signature_name:
            lines.append(_("Signed “%(signature)s” at %(when)s from %(address)s.", signature=revision.signature_name, when=when, address=address))
        else:
            lines.append(_("Approved without a typed signature at %(when)s from %(address)s.", when=when, address=address))
    elif kind in (REJECTED, CHANGES_REQUESTED):
        lines.append(_("At %(when)s.", when=format_local_datetime(revision.decided_at, tenant)))
    if message:
        label = {REJECTED: _("Reason:"), CHANGES_REQUESTED: _("Changes asked for:"), "question": _("Question:")}.get(kind) or _("Message:")
        lines += ["", label, message]
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
    creator = await StaffUser.get_or_none(id=quote.created_by_id, active=True) if quote.created_by_id else None
    services = current_services()
    # Written in the creator's language, else the business's (the event may come from a customer's request in another).
    with language((creator.language if creator is not None else None) or business_language(tenant)):
        who = (revision.signature_name if kind == APPROVED else "") or await contact_name(quote.account_id, email) or email or _("A customer")
        title = TITLES[kind](who=who, number=quote.number)
        body = _body(quote, revision, kind, email, message, tenant)
    await notify_staff(
        services,
        kind=NOTIFICATION_KINDS[kind],
        title=title,
        body=body,
        link=console_path(quote),
        staff=creator,
    )
    if email:
        await email_confirmation(services, quote, revision, email, kind, message)
    return "quotes"
