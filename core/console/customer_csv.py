"""Reading a customers CSV and turning it into accounts, contacts and addresses.

One row is one customer account and, optionally, one of its contacts.
Columns are found by header, in any order and with common spellings
(:data:`COLUMNS`): the account name is required; the account number (made up
when blank), the contact's first and last name, email addresses (several
separated by ``;``), phone, "send invoices" (yes/no, default yes) and
billing address are optional. Unknown columns are ignored and listed.

Importing the same file again adds nothing: a row joins an existing account
with its number, or, without a number, the account of one of its email
addresses; within the file, rows without a number and with the same
account name are one account. A contact joins the account's contact with
one of its addresses or, failing that, the same name. :func:`read_csv`
checks every row; :func:`plan_import` says what each valid row would do
against the database as it is now; :func:`apply_import` does it, in the
caller's transaction.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from core.characters import TEXT_BAD
from core.i18n import SHIPPED_LANGUAGES, language, lazy_gettext
from core.i18n import gettext as _
from core.console.accounts import NUMBER_PREFIX
from core.console.numbering import following, next_number, number_taken
from core.mail.addresses import ADDRESS_RE
from core.models.customers import Contact, ContactEmail, CustomerAccount, normalise_email

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
LOOKUP_CHUNK = 500

# field -> header spellings (compared lower-cased, with "_" and "-" as spaces)
COLUMNS: dict[str, tuple[str, ...]] = {
    "account_name": ("account name", "account", "customer", "customer name", "company", "name"),
    "account_number": ("account number", "number", "customer number", "account no", "account #", "customer id"),
    "first_name": ("first name", "contact first name", "first", "given name"),
    "last_name": ("last name", "contact last name", "last", "surname", "family name"),
    "emails": ("email", "emails", "email address", "email addresses", "e mail", "contact email"),
    "phone": ("phone", "phone number", "contact phone", "telephone", "mobile"),
    "send_invoices": ("send invoices", "invoices", "email invoices"),
    "billing_address": ("billing address", "address"),
}
LIMITS = {"account_name": 200, "account_number": 40, "first_name": 100, "last_name": 100, "phone": 40, "billing_address": 2000}
# Column titles as staff read them (the upload page, row problems). Each one, in
# every shipped language, is a header spelling too, so a file whose columns are
# named as the page names them in Spanish or French is read.
LABELS = {
    "account_name": lazy_gettext("Account name"),
    "account_number": lazy_gettext("Account number"),
    "first_name": lazy_gettext("First name"),
    "last_name": lazy_gettext("Last name"),
    "emails": lazy_gettext("Email"),
    "phone": lazy_gettext("Phone"),
    "send_invoices": lazy_gettext("Send invoices"),
    "billing_address": lazy_gettext("Billing address"),
}
YES = frozenset({"yes", "y", "true", "1", "on", "x", "sí", "si", "oui"})
NO = frozenset({"no", "n", "false", "0", "off", "non"})
_EMAIL_SPLIT = re.compile(r"[;,\s]+")


class CsvFileError(ValueError):
    """The file as a whole cannot be read; the message says why."""


@dataclass
class ImportRow:
    """One data row, its clean values and everything wrong with it."""

    line: int
    account_name: str = ""
    account_number: str = ""
    first_name: str = ""
    last_name: str = ""
    emails: list[str] = field(default_factory=list)
    phone: str = ""
    send_invoices: bool = True
    billing_address: str = ""
    errors: list[str] = field(default_factory=list)
    # Filled by plan_import.
    account: "AccountPlan | None" = None
    contact: "ContactPlan | None" = None
    new_emails: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def contact_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(eq=False)
class AccountPlan:
    """An account a row joins: an existing one, or one to create."""

    name: str
    number: str
    phone: str
    billing_address: str
    line: int
    existing: CustomerAccount | None = None
    made: CustomerAccount | None = None

    @property
    def is_new(self) -> bool:
        return self.existing is None


@dataclass(eq=False)
class ContactPlan:
    """A contact a row joins, with the addresses it gains."""

    account: AccountPlan
    first_name: str
    last_name: str
    phone: str
    line: int
    existing: Contact | None = None
    known: set[str] = field(default_factory=set)
    added: dict[str, bool] = field(default_factory=dict)  # address -> send invoices
    made: Contact | None = None

    @property
    def is_new(self) -> bool:
        return self.existing is None


@dataclass
class ParsedFile:
    rows: list[ImportRow]
    ignored_columns: list[str]
    encoding_note: str | None = None

    @property
    def invalid(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.valid]

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.valid]


# -- reading ------------------------------------------------------------------


def _header_key(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").replace("_", " ").replace("-", " ").lower().split())


def _decode(data: bytes) -> tuple[str, str | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), _(
            "The file is not UTF-8; it was read as Windows-1252. Check accented letters in the preview."
        )


def _spellings() -> dict[str, str]:
    """Header spelling -> field: :data:`COLUMNS`, then each title of :data:`LABELS` in every shipped language."""
    spelled = {spelling: name for name, spellings in COLUMNS.items() for spelling in spellings}
    for code in SHIPPED_LANGUAGES:
        with language(code):
            for name, title in LABELS.items():
                spelled.setdefault(_header_key(str(title)), name)
    return spelled


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    spelled = _spellings()
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        name = spelled.get(_header_key(title))
        if name is None or name in found:
            if title.strip():
                ignored.append(title.strip())
            continue
        found[name] = index
    return found, ignored


def read_csv(data: bytes) -> ParsedFile:
    """Every data row of ``data``, checked on its own (no database).

    :raises CsvFileError: too big, not CSV, no header, no account name
        column, or too many rows.
    """
    if len(data) > MAX_BYTES:
        raise CsvFileError(_("The file is larger than %(size)d MB. Split it into smaller files.", size=MAX_BYTES // (1024 * 1024)))
    if b"\x00" in data[:4096]:
        raise CsvFileError(_("This is not a CSV file. Save the spreadsheet as “CSV (comma separated)” and upload that."))
    text, note = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise CsvFileError(_("The file could not be read as CSV: %(problem)s.", problem=exc)) from None
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise CsvFileError(_("The file is empty."))
    columns, ignored = _columns(table[0])
    if "account_name" not in columns:
        raise CsvFileError(_("The first line must name the columns, one of them “%(column)s”.", column=LABELS["account_name"]))
    if len(table) - 1 > MAX_ROWS:
        raise CsvFileError(_("The file has %(rows)d rows; import at most %(max)d at a time.", rows=len(table) - 1, max=MAX_ROWS))
    if len(table) == 1:
        raise CsvFileError(_("The file has column names but no customers."))
    rows = [_check_row(line, cells, columns) for line, cells in enumerate(table[1:], start=2)]
    return ParsedFile(rows, ignored, note)


def _check_row(line: int, cells: list[str], columns: dict[str, int]) -> ImportRow:
    row = ImportRow(line=line)

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    for name, limit in LIMITS.items():
        value = cell(name).replace("\r\n", "\n").replace("\r", "\n")
        if name != "billing_address":
            value = " ".join(value.split())
        if TEXT_BAD.search(value):
            row.errors.append(_("%(column)s contains control characters.", column=LABELS[name]))
        elif len(value) > limit:
            row.errors.append(_("%(column)s is longer than %(limit)d characters.", column=LABELS[name], limit=limit))
        else:
            setattr(row, name, value)
    if not row.account_name:
        row.errors.append(_("Account name is missing."))
    for raw in _EMAIL_SPLIT.split(cell("emails")):
        if not raw:
            continue
        address = normalise_email(raw)
        if len(address) > 254 or not ADDRESS_RE.match(address):
            row.errors.append(_("“%(value)s” is not an email address.", value=raw))
        elif address not in row.emails:
            row.emails.append(address)
    flag = cell("send_invoices").lower()
    if flag in NO:
        row.send_invoices = False
    elif flag and flag not in YES:
        row.errors.append(_("Send invoices must be yes or no, not “%(value)s”.", value=cell("send_invoices")))
    if (row.emails or row.last_name) and not row.first_name:
        row.errors.append(_("The contact's first name is missing (needed with an email or last name)."))
    return row


# -- planning -----------------------------------------------------------------


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + LOOKUP_CHUNK] for i in range(0, len(values), LOOKUP_CHUNK)]


async def _existing_accounts(numbers: list[str]) -> dict[str, CustomerAccount]:
    found: dict[str, CustomerAccount] = {}
    for chunk in _chunks(numbers):
        found.update({a.number: a for a in await CustomerAccount.filter(number__in=chunk)})
    return found


async def _existing_addresses(addresses: list[str]) -> dict[str, list[ContactEmail]]:
    found: dict[str, list[ContactEmail]] = {}
    for chunk in _chunks(addresses):
        for row in await ContactEmail.filter(email__in=chunk).select_related("contact__account").order_by("id"):
            found.setdefault(row.email, []).append(row)
    return found


async def plan_import(parsed: ParsedFile) -> None:
    """Say, on each valid row, which account and contact it joins and which addresses it adds.

    Reads the database (a few queries per 500 rows) and writes nothing.
    """
    rows = parsed.valid_rows
    by_number = await _existing_accounts(sorted({r.account_number for r in rows if r.account_number}))
    by_address = await _existing_addresses(sorted({e for r in rows for e in r.emails}))
    accounts: dict[tuple[str, object], AccountPlan] = {}
    contacts: dict[int, list[ContactPlan]] = {}  # by id(AccountPlan)
    loaded: set[int] = set()

    for row in rows:
        account = _account_for(row, accounts, by_number, by_address)
        if account is None:
            continue
        row.account = account
        # Later rows without a number or a known address join it by name.
        accounts.setdefault(("name", row.account_name.lower()), account)
        if not row.account_number and not row.emails and account.is_new and account.line == row.line:
            row.notes.append(_("No account number or email: importing this file again would add this customer again."))
        if not row.first_name:
            if not account.is_new:
                row.notes.append(_("Already there: nothing to add."))
            continue
        plans = contacts.setdefault(id(account), [])
        if account.existing is not None and account.existing.id not in loaded:
            loaded.add(account.existing.id)
            for contact in await Contact.filter(account_id=account.existing.id).prefetch_related("emails").order_by("id"):
                plans.append(ContactPlan(account, contact.first_name, contact.last_name, contact.phone, 0, contact, {e.email for e in contact.emails}))
        contact = _contact_for(row, account, plans)
        row.contact = contact
        for address in row.emails:
            if address not in contact.known and address not in contact.added:
                contact.added[address] = row.send_invoices
                row.new_emails.append(address)
        if not account.is_new and not contact.is_new and not row.new_emails:
            row.notes.append(_("Already there: nothing to add."))


def _account_for(
    row: ImportRow,
    accounts: dict[tuple[str, object], AccountPlan],
    by_number: dict[str, CustomerAccount],
    by_address: dict[str, list[ContactEmail]],
) -> AccountPlan | None:
    if row.account_number:
        plan = accounts.get(("number", row.account_number))
        if plan is None:
            existing = by_number.get(row.account_number)
            if existing is not None:
                plan = _known_account(accounts, existing, row.line)
            else:
                plan = AccountPlan(row.account_name, row.account_number, row.phone if not row.first_name else "", row.billing_address, row.line)
            accounts[("number", row.account_number)] = plan
        elif plan.is_new and plan.name.lower() != row.account_name.lower():
            row.errors.append(_("Row %(line)d gives the number %(number)s to “%(name)s”.", line=plan.line, number=row.account_number, name=plan.name))
            return None
        if plan.existing is not None and plan.existing.name.lower() != row.account_name.lower():
            row.notes.append(_("Account %(number)s is “%(name)s” here; its name is kept.", number=row.account_number, name=plan.existing.name))
        return plan
    for address in row.emails:
        for known in by_address.get(address, ()):
            return _known_account(accounts, known.contact.account, row.line)
    key = ("name", row.account_name.lower())
    if key not in accounts:
        accounts[key] = AccountPlan(row.account_name, "", row.phone if not row.first_name else "", row.billing_address, row.line)
    return accounts[key]


def _known_account(accounts: dict[tuple[str, object], AccountPlan], account: CustomerAccount, line: int) -> AccountPlan:
    """The one plan of an existing account, however rows reach it (number or address)."""
    return accounts.setdefault(
        ("id", account.id), AccountPlan(account.name, account.number, account.phone, account.billing_address, line, account)
    )


def _contact_for(row: ImportRow, account: AccountPlan, plans: list[ContactPlan]) -> ContactPlan:
    for plan in plans:
        if set(row.emails) & (plan.known | set(plan.added)):
            return plan
    name = row.contact_name.lower()
    for plan in plans:
        if f"{plan.first_name} {plan.last_name}".strip().lower() == name:
            return plan
    plan = ContactPlan(account, row.first_name, row.last_name, row.phone, row.line)
    plans.append(plan)
    return plan


# -- applying -----------------------------------------------------------------


@dataclass
class ImportResult:
    accounts: int = 0
    contacts: int = 0
    emails: int = 0
    rows: int = 0


async def apply_import(parsed: ParsedFile) -> ImportResult:
    """Create what :func:`plan_import` planned for the valid rows; call it inside a transaction."""
    result = ImportResult()
    # Numbers the file gives, so a made-up number never takes one of them.
    taken = {row.account_number for row in parsed.valid_rows if row.account_number}
    next_free: str | None = None
    for row in parsed.valid_rows:
        account = row.account
        if account is None:
            continue
        result.rows += 1
        if account.is_new and account.made is None:
            number = account.number
            if not number:
                next_free = next_free or await next_number(CustomerAccount, NUMBER_PREFIX)
                while next_free in taken or await number_taken(CustomerAccount, next_free):
                    next_free = following(next_free) or await next_number(CustomerAccount, NUMBER_PREFIX)
                number = next_free
            taken.add(number)
            account.made = await CustomerAccount.create(
                number=number, name=account.name, phone=account.phone, billing_address=account.billing_address
            )
            result.accounts += 1
        contact = row.contact
        if contact is None:
            continue
        target = contact.existing or contact.made
        if target is None:
            first = not await Contact.filter(account_id=(account.existing or account.made).id).exists()
            target = contact.made = await Contact.create(
                account=account.existing or account.made,
                first_name=contact.first_name,
                last_name=contact.last_name,
                phone=contact.phone,
                is_primary=first,
            )
            result.contacts += 1
        for address in row.new_emails:
            await ContactEmail.create(contact=target, email=address, send_invoices=contact.added[address])
            result.emails += 1
    return result
