"""What the quotes plugin adds to core's pages, as records of the public hooks.

* the **Quotes** tab of the portal (``porchside_nav_tabs``), between Service
  history (20) and Invoices (30);
* a **Quotes** tab on a job's page that has quotes (``porchside_job_tabs``)
  and a **Review the quote** button while one waits for a decision
  (``porchside_actions``, target ``job``);
* the decisions on a quote's page (``porchside_actions``, target ``quote``):
  Approve, Reject, Request changes (a tenant setting) and Ask a question;
* a home-page card counting quotes that wait for a decision;
* the console's **Quotes** entry (``porchside_console_links``).

Predicates take the objects the host passes and ask the database at most
once each; the job tab and button share one query per request.
"""

from __future__ import annotations

from datetime import date

from quart import g, url_for
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from core.i18n import lazy_gettext, ngettext
from core.portal.context import Portal
from core.records import Action, ConsoleLink, HomeCard, JobTab, NavTab
from core.services import current_services
from core.web.rendering import tenant_today
from plugins.quotes.decisions import open_for_decision
from plugins.quotes.models import OPEN_STATUSES, Quote
from plugins.quotes.settings import quote_settings


def customer_quotes(account_id: int) -> QuerySet[Quote]:
    """The quotes an account may see: every one sent at least once."""
    return Quote.filter(account_id=account_id, revision__gt=0)


def awaiting(query: QuerySet[Quote], today: date) -> QuerySet[Quote]:
    """Quotes waiting for the customer's decision: sent or viewed, not expired."""
    return query.filter(status__in=OPEN_STATUSES).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))


# -- job page -----------------------------------------------------------------


async def _job_quote_states(job, portal: Portal) -> list[tuple[str, date | None]]:
    """``(status, valid_until)`` of the job's quotes the customer sees.

    One query per request and job, shared by the tab and the button (a job
    has few quotes).
    """
    key = (portal.account.id, job.id)
    cached = g.get("_quotes_job_states")
    if cached is None or cached[0] != key:
        rows = await customer_quotes(portal.account.id).filter(job_id=job.id).values_list("status", "valid_until")
        cached = (key, [(status, valid_until) for status, valid_until in rows])
        g._quotes_job_states = cached
    return cached[1]


async def job_has_quotes(job, portal: Portal) -> bool:
    return bool(await _job_quote_states(job, portal))


async def job_awaits_decision(job, portal: Portal) -> bool:
    """The job has a quote waiting for a decision (the same test as :func:`awaiting`)."""
    today = tenant_today(portal.tenant)
    return any(
        status in OPEN_STATUSES and (valid_until is None or valid_until >= today)
        for status, valid_until in await _job_quote_states(job, portal)
    )


def job_quotes_url(job) -> str:
    return url_for("quotes.for_job", job_id=job.public_id)


# -- quote page ---------------------------------------------------------------


async def decidable(quote: Quote, portal: Portal) -> bool:
    return open_for_decision(quote, tenant_today(portal.tenant))


async def changes_offered(quote: Quote, portal: Portal) -> bool:
    if not open_for_decision(quote, tenant_today(portal.tenant)):
        return False
    return (await quote_settings(current_services().plugins)).offer_changes


async def was_sent(quote: Quote, portal: Portal) -> bool:
    return quote.was_sent


def _form(endpoint: str):
    def href(quote: Quote) -> str:
        return url_for(endpoint, quote_id=quote.public_id)

    return href


# -- home ---------------------------------------------------------------------


async def awaiting_summary(portal: Portal) -> str | None:
    count = await awaiting(customer_quotes(portal.account.id), tenant_today(portal.tenant)).count()
    if not count:
        return None
    return ngettext("%(num)d quote awaits your decision.", "%(num)d quotes await your decision.", count)


NAV_TABS = [NavTab(id="quotes", label=lazy_gettext("Quotes"), endpoint="quotes.list", order=25, icon="file")]
JOB_TABS = [JobTab(id="quotes", label=lazy_gettext("Quotes"), endpoint="quotes.for_job", order=50, is_shown=job_has_quotes)]
ACTIONS = [
    Action(id="quotes_review", label=lazy_gettext("Review the quote"), target="job", href=job_quotes_url, order=20, is_shown=job_awaits_decision, style="primary"),
    Action(id="quotes_approve", label=lazy_gettext("Approve"), target="quote", href=_form("quotes.approve"), order=10, is_shown=decidable, style="primary"),
    Action(id="quotes_changes", label=lazy_gettext("Request changes"), target="quote", href=_form("quotes.changes"), order=20, is_shown=changes_offered),
    Action(id="quotes_reject", label=lazy_gettext("Reject"), target="quote", href=_form("quotes.reject"), order=30, is_shown=decidable),
    Action(id="quotes_question", label=lazy_gettext("Ask a question"), target="quote", href=_form("quotes.question"), order=40, is_shown=was_sent),
]
HOME_CARDS = [
    HomeCard(id="quotes", title=lazy_gettext("Quotes"), summary=awaiting_summary, endpoint="quotes.list", link_label=lazy_gettext("Review your quotes"), order=15)
]
CONSOLE_LINKS = [ConsoleLink(id="quotes", label=lazy_gettext("Quotes"), endpoint="console_quotes.index", order=25, permission="back_office", group="work")]
