"""docs/models.md, written from the models: ``python -m core.models.reference`` (``--check`` to compare).

For each core table a plugin may meet: what a row is (the class docstring),
its fields with type and meaning (the field's ``description``, else the
comment just above it in the source, else :data:`MEANINGS`), and whether a
plugin may read it, write it, or should leave it to core (:data:`ACCESS`).
``tests/test_models_reference.py`` fails when the file is stale.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import io
import re
import sys
import textwrap
import tokenize
from pathlib import Path

from tortoise import fields as tortoise_fields
from tortoise.models import Model

from core.models import MODEL_MODULES

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "models.md"
COMMAND = "python -m core.models.reference"

# What a plugin may do with each table, and how. Models missing here are core's own.
READ_WRITE = "read, write"
READ = "read"
CORE_ONLY = "core only"
ACCESS: dict[str, tuple[str, str]] = {
    "Tenant": (READ, "The business. Read it for its name, time zone, currency and locale; its settings change in the console."),
    "CustomerAccount": (READ_WRITE, "Create and update accounts like the console and the API do; link your rows to them."),
    "Contact": (READ_WRITE, "People of an account."),
    "ContactEmail": (READ_WRITE, "An address may sign in to the portal of every account it is on; `send_invoices` says whether it also sees billing."),
    "Job": (READ_WRITE, "Create jobs and change their fields. Say what happened with `core.plugin_state.announce` so other plugins and webhooks hear it."),
    "JobCharge": (READ_WRITE, "Lines billed on a job; money in minor units, quantities in thousandths."),
    "Visit": (READ_WRITE, "Link your rows to a visit to show them on the visit page and in Service history."),
    "Note": (READ_WRITE, "Only `shared` notes reach the customer."),
    "Attachment": (READ_WRITE, "Store the bytes with `services.storage.save(...)` first, then record the key here; only `shared` files reach the customer."),
    "Invoice": (READ, "Money: issue and void through `core.invoicing` (`issue_invoice`, `void_invoice`), record payments through `core.ledger.apply_payment`; never change totals or `paid_minor` directly."),
    "InvoiceLine": (READ, "Written with their invoice."),
    "Payment": (READ, "Recorded through `core.ledger` (`apply_payment`, `record_unapplied`, `apply_refund`), which keep the invoice's paid amount true."),
    "StaffUser": (READ, "The business's staff; roles and sign-in belong to the console."),
    "Notification": (CORE_ONLY, "Write through `core.notifications.notify_staff`."),
    "AuditEvent": (CORE_ONLY, "Append through `core.audit.record`."),
    "PluginConfig": (CORE_ONLY, "Read your settings with `core.plugin_state.plugin_settings` and `plugin_secret`."),
    "OutboundEmail": (CORE_ONLY, "Send mail through `core.mail`; rows are its outbox."),
}
# Meanings for fields that carry neither a description nor a comment.
MEANINGS: dict[str, str] = {
    "id": "Sequential primary key. Never show it or put it in a URL; use `public_id`.",
    "tenant": "The business the row belongs to; set from the current tenant, and every query is scoped to it.",
    "public_id": "The id for URLs, the API and exports (prefix, underscore, random part).",
    "created_at": "When the row was made (UTC).",
    "updated_at": "When the row last changed (UTC).",
    "external_id": "The row's id in another system that syncs it (unique per business), or empty.",
    "Job.account": "The customer the job is for.",
    "Job.number": "The job number the business shows (unique per business).",
    "Job.title": "What the job is, as the customer reads it.",
    "Job.description": "Longer text shown on the job page.",
    "Job.status": "`scheduled`, `in_progress`, `completed` or `cancelled`.",
    "Job.scheduled_start": "When the work starts, or empty if not scheduled.",
    "Job.scheduled_end": "When the work is planned to end.",
    "Job.completed_at": "When the job was completed.",
    "Job.technician": "The staff member doing the work, if they are on the staff list.",
    "Job.technician_name": "The technician's name as shown to the customer.",
    "Job.service_address": "Where the work is done (lines separated by line breaks).",
    "Job.invoice_view": "`detailed` (every charge) or `summary` on the customer's invoices.",
    "JobCharge.job": "The job billed.",
    "JobCharge.description": "What the line is for.",
    "JobCharge.unit_price_minor": "Price of one unit in minor units (cents).",
    "JobCharge.amount_minor": "Line total in minor units: quantity × unit price, rounded.",
    "JobCharge.currency": "ISO 4217 code, the business's currency.",
    "JobCharge.position": "Order of the line on the job.",
    "Visit.job": "The job the visit belongs to.",
    "Visit.scheduled_at": "When the visit was planned.",
    "Visit.completed_at": "When the technician finished; empty while only scheduled.",
    "Visit.technician_name": "Who came, as the customer reads it.",
    "Visit.technician_notes": "What the technician wrote; shown to the customer in Service history.",
    "Visit.summary": "One line about the visit (e.g. \"Routine service\").",
    "Tenant.slug": "The business's address under the base domain (`acme` of `acme.example.com`).",
    "Tenant.name": "The business's name as customers read it.",
    "Tenant.portal_enabled": "Whether the customer portal is on; off, customers see a notice page.",
    "Tenant.disabled_at": "When the platform took the business offline, or empty.",
    "Tenant.locale": "The business's default language and its territory (`en_US`): readers without a language of their own read this one, and money and dates follow each reader's language with this territory (`core.i18n.format_locale`).",
    "Tenant.currency": "ISO 4217 code of the business's money.",
    "Tenant.timezone": "IANA time zone; the business's calendar days are here (`core.web.rendering.tenant_today`).",
    "Tenant.brand_colour": "The portal's accent colour (`#rrggbb`).",
    "Tenant.logo_path": "Storage key of the logo, or empty.",
    "Tenant.contact_email": "The address customers write to.",
    "Tenant.contact_phone": "The phone number customers call.",
    "Tenant.contact_address": "The business's postal address.",
    "Tenant.contact_hours": "Opening hours as text.",
    "Tenant.website": "The business's own website.",
    "Tenant.portal_settings": "The portal's settings (sections included, sign-in methods...); read them through core, they change in the console.",
    "CustomerAccount.number": "The account number the business uses (unique per business).",
    "CustomerAccount.name": "The customer's name: a person or a company.",
    "CustomerAccount.billing_address": "Postal address on invoices (lines separated by line breaks).",
    "CustomerAccount.phone": "The account's phone number.",
    "CustomerAccount.archived": "An archived account is kept for its history; its contacts cannot sign in.",
    "Contact.account": "The account the person belongs to.",
    "Contact.first_name": "First name.",
    "Contact.last_name": "Last name.",
    "Contact.phone": "The person's phone number.",
    "Contact.is_primary": "The account's main contact.",
    "ContactEmail.contact": "The person the address belongs to.",
    "ContactEmail.email": "An address that can sign in to the portal (stored lower case).",
    "ContactEmail.send_invoices": "Whether this address gets invoices and sees billing in the portal.",
    "ContactEmail.is_primary": "The person's main address.",
    "StaffUser.email": "The address the staff member signs in with.",
    "StaffUser.name": "Their name as shown in the console (and to customers as technician).",
    "StaffUser.role": "`owner`, `admin` or `staff` (`core.console.access.PERMISSIONS` says what each may do).",
    "StaffUser.password_hash": "Argon2 hash; never read or show it.",
    "StaffUser.active": "A deactivated member cannot sign in.",
    "StaffUser.last_sign_in_at": "When they last signed in.",
    "PortalLogin.language": "The portal's language the person chose with the language switcher, or empty (the business's default, or what the browser asks for).",
    "StaffUser.language": "The console's language they chose (`en`, `es`, `fr`: `core.i18n.SHIPPED_LANGUAGES`), or empty for the business's default; their emails use it too.",
    "Note.job": "The job the note is about.",
    "Note.body": "The note's text.",
    "Note.author_name": "Who wrote it, as shown.",
    "Note.shared": "Shown to the customer on the job page; otherwise staff only.",
    "Attachment.job": "The job the file belongs to (a document), or empty.",
    "Attachment.visit": "The visit the file belongs to (a photo in Service history), or empty.",
    "Attachment.filename": "The file's name as uploaded and downloaded.",
    "Attachment.content_type": "MIME type (`image/png`, `application/pdf`).",
    "Attachment.size": "Size in bytes.",
    "Attachment.storage_key": "Where the bytes are in the app's storage (`services.storage`).",
    "Attachment.thumbnail_key": "Storage key of a photo's thumbnail, once made.",
    "Attachment.shared": "Shown to the customer; otherwise staff only.",
    "Attachment.caption": "A line shown with the file.",
    "Invoice.account": "The customer billed.",
    "Invoice.job": "The job billed, or empty.",
    "Invoice.number": "The invoice number (unique per business).",
    "Invoice.status": "`draft`, `open`, `paid` or `void`; overdue is an open invoice past `due_on` (`display_status(today)`).",
    "Invoice.issued_on": "The business's calendar day it was issued; empty for a draft.",
    "Invoice.due_on": "The day payment is due.",
    "Invoice.currency": "ISO 4217 code.",
    "Invoice.subtotal_minor": "Sum of the lines, minor units.",
    "Invoice.tax_minor": "Tax, minor units.",
    "Invoice.total_minor": "Subtotal plus tax, minor units.",
    "Invoice.paid_minor": "Paid so far, minor units; `balance_minor` is what is left.",
    "Invoice.memo": "A message printed on the invoice.",
    "Invoice.voided_at": "When it was voided.",
    "InvoiceLine.invoice": "The invoice the line is on.",
    "InvoiceLine.description": "What the line is for.",
    "InvoiceLine.quantity_milli": "Quantity in thousandths (1500 is 1.5).",
    "InvoiceLine.unit_price_minor": "Price of one unit, minor units.",
    "InvoiceLine.amount_minor": "Line total, minor units.",
    "InvoiceLine.position": "Order of the line on the invoice.",
    "Payment.account": "The customer who paid.",
    "Payment.invoice": "The invoice it pays, or empty (money on account).",
    "Payment.amount_minor": "Amount received, minor units.",
    "Payment.refunded_minor": "Amount refunded so far, minor units.",
    "Payment.currency": "ISO 4217 code.",
    "Payment.method": "`card`, `cash`, `cheque`, `bank` or `other`.",
    "Payment.status": "`pending`, `succeeded`, `failed`, `refunded`, `partially_refunded` or `disputed`.",
    "Payment.received_at": "When the money was received (UTC).",
    "Payment.reference": "The payer's or processor's reference (a cheque number; staff see a processor's id, customers do not).",
    "Payment.card_brand": "Card brand (`visa`) of a card payment.",
    "Payment.card_last4": "Last four digits of the card.",
    "Payment.source": "Who recorded it: `staff`, or the plugin that took it (`stripe`).",
}


def core_models() -> list[type[Model]]:
    """Every concrete Tortoise model of core's app, in MODEL_MODULES order, then source order."""
    out: list[type[Model]] = []
    for name in MODEL_MODULES:
        module = importlib.import_module(name)
        found = [
            value for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, Model) and value.__module__ == name and not value._meta.abstract
        ]
        out.extend(sorted(found, key=lambda m: inspect.getsourcelines(m)[1]))
    return out


def _comments_above(model: type[Model]) -> dict[str, str]:
    """``field -> its comment``: the comment lines just above its assignment, or the one at its end.

    Read from the class's source and its bases' (tokenized, so a ``#`` inside
    a string is not a comment).
    """
    found: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, Model)) or klass is Model:
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        comments: dict[int, str] = {}
        code_lines: set[int] = set()
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string.lstrip("#").strip()
            elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                code_lines.add(token.start[0])
        for number, line in enumerate(source.splitlines(), start=1):
            match = re.match(r"\s*(\w+)\s*(?::[^=]+)?=\s*fields\.", line)
            if not match:
                continue
            above = []
            previous = number - 1
            while previous in comments and previous not in code_lines:
                above.insert(0, comments[previous])
                previous -= 1
            text = " ".join(above) or comments.get(number, "")
            if text:
                found[match.group(1)] = text
    return found


def listed_fields(model: type[Model]) -> list[str]:
    """The model's fields in source order; a link is listed once, not also as its ``*_id`` column."""
    names = []
    for name, field in model._meta.fields_map.items():
        if name.endswith("_id") and name[:-3] in model._meta.fields_map:
            continue
        if isinstance(field, tortoise_fields.relational.BackwardFKRelation):
            continue
        names.append(name)
    return names


def plugin_facing(model: type[Model]) -> bool:
    """Whether a plugin may read the model (its fields then all need a meaning)."""
    return ACCESS.get(model.__name__, (CORE_ONLY, ""))[0] != CORE_ONLY


def _type(field: tortoise_fields.Field) -> str:
    kind = type(field).__name__.removesuffix("Field") or type(field).__name__
    if isinstance(field, tortoise_fields.relational.ForeignKeyFieldInstance):
        target = field.model_name.split(".")[-1]
        return f"→ {target}"
    if isinstance(field, tortoise_fields.relational.OneToOneFieldInstance):
        return f"→ {field.model_name.split('.')[-1]} (one)"
    max_length = getattr(field, "max_length", None)
    return f"{kind}({max_length})" if max_length else kind


def _meaning(model: type[Model], name: str, field: tortoise_fields.Field, comments: dict[str, str]) -> str:
    text = field.description or comments.get(name) or MEANINGS.get(f"{model.__name__}.{name}") or MEANINGS.get(name, "")
    return " ".join(text.split()).replace("|", "\\|")


def _doc(model: type[Model]) -> str:
    doc = inspect.getdoc(model) or ""
    if doc == inspect.getdoc(model.__mro__[1]):  # inherited, not its own
        return ""
    return " ".join(doc.split("\n\n")[0].split())


def render() -> str:
    """The text of docs/models.md."""
    models = core_models()
    out = [
        "# Core models: what a plugin reads and writes",
        "",
        f"<!-- Written by `{COMMAND}` from the models; do not edit by hand."
        " tests/test_models_reference.py fails when this file is stale. -->",
        "",
        "Every table below is tenant-owned (`core.models.base.TenantModel`, except `Tenant`):",
        "queries are scoped to the current business, a new row takes it, and querying",
        "outside `use_tenant(tenant)` raises `NoTenantError`. Link your own models to",
        "these with `fields.ForeignKeyField(\"core.<Model>\", related_name=False, ...)`.",
        "Money is in integer minor units (`*_minor`), in the business's currency.",
        "",
        "**Access** says what a plugin may do: *read, write* (create and change rows",
        "as core's console does), *read* (change them only through the functions named),",
        "or *core only* (use the API named instead of the table).",
        "",
        "| Model | Table | Access |",
        "| --- | --- | --- |",
    ]
    for model in models:
        access, _ = ACCESS.get(model.__name__, (CORE_ONLY, ""))
        out.append(f"| [`{model.__name__}`](#{model.__name__.lower()}) | `{model._meta.db_table}` | {access} |")
    for model in models:
        access, note = ACCESS.get(model.__name__, (CORE_ONLY, "Core's own bookkeeping; a plugin has no reason to touch it."))
        comments = _comments_above(model)
        out += ["", f"## {model.__name__}", ""]
        doc = _doc(model)
        if doc:
            out += [doc, ""]
        prefix = getattr(model, "public_id_prefix", None)
        where = f"`{model.__module__}.{model.__name__}`, table `{model._meta.db_table}`"
        if prefix and model.__name__ != "Tenant":
            where += f", public ids `{prefix}_...`"
        out += [f"{where}. **Access: {access}.** {note}".rstrip(), ""]
        if access == CORE_ONLY:
            out.append("Fields: " + ", ".join(f"`{name}`" for name in listed_fields(model)) + ".")
            continue
        out += ["| Field | Type | Empty | Meaning |", "| --- | --- | --- | --- |"]
        for name in listed_fields(model):
            field = model._meta.fields_map[name]
            empty = "yes" if field.null else ""
            out.append(f"| `{name}` | {_type(field)} | {empty} | {_meaning(model, name, field, comments)} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/models.md differs from the models")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT} is stale; run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
