"""The ``contacts`` resource: a customer's people, their email addresses and portal access.

Each address carries the "send invoices" flag and, read only, the portal
access of that address (an address may sign in to several accounts of the
business, so access belongs to the address): ``not_invited``, ``invited``
or ``login_created``, with the invite and last sign-in times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from core.api.errors import ApiError
from core.api.fields import Email, ExternalId, PublicId, text
from core.api.resources import ApiContext, ApiModel, ApiResource, Filter, apply_changes, fields_set
from core.contacts import make_primary
from core.i18n import lazy_gettext
from core.models.customers import Contact, ContactEmail, CustomerAccount, PortalLogin

FirstName = text(100, required=True)
LastName = text(100)
Phone = text(40)
MAX_EMAILS = 20


class PortalAccess(ApiModel):
    status: Literal["not_invited", "invited", "login_created"]
    invited_at: datetime | None
    last_sign_in_at: datetime | None


class ContactEmailOut(ApiModel):
    email: str
    send_invoices: bool = Field(description="Whether invoices are emailed to this address.")
    is_primary: bool
    portal: PortalAccess


class ContactOut(ApiModel):
    """A person at a customer, with their email addresses."""

    id: str = Field(description="Public id, starts with ct_.")
    object: Literal["contact"] = "contact"
    customer: str = Field(description="The id of the customer account.")
    first_name: str
    last_name: str
    phone: str
    is_primary: bool = Field(description="The account's main contact (one per account).")
    emails: list[ContactEmailOut]
    external_id: str | None
    created_at: datetime
    updated_at: datetime | None


class EmailIn(ApiModel):
    email: Email
    send_invoices: bool = True


class ContactCreate(ApiModel):
    customer: PublicId
    first_name: FirstName  # type: ignore[valid-type]
    last_name: LastName = ""  # type: ignore[valid-type]
    phone: Phone = ""  # type: ignore[valid-type]
    is_primary: bool = False
    emails: list[EmailIn] = Field(default_factory=list, max_length=MAX_EMAILS, description="The first address is the primary one.")
    external_id: ExternalId | None = None


class ContactUpdate(ApiModel):
    customer: PublicId = None  # type: ignore[assignment]
    first_name: FirstName = None  # type: ignore[valid-type,assignment]
    last_name: LastName = None  # type: ignore[valid-type,assignment]
    phone: Phone = None  # type: ignore[valid-type,assignment]
    is_primary: Literal[True] = Field(default=None, description="true makes this the account's main contact.")  # type: ignore[assignment]
    emails: list[EmailIn] = Field(default=None, max_length=MAX_EMAILS, description="Replaces the addresses: ones left out are removed.")  # type: ignore[assignment]
    external_id: ExternalId | None = None


def _status(login: PortalLogin | None) -> str:
    if login is not None and login.password_set_at is not None:
        return "login_created"
    if login is not None and login.invited_at is not None:
        return "invited"
    return "not_invited"


async def prepare(rows: list[Contact]) -> None:
    """Addresses, account ids and portal logins of a page of contacts: three queries."""
    emails: dict[int, list[ContactEmail]] = {row.id: [] for row in rows}
    for email in await ContactEmail.filter(contact_id__in=list(emails)).order_by("-is_primary", "id"):
        emails[email.contact_id].append(email)
    accounts = dict(await CustomerAccount.filter(id__in={row.account_id for row in rows}).values_list("id", "public_id"))
    addresses = sorted({e.email for found in emails.values() for e in found})
    logins = {login.email: login for login in await PortalLogin.filter(email__in=addresses)} if addresses else {}
    for row in rows:
        row._api_customer = accounts.get(row.account_id, "")  # type: ignore[attr-defined]
        row._api_emails = [  # type: ignore[attr-defined]
            {
                "email": e.email,
                "send_invoices": e.send_invoices,
                "is_primary": e.is_primary,
                "portal": {
                    "status": _status(logins.get(e.email)),
                    "invited_at": getattr(logins.get(e.email), "invited_at", None),
                    "last_sign_in_at": getattr(logins.get(e.email), "last_sign_in_at", None),
                },
            }
            for e in emails[row.id]
        ]


def serialize(row: Contact) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "customer": row._api_customer,  # type: ignore[attr-defined]
        "first_name": row.first_name,
        "last_name": row.last_name,
        "phone": row.phone,
        "is_primary": row.is_primary,
        "emails": row._api_emails,  # type: ignore[attr-defined]
        "external_id": row.external_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


async def _account(public_id: str) -> CustomerAccount:
    account = await CustomerAccount.get_or_none(public_id=public_id)
    if account is None:
        raise ApiError(422, "validation_failed", f"No customer has the id {public_id!r}.", param="customer")
    return account


async def _set_emails(contact: Contact, wanted: list[EmailIn]) -> bool:
    """Make the contact's addresses exactly ``wanted`` (first one primary), keeping rows that stay; True if any changed."""
    unique: dict[str, EmailIn] = {}
    for item in wanted:
        unique.setdefault(item.email, item)
    existing = {e.email: e for e in await ContactEmail.filter(contact_id=contact.id)}
    changed = False
    for email, row in existing.items():
        if email not in unique:
            await row.delete()
            changed = True
    for position, (email, item) in enumerate(unique.items()):
        row = existing.get(email)
        if row is None:
            await ContactEmail.create(contact=contact, email=email, send_invoices=item.send_invoices, is_primary=position == 0)
            changed = True
        elif apply_changes(row, {"send_invoices": item.send_invoices, "is_primary": position == 0}):
            await row.save(update_fields=["send_invoices", "is_primary"])
            changed = True
    return changed


async def create(ctx: ApiContext, data: ContactCreate) -> Contact:
    account = await _account(data.customer)
    first = not await Contact.filter(account_id=account.id).exists()
    contact = await Contact.create(
        account=account,
        first_name=data.first_name,
        last_name=data.last_name,
        phone=data.phone,
        is_primary=first,
        external_id=data.external_id,
    )
    if data.is_primary and not first:
        await make_primary(contact)
    await _set_emails(contact, data.emails)
    return contact


async def update(ctx: ApiContext, row: Contact, data: ContactUpdate | ContactCreate) -> Contact:
    values = fields_set(data, exclude=("customer", "emails", "is_primary"))
    if "customer" in data.model_fields_set and data.customer is not None:
        account = await _account(data.customer)
        if account.id != row.account_id:
            values["account_id"] = account.id
            values["is_primary"] = not await Contact.filter(account_id=account.id).exists()
    changed = apply_changes(row, values)
    if data.is_primary and not row.is_primary:
        await make_primary(row)  # saves the contact
    if "emails" in data.model_fields_set and data.emails is not None and await _set_emails(row, data.emails):
        changed.append("emails")
    if changed:
        await row.save()  # also marks the contact updated when only its addresses changed
    return row


async def delete(ctx: ApiContext, row: Contact) -> None:
    """Remove a contact and its addresses; another contact becomes the primary one if needed."""
    await row.delete()
    if row.is_primary:
        successor = await Contact.filter(account_id=row.account_id).order_by("id").first()
        if successor is not None:
            await make_primary(successor)


RESOURCE = ApiResource(
    name="contacts",
    object="contact",
    model=Contact,
    schema=ContactOut,
    serialize=serialize,
    prepare=prepare,
    create_schema=ContactCreate,
    create=create,
    update_schema=ContactUpdate,
    update=update,
    delete=delete,
    filters=(
        Filter("customer", "account__public_id", description="Contacts of this customer account."),
        Filter("email", "emails__email", description="Contacts with this email address (lower case)."),
    ),
    title=lazy_gettext("Contacts"),
    description=lazy_gettext("People at a customer account, with their email addresses, the 'send invoices' flag and portal access."),
    order=20,
)
