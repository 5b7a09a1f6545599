"""Which customer accounts an email address may see in the current tenant."""

from __future__ import annotations

from core.models.customers import ContactEmail, CustomerAccount, normalise_email


async def memberships(email: str) -> list[tuple[CustomerAccount, bool]]:
    """``(account, sees invoices)`` of each account with a contact using ``email``, by name (one query).

    An address on several contacts of one account sees its invoices when
    any of them has "send invoices". Archived accounts are left out.
    """
    rows = await ContactEmail.filter(
        email=normalise_email(email), contact__account__archived=False
    ).select_related("contact__account")
    found: dict[int, tuple[CustomerAccount, bool]] = {}
    for row in rows:
        account = row.contact.account
        seen = found.get(account.id)
        found[account.id] = (account, row.send_invoices or (seen is not None and seen[1]))
    return sorted(found.values(), key=lambda item: (item[0].name, item[0].id))


async def accounts_for_email(email: str) -> list[CustomerAccount]:
    """Accounts with a contact using ``email``, by name (one query)."""
    return [account for account, _ in await memberships(email)]


async def email_has_account(email: str) -> bool:
    return await ContactEmail.filter(email=normalise_email(email), contact__account__archived=False).exists()
