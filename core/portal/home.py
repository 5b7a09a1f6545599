"""The portal's home page: what needs the customer's attention.

Core contributes the balance due (only to addresses that may see invoices,
when the portal includes invoices) and the next visit; plugins add cards
through :func:`core.hookspecs.porchside_home_cards`. Two queries for
core's part whatever the account's size (the first few open invoices carry
the balance as SQL window sums, see :func:`open_billing`; the first few
visits); a plugin's card costs
what its ``summary`` costs, and one that fails is logged and left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from quart import url_for
from tortoise.expressions import F, Q, RawSQL
from tortoise.functions import Count, Sum

from core.i18n import gettext as _, ngettext
from core.models.billing import Invoice
from core.models.jobs import Job
from core.plugins import run_isolated
from core.portal.access import billing_visible, link_to, shown_in_portal
from core.portal.context import Portal
from core.portal.formats import format_when
from core.services import current_services
from core.web.rendering import format_money, tenant_today

UPCOMING_STATUSES = ("scheduled", "in_progress")
HOME_LIST_SIZE = 5
BALANCE_ORDER, NEXT_VISIT_ORDER = 10, 20


@dataclass(frozen=True)
class Card:
    """A card as the home page shows it, from core or a plugin."""

    id: str
    title: str
    text: str
    url: str | None
    link_label: str
    order: int
    urgent: bool = False


@dataclass
class Billing:
    """The account's first open invoices (oldest due first), and over all of them
    what is owed per currency, how many there are and how many are overdue."""

    invoices: list[Invoice] = field(default_factory=list)
    balances: dict[str, int] = field(default_factory=dict)
    count: int = 0
    overdue: int = 0
    today: date | None = None


@dataclass
class Home:
    cards: list[Card]
    upcoming: list[Job]
    billing: Billing | None


async def open_billing(portal: Portal, shown: int = HOME_LIST_SIZE) -> Billing:
    """Open invoices with something left to pay (never drafts): one query whatever
    their number. The first ``shown`` invoices carry, as window sums over all of
    them, what is owed in their currency, how many there are and how many are
    overdue, and how many open invoices there are in all; only when a currency is
    missing from those first rows does a second query sum per currency."""
    today = tenant_today(portal.tenant)
    owing = Invoice.filter(account_id=portal.account.id, status="open", total_minor__gt=F("paid_minor"))
    billing = Billing(today=today)
    rows = list(
        await owing.annotate(
            owed_in_currency=RawSQL('SUM("total_minor"-"paid_minor") OVER (PARTITION BY "currency")'),
            open_in_currency=RawSQL('COUNT(*) OVER (PARTITION BY "currency")'),
            # a date's ISO text, never the request's: compared as a date on both databases
            late_in_currency=RawSQL(f'COUNT(CASE WHEN "due_on"<\'{today.isoformat()}\' THEN 1 END) OVER (PARTITION BY "currency")'),
            open_in_all=RawSQL("COUNT(*) OVER ()"),
        )
        .order_by("due_on", "id")
        .limit(shown)
    )
    seen = {row.currency: row for row in rows}
    if sum(int(row.open_in_currency) for row in seen.values()) == (int(rows[0].open_in_all) if rows else 0):
        for currency, row in seen.items():
            billing.balances[currency] = int(row.owed_in_currency or 0)
            billing.count += int(row.open_in_currency)
            billing.overdue += int(row.late_in_currency or 0)
        billing.invoices = rows
        return billing
    totals = await (  # a currency owed only beyond the first rows
        owing.annotate(
            owed=Sum(F("total_minor") - F("paid_minor")),
            n=Count("id"),
            late=Count("id", _filter=Q(due_on__lt=today)),
        )
        .group_by("currency")
        .values("currency", "owed", "n", "late")
    )
    for row in totals:
        billing.balances[row["currency"]] = int(row["owed"] or 0)
        billing.count += int(row["n"] or 0)
        billing.overdue += int(row["late"] or 0)
    billing.invoices = rows
    return billing


async def upcoming_jobs(portal: Portal, limit: int = HOME_LIST_SIZE) -> list[Job]:
    """The next scheduled or running jobs of the account, soonest first: one query."""
    return list(
        await Job.filter(account_id=portal.account.id, status__in=UPCOMING_STATUSES, scheduled_start__isnull=False)
        .order_by("scheduled_start", "id")
        .limit(limit)
    )


def _balance_card(portal: Portal, billing: Billing) -> Card:
    tenant = portal.tenant
    if not billing.invoices:
        text = _("You have no open invoices. Thank you!")
    else:
        owed = " + ".join(format_money(amount, currency, tenant) for currency, amount in sorted(billing.balances.items()))
        if billing.overdue:
            text = ngettext(
                "%(amount)s due on %(num)d open invoice, %(overdue)d overdue.",
                "%(amount)s due on %(num)d open invoices, %(overdue)d overdue.",
                billing.count, amount=owed, overdue=billing.overdue,
            )
        else:
            text = ngettext("%(amount)s due on %(num)d open invoice.", "%(amount)s due on %(num)d open invoices.", billing.count, amount=owed)
    return Card("balance", _("Balance due"), text, link_to("invoices.list"), _("View invoices"), BALANCE_ORDER, urgent=billing.overdue > 0)


def _next_visit_card(portal: Portal, upcoming: list[Job]) -> Card:
    """The next scheduled visit; else work under way; else an invitation to book."""
    now = datetime.now(timezone.utc)
    job = next((j for j in upcoming if j.status == "scheduled" and j.scheduled_start >= now), None)
    if job is not None:
        text = _("%(job)s: %(when)s.", job=job.title, when=format_when(job.scheduled_start, portal.tenant))
    else:
        job = next((j for j in upcoming if j.status == "in_progress"), None)
        if job is None:
            return Card("next_visit", _("Next visit"), _("No visits are scheduled."), link_to("portal.contact"), _("Contact us to book"), NEXT_VISIT_ORDER)
        text = _("%(job)s is under way.", job=job.title)
    return Card("next_visit", _("Next visit"), text, url_for("work.job", job_id=job.public_id), _("View the job"), NEXT_VISIT_ORDER)


async def plugin_cards(portal: Portal) -> list[Card]:
    """Cards of the enabled plugins whose section is on and whose summary has something to say."""
    cards = []
    for item in await shown_in_portal(current_services().plugins.declared.home_cards, portal):
        card = item.record
        ok, text = await run_isolated(item.plugin, f"summary of home card {card.id!r}", card.summary, portal)
        if not ok or not text:
            continue
        url = card.url
        if card.endpoint:
            ok, url = await run_isolated(item.plugin, f"home card {card.id!r} ({card.endpoint})", url_for, card.endpoint)
            if not ok:
                continue
        cards.append(Card(card.id, card.title, str(text), url, card.link_label, card.order))
    return cards


async def build_home(portal: Portal) -> Home:
    """Everything the home page shows, cards in order."""
    cards: list[Card] = []
    billing = None
    if billing_visible(portal):
        billing = await open_billing(portal)
        cards.append(_balance_card(portal, billing))
    upcoming: list[Job] = []
    if portal.tenant.section_enabled("work_history"):
        upcoming = await upcoming_jobs(portal)
        cards.append(_next_visit_card(portal, upcoming))
    cards.extend(await plugin_cards(portal))
    cards.sort(key=lambda c: (c.order, c.id))
    return Home(cards, upcoming, billing)
