"""Customer accounts and their contacts in the back office (S6, A1, I4).

Staff create and edit an account (name, number, billing address, phone),
archive it (its people can no longer sign in; nothing is deleted), and keep
its contacts: name, phone, the primary contact, and each contact's email
addresses with their own "Send invoices" switch. That switch decides who
receives issued invoices and who sees invoices in the portal (I4).

The customers list, search, invites and import live in
:mod:`core.console.customers`; this module is the forms. The edit page also
shows the account's latest jobs and invoices with links to the full lists.
Everything here needs the ``back_office`` permission and is audited.
"""

from __future__ import annotations

from quart import Blueprint, g, redirect, request, url_for

from core.audit import record
from core.console.forms import Field, FormPage, object_or_404, with_done
from core.console.access import staff_required
from core.console.customers import account_or_404, address_or_404, contacts_of, has_page
from core.console.form_fields import FormReader
from core.console.numbering import create_numbered, number_taken
from core.console.actions import console_buttons
from core.console.shell import notice, render_console
from core.contacts import make_primary
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.models.billing import Invoice
from core.models.customers import Contact, ContactEmail, CustomerAccount
from core.models.jobs import Job
from core.web.rendering import tenant_today

blueprint = Blueprint("accounts", __name__, url_prefix="/accounts")

NUMBER_PREFIX = "C-"
RECENT = 5
NOTICES = {
    "created": lazy_gettext("Account created."),
    "saved": lazy_gettext("Account saved."),
    "archived": lazy_gettext("Account archived: its contacts can no longer sign in to the portal."),
    "restored": lazy_gettext("Account restored: its contacts can sign in again."),
    "contact_added": lazy_gettext("Contact added."),
    "contact_saved": lazy_gettext("Contact saved."),
    "contact_deleted": lazy_gettext("Contact removed."),
    "email_added": lazy_gettext("Email address added."),
    "email_saved": lazy_gettext("Email address saved."),
    "email_deleted": lazy_gettext("Email address removed."),
}


def _actor() -> str:
    return g.staff.email


async def _contact_or_404(account: CustomerAccount, contact_id: str) -> Contact:
    return await object_or_404(Contact, contact_id, account_id=account.id)


def _account_values(account: CustomerAccount | None) -> dict[str, str]:
    if account is None:
        return {"send_invoices": "on"}
    return {"name": account.name, "number": account.number, "phone": account.phone, "billing_address": account.billing_address}


async def _read_account(reader: FormReader, account: CustomerAccount | None) -> dict[str, str]:
    fields = {
        "name": reader.text("name", _("Name"), max_length=200, required=True),
        "number": reader.text("number", _("Account number"), max_length=40),
        "phone": reader.text("phone", _("Phone"), max_length=40),
        "billing_address": reader.text("billing_address", _("Billing address"), max_length=2000, multiline=True),
    }
    if fields["number"] and await number_taken(CustomerAccount, fields["number"], exclude_id=account.id if account else None):
        reader.fail("number", _("Another account already has the number %(number)s.", number=fields["number"]))
    return fields


CONTACT = FormPage(
    template="console/accounts/contact_form.html",
    fields=(
        Field("first_name", lazy_gettext("First name"), required=True, max_length=100),
        Field("last_name", lazy_gettext("Last name"), max_length=100),
        Field("contact_phone", lazy_gettext("Phone"), kind="tel", max_length=40),
        Field("primary", lazy_gettext("Primary contact"), kind="checkbox"),
    ),
    audit="contact.updated",
    submit_label=lazy_gettext("Save contact"),
)


def _read_contact(reader: FormReader, *, required: bool = True) -> dict[str, str]:
    return {
        "first_name": reader.text("first_name", _("First name"), max_length=100, required=required),
        "last_name": reader.text("last_name", _("Last name"), max_length=100),
        "phone": reader.text("contact_phone", _("Phone"), max_length=40),
    }


# -- accounts -----------------------------------------------------------------


@blueprint.route("/new", methods=["GET", "POST"])
@staff_required("back_office")
async def new():
    """A new account, with its first contact if one is named (its email receives invoices by default)."""
    if request.method == "GET":
        return await render_console("console/accounts/form.html", account=None, values=_account_values(None), errors={})
    reader = FormReader(await request.form, g.tenant)
    fields = await _read_account(reader, None)
    contact_fields = _read_contact(reader, required=False)
    email = reader.email("email", required=False)
    if (email or contact_fields["last_name"] or contact_fields["phone"]) and not contact_fields["first_name"]:
        reader.fail("first_name", _("Enter the contact's first name."))
    if reader.errors:
        return await render_console("console/accounts/form.html", account=None, values=reader.values, errors=reader.errors), 400
    number = fields.pop("number")
    if number:
        account = await CustomerAccount.create(number=number, **fields)
    else:
        account = await create_numbered(CustomerAccount, NUMBER_PREFIX, **fields)
    if contact_fields["first_name"]:
        contact = await Contact.create(account=account, is_primary=True, **contact_fields)
        if email:
            await ContactEmail.create(contact=contact, email=email, send_invoices=reader.checkbox("send_invoices"))
    await record("account.created", actor_type="staff", actor=_actor(), target=account.public_id, number=account.number)
    return redirect(url_for("console.accounts.edit", account_id=account.public_id, done="created"))


async def _edit_page(account: CustomerAccount, values: dict[str, str], errors: dict[str, str], status: int = 200):
    from core.console.invoices import STATUS_LABELS as INVOICE_STATUS_LABELS
    from core.portal.work import STATUS_LABELS as JOB_STATUS_LABELS

    jobs = await Job.filter(account_id=account.id).order_by("-scheduled_start", "-id").limit(RECENT)
    invoices = await Invoice.filter(account_id=account.id).order_by("-id").limit(RECENT)
    contacts, _logins = await contacts_of([account])
    body = await render_console(
        "console/accounts/form.html",
        account=account,
        values=values,
        errors=errors,
        notice=notice(NOTICES),
        jobs=jobs,
        invoices=invoices,
        contacts=contacts[account.id],
        today=tenant_today(g.tenant),
        job_status_labels=JOB_STATUS_LABELS,
        invoice_status_labels=INVOICE_STATUS_LABELS,
        customer_url=url_for("console.customers.detail", account_id=account.public_id) if has_page("console.customers.detail") else None,
        actions=await console_buttons("account", account),
    )
    return body, status


@blueprint.route("/<account_id>/edit", methods=["GET", "POST"])
@staff_required("back_office")
async def edit(account_id: str):
    account = await account_or_404(account_id)
    if request.method == "GET":
        return await _edit_page(account, _account_values(account), {})
    reader = FormReader(await request.form, g.tenant)
    fields = await _read_account(reader, account)
    if not fields["number"]:
        reader.fail("number", _("Enter the account number."))
    if reader.errors:
        return await _edit_page(account, reader.values, reader.errors, 400)
    changed = sorted(name for name, value in fields.items() if getattr(account, name) != value)
    for name, value in fields.items():
        setattr(account, name, value)
    await account.save(update_fields=list(fields))
    await record("account.updated", actor_type="staff", actor=_actor(), target=account.public_id, changed=changed)
    return redirect(url_for("console.accounts.edit", account_id=account.public_id, done="saved"))


@blueprint.post("/<account_id>/archive")
@staff_required("back_office")
async def archive(account_id: str):
    """Archive (``archived=on``) or restore an account; its data stays."""
    account = await account_or_404(account_id)
    archived = (await request.form).get("archived") == "on"
    if account.archived != archived:
        account.archived = archived
        await account.save(update_fields=["archived"])
        await record("account.archived" if archived else "account.restored", actor_type="staff", actor=_actor(), target=account.public_id)
    return redirect(url_for("console.accounts.edit", account_id=account.public_id, done="archived" if archived else "restored"))


# -- contacts -----------------------------------------------------------------


async def _contacts_page(account: CustomerAccount, errors: dict[str, str] | None = None, values: dict | None = None, status: int = 200):
    contacts, _logins = await contacts_of([account])
    body = await render_console(
        "console/accounts/contacts.html",
        account=account,
        contacts=contacts[account.id],
        errors=errors or {},
        values=values if values is not None else {"send_invoices": "on"},
        notice=notice(NOTICES),
    )
    return body, status


def _to_contacts(account: CustomerAccount, done: str):
    return with_done(url_for("console.accounts.contacts", account_id=account.public_id), done)


@blueprint.get("/<account_id>/contacts")
@staff_required("back_office")
async def contacts(account_id: str):
    return await _contacts_page(await account_or_404(account_id))


@blueprint.post("/<account_id>/contacts")
@staff_required("back_office")
async def add_contact(account_id: str):
    account = await account_or_404(account_id)
    reader = FormReader(await request.form, g.tenant)
    fields = _read_contact(reader)
    email = reader.email("email", required=False)
    if reader.errors:
        return await _contacts_page(account, reader.errors, reader.values, 400)
    first = not await Contact.filter(account_id=account.id).exists()
    contact = await Contact.create(account=account, is_primary=first, **fields)
    if reader.checkbox("primary"):
        await make_primary(contact)
    if email:
        await ContactEmail.create(contact=contact, email=email, send_invoices=reader.checkbox("send_invoices"))
    await record("contact.created", actor_type="staff", actor=_actor(), target=contact.public_id, account=account.public_id)
    return _to_contacts(account, "contact_added")


@blueprint.route("/<account_id>/contacts/<contact_id>/edit", methods=["GET", "POST"])
@staff_required("back_office")
async def edit_contact(account_id: str, contact_id: str):
    account = await account_or_404(account_id)
    contact = await _contact_or_404(account, contact_id)
    context = {"account": account, "contact": contact, "heading": contact.full_name, "page_title": f"{contact.full_name} · {account.name}"}
    if request.method == "GET":
        values = {"first_name": contact.first_name, "last_name": contact.last_name, "contact_phone": contact.phone, "primary": "on" if contact.is_primary else ""}
        return await CONTACT.show(values, **context)

    async def save(data: dict) -> Contact:
        contact.first_name, contact.last_name, contact.phone = data["first_name"], data["last_name"], data["contact_phone"]
        await contact.save(update_fields=["first_name", "last_name", "phone"])
        if data["primary"]:
            await make_primary(contact)
        return contact

    return await CONTACT.submit(
        save, lambda _: url_for("console.accounts.contacts", account_id=account.public_id), "contact_saved",
        audit_detail=lambda _: {"account": account.public_id}, **context,
    )


@blueprint.post("/<account_id>/contacts/<contact_id>/delete")
@staff_required("back_office")
async def delete_contact(account_id: str, contact_id: str):
    """Remove a contact and its addresses; another contact becomes primary if needed."""
    account = await account_or_404(account_id)
    contact = await _contact_or_404(account, contact_id)
    was_primary = contact.is_primary
    await contact.delete()
    if was_primary:
        successor = await Contact.filter(account_id=account.id).order_by("id").first()
        if successor is not None:
            await make_primary(successor)
    await record("contact.deleted", actor_type="staff", actor=_actor(), target=contact.public_id, account=account.public_id)
    return _to_contacts(account, "contact_deleted")


@blueprint.post("/<account_id>/contacts/<contact_id>/emails")
@staff_required("back_office")
async def add_email(account_id: str, contact_id: str):
    account = await account_or_404(account_id)
    contact = await _contact_or_404(account, contact_id)
    reader = FormReader(await request.form, g.tenant)
    email = reader.email("email")
    if email and await ContactEmail.filter(contact_id=contact.id, email=email).exists():
        reader.fail("email", _("%(email)s is already on this contact.", email=email))
    if reader.errors:
        errors = {f"email_{contact.public_id}": reader.errors["email"]}
        return await _contacts_page(account, errors, {f"email_{contact.public_id}": reader.raw("email")}, 400)
    first = not await ContactEmail.filter(contact_id=contact.id).exists()
    row = await ContactEmail.create(contact=contact, email=email, send_invoices=reader.checkbox("send_invoices"), is_primary=first)
    await record("contact_email.added", actor_type="staff", actor=_actor(), target=row.public_id, email=email, send_invoices=row.send_invoices)
    return _to_contacts(account, "email_added")


@blueprint.post("/<account_id>/emails/<email_id>")
@staff_required("back_office")
async def update_email(account_id: str, email_id: str):
    """Switch "Send invoices" on or off for one address (I4)."""
    account = await account_or_404(account_id)
    row = await address_or_404(account, email_id)
    send = (await request.form).get("send_invoices") == "on"
    if row.send_invoices != send:
        row.send_invoices = send
        await row.save(update_fields=["send_invoices"])
        await record("contact_email.updated", actor_type="staff", actor=_actor(), target=row.public_id, email=row.email, send_invoices=send)
    return _to_contacts(account, "email_saved")


@blueprint.post("/<account_id>/emails/<email_id>/delete")
@staff_required("back_office")
async def delete_email(account_id: str, email_id: str):
    account = await account_or_404(account_id)
    row = await address_or_404(account, email_id)
    await row.delete()
    if row.is_primary:
        successor = await ContactEmail.filter(contact_id=row.contact_id).order_by("id").first()
        if successor is not None:
            successor.is_primary = True
            await successor.save(update_fields=["is_primary"])
    await record("contact_email.removed", actor_type="staff", actor=_actor(), target=row.public_id, email=row.email)
    return _to_contacts(account, "email_deleted")
