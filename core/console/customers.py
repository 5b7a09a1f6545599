"""Customers in the console (S5, A1): the searchable list, one customer's page, "Email portal link".

The list searches account names and numbers, contact names and email
addresses; each row shows the account's contacts with every address's
portal status (not invited, invited, login created) and last sign-in, and a
checkbox for "Send portal invite" (:mod:`core.console.invites`). A page
costs the same few queries whatever its length (the first page's rows carry the
list's length: no count of its own).

A customer's page lists its contacts and their addresses (with the "Send
invoices" flag) and, per address, "Email portal link" (a sign-in link,
rate limited like the customer's own requests but counted apart) and "View
portal as this customer" (:mod:`core.console.view_as`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from quart import Blueprint, current_app, g, redirect, request, url_for
from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.query_utils import Prefetch
from tortoise.queryset import QuerySet

from core.auth.links import send_token_email
from core.auth.rate_limit import hit
from core.console.forms import object_or_404
from core.console.access import can, staff_required
from core.console.shell import notice, render_console
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.mail import MailError
from core.models.customers import Contact, ContactEmail, CustomerAccount, PortalLogin
from core.portal.pagination import Sorter, paginate
from core.services import current_services

blueprint = Blueprint("customers", __name__, url_prefix="/customers")

SEARCH_MAX = 100
PER_PAGE = 25
SORTS = Sorter({"name": ("name",), "number": ("number",)}, default="name")
NOTICES = {"link_sent": lazy_gettext("Portal link sent. It signs the contact in once and expires soon.")}


def search_text() -> str:
    return " ".join(request.args.get("q", "").split())[:SEARCH_MAX]


def include_archived() -> bool:
    return request.args.get("archived") == "1"


def customer_query(q: str, archived: bool = False) -> QuerySet[CustomerAccount]:
    """Accounts whose name, number, contact name or contact email contains ``q``."""
    query = CustomerAccount.all() if archived else CustomerAccount.filter(archived=False)
    if not q:
        return query
    by_email = Subquery(ContactEmail.filter(email__icontains=q).values("contact__account_id"))
    by_contact = Subquery(Contact.filter(Q(first_name__icontains=q) | Q(last_name__icontains=q)).values("account_id"))
    return query.filter(Q(name__icontains=q) | Q(number__icontains=q) | Q(id__in=by_email) | Q(id__in=by_contact))


@dataclass(frozen=True)
class ContactRow:
    """A contact with its addresses as a plain list.

    Templates get lists: Jinja's async mode would iterate a Tortoise
    relation with ``async for``, one query per contact, prefetched or not.
    """

    contact: Contact
    emails: list[ContactEmail]


# Each address's portal login (same tenant, same address), read with the address:
# a correlated subquery per field, so the list needs no query of its own for logins.
_LOGIN_FIELDS = ("invited_at", "password_set_at", "last_sign_in_at")


def _login_field(name: str) -> RawSQL:
    return RawSQL(
        f'(SELECT "{name}" FROM "portal_login" WHERE "portal_login"."tenant_id"="contact_email"."tenant_id"'
        f' AND "portal_login"."email"="contact_email"."email")'
    )


@dataclass(frozen=True)
class LoginState:
    """What the lists show of an address's portal login: invited, login created, last sign-in."""

    invited_at: datetime | None
    password_set_at: datetime | None
    last_sign_in_at: datetime | None


def _login_state(email: ContactEmail) -> LoginState | None:
    values = {name: PortalLogin._meta.fields_map[name].to_python_value(getattr(email, f"login_{name}")) for name in _LOGIN_FIELDS}
    return LoginState(**values) if any(values.values()) else None


async def contacts_of(accounts: list[CustomerAccount]) -> tuple[dict[int, list[ContactRow]], dict[str, LoginState]]:
    """The accounts' contacts (with their addresses) by account id, and what is known of
    each address's portal login (invited, login created, last sign-in) by address.

    Two queries, whatever the number of accounts.
    """
    by_account: dict[int, list[ContactRow]] = {account.id: [] for account in accounts}
    if not accounts:
        return by_account, {}
    emails = ContactEmail.annotate(**{f"login_{name}": _login_field(name) for name in _LOGIN_FIELDS})
    contacts = await (
        Contact.filter(account_id__in=list(by_account))
        .order_by("-is_primary", "last_name", "first_name", "id")
        .prefetch_related(Prefetch("emails", queryset=emails))
    )
    logins: dict[str, LoginState] = {}
    for contact in contacts:
        rows = sorted(contact.emails, key=lambda e: e.id)
        by_account[contact.account_id].append(ContactRow(contact, rows))
        for email in rows:
            state = _login_state(email)
            if state is not None:
                logins[email.email] = state
    return by_account, logins


def has_page(endpoint: str) -> bool:
    """Whether another area's page exists in this app (the back office may be left out)."""
    return endpoint in current_app.view_functions


@blueprint.get("/")
@staff_required("customers")
async def index():
    q = search_text()
    archived = include_archived()
    sort = SORTS.parse()
    page = await paginate(customer_query(q, archived).order_by(*sort.order_by), per_page=PER_PAGE, count_with_rows=True)
    contacts, logins = await contacts_of(page.items)
    return await render_console(
        "console/customers/index.html",
        q=q,
        archived=archived,
        sort=sort,
        page=page,
        contacts=contacts,
        logins=logins,
        may_invite=can("invites"),
        may_edit=can("back_office") and has_page("console.accounts.edit"),
        may_create=can("back_office") and has_page("console.accounts.new"),
    )


async def account_or_404(account_id: str) -> CustomerAccount:
    return await object_or_404(CustomerAccount, account_id)


async def address_or_404(account: CustomerAccount, email_id: str) -> ContactEmail:
    """One address of one of the account's contacts, with its contact."""
    return await object_or_404(ContactEmail, email_id, "contact", contact__account_id=account.id)


async def customer_page(account: CustomerAccount, status: int = 200, error: str | None = None):
    contacts, logins = await contacts_of([account])
    body = await render_console(
        "console/customers/detail.html",
        account=account,
        contacts=contacts[account.id],
        logins=logins,
        notice=notice(NOTICES),
        error=error,
        may_invite=can("invites"),
        may_edit=can("back_office") and has_page("console.accounts.edit"),
    )
    return body, status


@blueprint.get("/<account_id>")
@staff_required("customers")
async def detail(account_id: str):
    return await customer_page(await account_or_404(account_id))


@blueprint.post("/<account_id>/emails/<email_id>/portal-link")
@staff_required("customers")
async def email_portal_link(account_id: str, email_id: str):
    """A1: email the contact a private sign-in link to this account."""
    account = await account_or_404(account_id)
    address = await address_or_404(account, email_id)
    if account.archived:
        return await customer_page(account, 409, _("This account is archived: its contacts cannot sign in. Restore it first."))
    services = current_services()
    if not await hit(services.cache, services.settings, "link_per_email", f"console:{address.email}"):
        return await customer_page(
            account, 429, _("Several links went to %(email)s a moment ago. Wait a few minutes before sending another.", email=address.email)
        )
    try:
        await send_token_email(services, "magic", address.email, account=account, created_by=g.staff.email)
    except MailError as exc:
        return await customer_page(account, 400, _("No link was sent: %(problem)s", problem=exc))
    return redirect(url_for("console.customers.detail", account_id=account.public_id, done="link_sent"))
