"""Which customer accounts an email address may see in the current tenant."""

from __future__ import annotations

from core.models.customers import ContactEmail, CustomerAccount, normalise_email


async def accounts_for_email(email: str) -> list[CustomerAccount]:
    """Accounts with a contact using ``email``, by name (two queries)."""
    rows = await ContactEmail.filter(email=normalise_email(email)).values_list("contact__account_id", flat=True)
    ids = sorted(set(rows))
    if not ids:
        return []
    return await CustomerAccount.filter(id__in=ids, archived=False).order_by("name")


async def email_has_account(email: str) -> bool:
    return await ContactEmail.filter(email=normalise_email(email), contact__account__archived=False).exists()


async def can_see_invoices(email: str, account: CustomerAccount) -> bool:
    """I4: only addresses with "send invoices" on this account see invoices."""
    return await ContactEmail.filter(
        email=normalise_email(email), contact__account_id=account.id, send_invoices=True
    ).exists()
