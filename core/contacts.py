"""Who to write to at a customer account, and what to call them.

An account's people are :class:`~core.models.customers.Contact` rows, each
with one or more :class:`~core.models.customers.ContactEmail` addresses;
an address with ``send_invoices`` on gets invoices, receipts and
statements. Core and plugins ask here instead of querying contacts
themselves, so "each address once, first name to greet" means the same
everywhere.
"""

from __future__ import annotations

from datetime import datetime, timezone

from core.models.customers import Contact, ContactEmail


async def account_addresses(account_id: int, *, billing_only: bool = False) -> list[tuple[str, str]]:
    """``(email, first name)`` of each address of the account, each address once.

    :param billing_only: only the addresses with "Send invoices" on.
    """
    query = ContactEmail.filter(contact__account_id=account_id)
    if billing_only:
        query = query.filter(send_invoices=True)
    seen: dict[str, str] = {}
    for row in await query.select_related("contact").order_by("email", "id"):
        seen.setdefault(row.email, row.contact.first_name)
    return list(seen.items())


async def contact_name(account_id: int, email: str) -> str:
    """The full name of the account's contact with this address ("" if none)."""
    row = await ContactEmail.filter(email=email, contact__account_id=account_id).select_related("contact").first()
    return row.contact.full_name if row else ""


async def make_primary(contact: Contact) -> None:
    """Make ``contact`` the one primary contact of its account (console and API alike)."""
    await Contact.filter(account_id=contact.account_id, is_primary=True).exclude(id=contact.id).update(
        is_primary=False, updated_at=datetime.now(timezone.utc)  # QuerySet.update skips auto_now: keep updated_since true
    )
    if not contact.is_primary:
        contact.is_primary = True
        await contact.save(update_fields=["is_primary"])
