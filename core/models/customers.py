"""Customer accounts, their contacts and the contacts' email addresses.

One email address may stand on contacts of several accounts of the same
tenant (a landlord with two properties); signing in with it lets the person
pick the account. Each address carries its own "send invoices" flag.
"""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel


class CustomerAccount(TenantModel):
    public_id_prefix = "acct"

    number = fields.CharField(max_length=40)
    name = fields.CharField(max_length=200)
    billing_address = fields.TextField(default="")
    phone = fields.CharField(max_length=40, default="")
    archived = fields.BooleanField(default=False)

    contacts: fields.ReverseRelation["Contact"]

    # Set by an integration that syncs this row from another system (unique per tenant).
    external_id = fields.CharField(max_length=120, null=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        app = "core"
        table = "customer_account"
        unique_together = (("tenant", "number"), ("tenant", "external_id"))
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(TenantModel):
    public_id_prefix = "ct"

    account: fields.ForeignKeyRelation[CustomerAccount] = fields.ForeignKeyField(
        "core.CustomerAccount", related_name="contacts", on_delete=fields.CASCADE
    )
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100, default="")
    phone = fields.CharField(max_length=40, default="")
    is_primary = fields.BooleanField(default=False)

    emails: fields.ReverseRelation["ContactEmail"]

    # Set by an integration that syncs this row from another system (unique per tenant).
    external_id = fields.CharField(max_length=120, null=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        app = "core"
        unique_together = (("tenant", "external_id"),)
        table = "contact"
        ordering = ["last_name", "first_name"]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactEmail(TenantModel):
    public_id_prefix = "em"

    contact: fields.ForeignKeyRelation[Contact] = fields.ForeignKeyField(
        "core.Contact", related_name="emails", on_delete=fields.CASCADE
    )
    # Stored lower-cased: addresses are compared case-insensitively.
    email = fields.CharField(max_length=254, db_index=True)
    send_invoices = fields.BooleanField(default=True)
    is_primary = fields.BooleanField(default=True)

    class Meta:
        app = "core"
        table = "contact_email"
        unique_together = (("contact", "email"),)

    async def save(self, *args, **kwargs) -> None:
        self.email = normalise_email(self.email)
        await super().save(*args, **kwargs)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


class PortalLogin(TenantModel):
    """A person's portal identity in one tenant, keyed by email address.

    Holds what belongs to the address rather than to one contact: the password
    set from an invite, invite status and the last sign-in.
    """

    public_id_prefix = "pl"

    email = fields.CharField(max_length=254)
    password_hash = fields.CharField(max_length=200, null=True)
    invited_at = fields.DatetimeField(null=True)
    password_set_at = fields.DatetimeField(null=True)
    last_sign_in_at = fields.DatetimeField(null=True)
    language = fields.CharField(max_length=8, null=True)

    class Meta:
        app = "core"
        table = "portal_login"
        unique_together = (("tenant", "email"),)
