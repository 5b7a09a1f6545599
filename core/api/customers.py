"""The ``customers`` resource: customer accounts (``CustomerAccount``).

Archiving is ``PATCH {"archived": true}``; accounts are never deleted
through the API, since their invoices and payments hang on them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from core.api.errors import ApiError
from core.api.fields import ExternalId, text
from core.api.resources import ApiContext, ApiModel, ApiResource, Filter, apply_changes, fields_set
from core.console.accounts import NUMBER_PREFIX
from core.console.numbering import create_numbered, number_taken
from core.i18n import lazy_gettext
from core.models.customers import CustomerAccount

Name = text(200, required=True)
Number = text(40, required=True)
Address = text(2000)
Phone = text(40)


class Customer(ApiModel):
    """A customer account: the business's client, billed and served at one or more addresses."""

    id: str = Field(description="Public id, starts with acct_.")
    object: Literal["customer"] = "customer"
    number: str = Field(description="The account number people read (C-1001), unique per business.")
    name: str
    billing_address: str
    phone: str
    archived: bool
    external_id: str | None = Field(description="Your system's id for this account, if set.")
    created_at: datetime
    updated_at: datetime | None


class CustomerCreate(ApiModel):
    name: Name  # type: ignore[valid-type]
    number: Number | None = Field(default=None, description="Leave out to continue the business's numbering.")  # type: ignore[valid-type]
    billing_address: Address = ""  # type: ignore[valid-type]
    phone: Phone = ""  # type: ignore[valid-type]
    archived: bool = False
    external_id: ExternalId | None = None


class CustomerUpdate(ApiModel):
    name: Name = None  # type: ignore[valid-type,assignment]
    number: Number = None  # type: ignore[valid-type,assignment]
    billing_address: Address = None  # type: ignore[valid-type,assignment]
    phone: Phone = None  # type: ignore[valid-type,assignment]
    archived: bool = None  # type: ignore[assignment]
    external_id: ExternalId | None = None


def serialize(row: CustomerAccount) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "number": row.number,
        "name": row.name,
        "billing_address": row.billing_address,
        "phone": row.phone,
        "archived": row.archived,
        "external_id": row.external_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


async def _check_number(number: str | None, exclude_id: int | None = None) -> None:
    if number and await number_taken(CustomerAccount, number, exclude_id=exclude_id):
        raise ApiError(409, "number_taken", f"Another customer already has the number {number}.", param="number")


async def create(ctx: ApiContext, data: CustomerCreate) -> CustomerAccount:
    values = data.model_dump(exclude={"number"})
    await _check_number(data.number)
    if data.number:
        return await CustomerAccount.create(number=data.number, **values)
    return await create_numbered(CustomerAccount, NUMBER_PREFIX, **values)


async def update(ctx: ApiContext, row: CustomerAccount, data: CustomerUpdate | CustomerCreate) -> CustomerAccount:
    values = fields_set(data)
    if values.get("number") is None:
        values.pop("number", None)  # an upsert without a number keeps the one the account has
    await _check_number(values.get("number"), exclude_id=row.id)
    if apply_changes(row, values):
        await row.save()
    return row


RESOURCE = ApiResource(
    name="customers",
    object="customer",
    model=CustomerAccount,
    schema=Customer,
    serialize=serialize,
    create_schema=CustomerCreate,
    create=create,
    update_schema=CustomerUpdate,
    update=update,
    filters=(
        Filter("number", "number", description="The account number."),
        Filter("archived", "archived", kind="boolean", description="true: archived accounts only; false: active only."),
    ),
    title=lazy_gettext("Customers"),
    description=lazy_gettext("Customer accounts. Archive one with PATCH archived=true; they are not deleted."),
    order=10,
)
