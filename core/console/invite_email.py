"""The words of the portal invite email: defaults, placeholders, checks, rendering (S4).

Staff may replace the subject and body of the invite email (A5) from the
console. Both are plain text kept in ``Tenant.portal_settings`` under
``invite_subject`` and ``invite_body``; a missing key means the default, so
"Restore defaults" removes the keys. Placeholders in braces are filled in
for each customer:

* ``{customer_name}``: the contact's name;
* ``{business_name}``: the business's name;
* ``{portal_link}``: the portal's address (the private "Create login" link
  is the email's button, which staff cannot remove).

Anything else in braces is refused when saved. The subject is one line; the
body becomes HTML paragraphs with every character escaped, so a template
can neither add a header nor inject markup or script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.support import LazyProxy
from markupsafe import Markup, escape

from core.i18n import SHIPPED_LANGUAGES, language, lazy_gettext
from core.i18n import gettext as _
from core.links import portal_url
from core.models.customers import ContactEmail, CustomerAccount, normalise_email
from core.services import Services
from tenants.models import Tenant

# Placeholder names stay English in every language (they are keys); what they
# stand for is translated.
PLACEHOLDERS = {
    "customer_name": lazy_gettext("the contact's name"),
    "business_name": lazy_gettext("your business name"),
    "portal_link": lazy_gettext("the address of your customer portal"),
}
# The defaults are lazy: the console shows them in the staff member's language,
# and an invite that uses a default (in whichever language staff saw it) is
# written in its recipient's (:func:`as_default`). A saved text is sent as written.
# Link-only tenants invite with a sign-in link: there is no login to create.
DEFAULT_SUBJECTS = {
    "password": lazy_gettext("Create your customer portal login at {business_name}"),
    "link": lazy_gettext("{business_name} invites you to its customer portal"),
}
DEFAULT_BODY = lazy_gettext(
    "Hello {customer_name},\n\n"
    "{business_name} invites you to its customer portal at {portal_link}. There you can see your jobs "
    "and service history, approve quotes, and view and pay your invoices.\n\n"
    "Use the button below to get started. If you have any questions, just reply to this email."
)
SUBJECT_MAX = 200
BODY_MAX = 5000
# The customer and business names used by the console's preview.
SAMPLE_CUSTOMER = "Alex Morgan"

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def default_subject(tenant: Tenant) -> str:
    methods = tenant.portal_setting("sign_in_methods")
    return str(DEFAULT_SUBJECTS["link" if methods == "link" else "password"])


def saved_text(tenant: Tenant) -> tuple[str, str]:
    """The tenant's ``(subject, body)`` templates, defaults where none is saved."""
    stored = tenant.portal_settings or {}
    return stored.get("invite_subject") or default_subject(tenant), stored.get("invite_body") or str(DEFAULT_BODY)


def as_default(template: str | LazyProxy) -> str | LazyProxy:
    """The lazy default text when ``template`` is a default in any shipped language, else ``template``.

    So an invite staff reviewed with the default text in their language
    reaches each customer in the customer's language.
    """
    if not isinstance(template, str):
        return template
    for default in (*DEFAULT_SUBJECTS.values(), DEFAULT_BODY):
        for code in SHIPPED_LANGUAGES:
            with language(code):
                if str(default) == template:
                    return default
    return template


def is_customised(tenant: Tenant) -> bool:
    stored = tenant.portal_settings or {}
    return bool(stored.get("invite_subject") or stored.get("invite_body"))


def _placeholder_problem(text: str) -> str | None:
    names = _PLACEHOLDER.findall(text)
    unknown = [name for name in names if name not in PLACEHOLDERS]
    if unknown:
        allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        return _("%(placeholder)s is not a placeholder. Use %(allowed)s.", placeholder="{" + unknown[0] + "}", allowed=allowed)
    if "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
        return _("Use braces only around a placeholder, such as {customer_name}.")
    return None


def normalise_newlines(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def text_problems(subject: str, body: str) -> dict[str, str]:
    """Why a subject and body cannot be saved, by field; empty when they can."""
    problems: dict[str, str] = {}
    if "\n" in subject or "\r" in subject:
        problems["subject"] = _("Keep the subject on one line.")
    elif not subject.strip():
        problems["subject"] = _("Write a subject.")
    elif len(subject) > SUBJECT_MAX:
        problems["subject"] = _("Keep the subject under %(max)d characters.", max=SUBJECT_MAX)
    elif _CONTROL.search(subject):
        problems["subject"] = _("The subject contains control characters.")
    elif problem := _placeholder_problem(subject):
        problems["subject"] = problem
    body = normalise_newlines(body)
    if not body.strip():
        problems["body"] = _("Write the message.")
    elif len(body) > BODY_MAX:
        problems["body"] = _("Keep the message under %(max)d characters.", max=BODY_MAX)
    elif _CONTROL.search(body.replace("\t", " ")):
        problems["body"] = _("The message contains control characters.")
    elif problem := _placeholder_problem(body):
        problems["body"] = problem
    return problems


@dataclass(frozen=True)
class InviteText:
    """An invite's subject and body templates with the values for one customer.

    The email templates call :meth:`subject`, :meth:`text` and :meth:`html`.
    A template may be a lazy default (:func:`as_default`), read in the
    language in effect when the email or page is written.
    """

    subject_template: str | LazyProxy
    body_template: str | LazyProxy
    customer_name: str
    business_name: str
    portal_link: str

    def _value(self, name: str) -> str:
        # Only the placeholders' own values: anything else in braces (which a
        # saved text cannot hold, but a translation might) is left as written.
        if name not in PLACEHOLDERS:
            return "{" + name + "}"
        # One line each: a name with a line break must not split a header.
        return " ".join(str(getattr(self, name)).split())

    def subject(self) -> str:
        filled = _PLACEHOLDER.sub(lambda m: self._value(m.group(1)), str(self.subject_template))
        return " ".join(filled.split())

    def text(self) -> str:
        body = normalise_newlines(str(self.body_template)).strip()
        return _PLACEHOLDER.sub(lambda m: self._value(m.group(1)), body)

    def html(self, link_colour: str = "#0b6e99") -> Markup:
        """The body as escaped HTML paragraphs; ``{portal_link}`` becomes a link."""
        paragraphs = []
        for block in _PARAGRAPH_BREAK.split(normalise_newlines(str(self.body_template)).strip()):
            pieces, last = [], 0
            for match in _PLACEHOLDER.finditer(block):
                pieces.append(escape(block[last : match.start()]))
                pieces.append(self._html_value(match.group(1), link_colour))
                last = match.end()
            pieces.append(escape(block[last:]))
            inner = Markup("").join(pieces).replace("\n", Markup("<br>\n"))
            paragraphs.append(Markup('<p style="margin:0 0 16px 0;">{}</p>').format(inner))
        return Markup("\n").join(paragraphs)

    def _html_value(self, name: str, link_colour: str) -> Markup:
        value = self._value(name)
        if name == "portal_link":
            return Markup('<a href="{0}" style="color:{1};">{0}</a>').format(value, link_colour)
        return escape(value)


def history_subject(tenant: Tenant, subject_template: str) -> str:
    """A sent batch's subject for its history page: the business's name filled
    in, the per-customer placeholders described in brackets."""
    return InviteText(
        subject_template=as_default(subject_template),
        body_template="",
        customer_name=f"[{PLACEHOLDERS['customer_name']}]",
        business_name=tenant.name,
        portal_link=f"[{PLACEHOLDERS['portal_link']}]",
    ).subject()


async def customer_name_for(email: str, accounts: list[CustomerAccount]) -> str:
    """The name of the contact using ``email``, or of its first account."""
    row = await ContactEmail.filter(email=email, contact__account__archived=False).order_by("id").select_related("contact").first()
    if row is not None and row.contact.full_name:
        return row.contact.full_name
    return accounts[0].name if accounts else ""


@dataclass(frozen=True)
class Invitee:
    """What an invite to one address needs to know of it: its accounts (by name) and who it is."""

    accounts: list[CustomerAccount]
    customer_name: str


async def invitees(emails: list[str]) -> dict[str, Invitee]:
    """:func:`~core.auth.accounts.accounts_for_email` and :func:`customer_name_for` of many
    addresses in one query (a bulk invite's round), by normalised address.

    The same rows and rules as those two: contacts of accounts not archived;
    the accounts sorted by name; the name of the address's first contact (by
    row id), else its first account's. An address without an account maps
    to no accounts.
    """
    wanted = sorted({normalise_email(email) for email in emails})
    rows = await (
        ContactEmail.filter(email__in=wanted, contact__account__archived=False)
        .select_related("contact__account")
        .order_by("id")
    )
    by_email: dict[str, list[ContactEmail]] = {}
    for row in rows:
        by_email.setdefault(row.email, []).append(row)
    found: dict[str, Invitee] = {}
    for email in wanted:
        own = by_email.get(email, [])
        accounts: dict[int, CustomerAccount] = {}
        for row in own:
            accounts.setdefault(row.contact.account.id, row.contact.account)
        ordered = sorted(accounts.values(), key=lambda account: (account.name, account.id))
        name = own[0].contact.full_name if own and own[0].contact.full_name else (ordered[0].name if ordered else "")
        found[email] = Invitee(accounts=ordered, customer_name=name)
    return found


async def invite_text(
    services: Services, tenant: Tenant, customer_name: str, subject: str | None = None, body: str | None = None
) -> InviteText:
    """The tenant's invite text for one customer; ``subject``/``body`` override (previews)."""
    saved_subject, saved_body = saved_text(tenant)
    return InviteText(
        subject_template=as_default(saved_subject if subject is None else subject),
        body_template=as_default(saved_body if body is None else body),
        customer_name=customer_name,
        business_name=tenant.name,
        portal_link=await portal_url(services, tenant, "/"),
    )
