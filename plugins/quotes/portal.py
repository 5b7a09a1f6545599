"""Quotes in the customer portal (Q1-Q3): the list, a quote, its PDF, the decisions.

Every page is scoped to the signed-in account, and customers never see a
quote that was not sent: another account's quote, another tenant's, or a
draft is a 404 like one that does not exist. Opening a sent quote marks it
viewed (not while staff look at the portal as the customer).

Decisions go through forms reached from the quote's actions (the action
hook, target ``quote``); each posts the revision number it shows, so a
decision always applies to the version the customer read
(:mod:`plugins.quotes.decisions`). A refusal re-renders the quote with the
reason and status 409.
"""

from __future__ import annotations

from quart import Blueprint, abort, g, redirect, request, url_for

from core.audit import client_ip, record
from core.i18n import gettext as _, lazy_gettext, lazy_pgettext
from core.auth.current import login_required
from core.models.jobs import Job
from core.pdf import pdf_response
from core.plugin_state import announce
from core.portal.access import link_to
from core.portal.contributions import action_buttons
from core.portal.pagination import Sorter, choice_arg, paginate
from core.portal.views import render_portal
from core.services import current_services
from core.web.rendering import tenant_today
from plugins.quotes.contributions import awaiting, customer_quotes
from plugins.quotes.decisions import (
    MESSAGE_MAX,
    SIGNATURE_MAX,
    Decision,
    DecisionRefused,
    ask,
    decide,
    mark_viewed,
    open_for_decision,
    refusal,
)
from plugins.quotes.documents import load_document, pdf_name, quote_with_revisions, revision_and_before
from plugins.quotes.emails import quote_pdf
from plugins.quotes.models import (
    APPROVED,
    CHANGES_REQUESTED,
    EXPIRED,
    OPEN_STATUSES,
    REJECTED,
    STATUS_LABELS,
    Quote,
    QuoteMessage,
)
from plugins.quotes.notify import DECIDED, QUESTION
from plugins.quotes.revisions import current_revision
from plugins.quotes.settings import quote_settings

blueprint = Blueprint("quotes", __name__)
# No portal_section: the routes follow the "quotes" section, like the tab.

OPEN = "open"
FILTERS = (OPEN, APPROVED, CHANGES_REQUESTED, REJECTED, EXPIRED)
AWAITING_LABEL = lazy_pgettext("quote status", "Awaiting your decision")
FILTER_LABELS = {
    OPEN: AWAITING_LABEL,
    APPROVED: STATUS_LABELS[APPROVED],
    CHANGES_REQUESTED: STATUS_LABELS[CHANGES_REQUESTED],
    REJECTED: STATUS_LABELS[REJECTED],
    EXPIRED: STATUS_LABELS[EXPIRED],
}
# How a status reads to the customer: sent and viewed both wait for them.
CUSTOMER_LABELS = {**STATUS_LABELS, "sent": AWAITING_LABEL, "viewed": AWAITING_LABEL}
SORTS = Sorter(
    {
        "number": ("number",),
        "sent": ("sent_at",),
        "valid": ("valid_until",),
        "total": ("total_minor",),
        "status": ("status",),
    },
    default="-sent",
)
# form name -> (decision, page title)
FORMS = {
    "approve": (APPROVED, lazy_gettext("Approve quote")),
    "reject": (REJECTED, lazy_gettext("Reject quote")),
    "changes": (CHANGES_REQUESTED, lazy_gettext("Request changes")),
    "question": ("question", lazy_gettext("Ask a question")),
}
# The confirmation after a decision, a function of business= (the business's name).
NOTICES = {
    APPROVED: lambda **words: _("Thank you: you approved this quote. %(business)s has been told, and a confirmation is on its way to you.", **words),
    REJECTED: lambda **words: _("You rejected this quote. %(business)s has been told, and a confirmation is on its way to you.", **words),
    CHANGES_REQUESTED: lambda **words: _("Your request for changes was sent to %(business)s. They will send you a new version.", **words),
    "question": lambda **words: _("Your question was sent to %(business)s. They will answer you soon.", **words),
}


def filter_by_status(query, status: str, today):
    """Narrow to one of :data:`FILTERS`; "open" and "expired" depend on the date."""
    if status == OPEN:
        return awaiting(query, today)
    if status == EXPIRED:
        return query.filter(status__in=OPEN_STATUSES, valid_until__lt=today)
    if status:
        return query.filter(status=status)
    return query


def _sent_quote(quote_id: str):
    """The signed-in account's sent quote with this public id (a query not yet run), or 404."""
    if "." in quote_id:  # public ids hold no dot: "x.pdf.pdf" and the like
        abort(404)
    return customer_quotes(g.portal.account.id).filter(public_id=quote_id)


async def quote_or_404(quote_id: str) -> Quote:
    """The signed-in account's sent quote with this public id, or 404."""
    quote = await _sent_quote(quote_id).select_related("account", "job").first()
    if quote is None:
        abort(404)
    return quote


async def _list_page(template_title: str, query, job: Job | None = None):
    today = tenant_today(g.tenant)
    sort = SORTS.parse()
    status = choice_arg("status", FILTERS)
    page = await paginate(filter_by_status(query, status, today).select_related("job").order_by(*sort.order_by))
    return await render_portal(
        "quotes/list.html",
        title=template_title,
        page=page,
        sort=sort,
        status=status,
        statuses=[(value, FILTER_LABELS[value]) for value in FILTERS],
        filter_labels=FILTER_LABELS,
        status_labels=CUSTOMER_LABELS,
        today=today,
        job=job,
    )


@blueprint.get("/quotes", endpoint="list")
@login_required
async def quote_list():
    return await _list_page(_("Quotes"), customer_quotes(g.portal.account.id))


@blueprint.get("/jobs/<job_id>/quotes")
@login_required
async def for_job(job_id: str):
    """The job tab: the quotes of one of the account's jobs."""
    job = await Job.get_or_none(public_id=job_id, account_id=g.portal.account.id)
    if job is None:
        abort(404)
    return await _list_page(_("Quotes for job %(number)s", number=job.number), customer_quotes(g.portal.account.id).filter(job_id=job.id), job)


async def detail_page(quote: Quote, *, problem: str | None = None, status: int = 200, revisions=None):
    """The quote's page; ``revisions``: its current revision and the sent one before it,
    when the caller loaded them with the quote (:func:`quote_with_revisions`)."""
    portal = g.portal
    today = tenant_today(portal.tenant)
    if revisions is not None:
        revision, before = revisions
    else:
        revision, before = await revision_and_before(quote, quote.revision) if quote.was_sent else (None, None)
    if revision is None:
        abort(404)
    document = await load_document(quote, revision, today, portal.tenant, before=before)
    messages = await QuoteMessage.filter(quote_id=quote.id).order_by("created_at", "id")
    done = request.args.get("done", "")
    job_url = None
    if quote.job is not None and portal.tenant.section_enabled("work_history"):
        job_url = link_to("work.job", job_id=quote.job.public_id)
    body = await render_portal(
        "quotes/detail.html",
        doc=document,
        status_labels=CUSTOMER_LABELS,
        actions=await action_buttons("quote", quote, portal),
        messages=messages,
        notice=NOTICES[done](business=portal.tenant.name) if done in NOTICES else None,
        problem=problem,
        pdf_url=url_for("quotes.pdf", quote_id=quote.public_id),
        job_url=job_url,
    )
    return body, status


@blueprint.get("/quotes/<quote_id>")
@login_required
async def detail(quote_id: str):
    found = await quote_with_revisions(_sent_quote(quote_id))  # quote and revisions in one query
    if found is None:
        abort(404)
    quote, revision, before = found
    if not g.portal.read_only and await mark_viewed(quote):
        return await detail_page(quote)  # the first look changed the revision too: read it again
    return await detail_page(quote, revisions=(revision, before))


@blueprint.get("/quotes/<quote_id>.pdf")
@login_required
async def pdf(quote_id: str):
    quote = await quote_or_404(quote_id)
    revision = await current_revision(quote)
    if revision is None:
        abort(404)
    return pdf_response(await quote_pdf(current_services(), quote, revision), pdf_name(quote, revision))


# -- decisions and questions ---------------------------------------------------


@blueprint.route("/quotes/<quote_id>/approve", methods=["GET", "POST"])
@login_required
async def approve(quote_id: str):
    return await _decision_form(quote_id, "approve")


@blueprint.route("/quotes/<quote_id>/reject", methods=["GET", "POST"])
@login_required
async def reject(quote_id: str):
    return await _decision_form(quote_id, "reject")


@blueprint.route("/quotes/<quote_id>/changes", methods=["GET", "POST"])
@login_required
async def changes(quote_id: str):
    return await _decision_form(quote_id, "changes")


@blueprint.route("/quotes/<quote_id>/question", methods=["GET", "POST"])
@login_required
async def question(quote_id: str):
    return await _decision_form(quote_id, "question")


def _text(form, name: str, limit: int) -> str:
    value = str(form.get(name, "") or "").replace("\r\n", "\n").strip()
    return value[:limit]


async def _form_page(quote: Quote, form_name: str, values: dict, errors: dict, status: int = 200):
    settings = await quote_settings(current_services().plugins)
    revision = await current_revision(quote)
    body = await render_portal(
        "quotes/decide.html",
        quote=quote,
        revision=revision,
        form_name=form_name,
        kind=FORMS[form_name][0],
        title=FORMS[form_name][1],
        settings=settings,
        values=values,
        errors=errors,
        action=url_for(f"quotes.{form_name}", quote_id=quote.public_id),
        back=url_for("quotes.detail", quote_id=quote.public_id),
    )
    return body, status


async def _decision_form(quote_id: str, form_name: str):
    portal = g.portal
    tenant = portal.tenant
    quote = await quote_or_404(quote_id)
    today = tenant_today(tenant)
    kind = FORMS[form_name][0]
    settings = await quote_settings(current_services().plugins)
    if kind == CHANGES_REQUESTED and not settings.offer_changes:
        return await detail_page(
            quote, problem=_("%(business)s does not take requests for changes online. Ask a question instead.", business=tenant.name), status=409
        )
    if kind != "question" and not open_for_decision(quote, today):
        refused = await refusal(quote, quote.revision, tenant, today, Decision(kind, portal.email))
        if refused.same_decision and request.method == "POST":  # a double click: the first one decided
            return redirect(url_for("quotes.detail", quote_id=quote.public_id, done=kind))
        return await detail_page(quote, problem=refused.message, status=409)
    if request.method == "GET":
        return await _form_page(quote, form_name, {"revision": str(quote.revision)}, {})

    form = await request.form
    values = {key: form.get(key, "") for key in ("revision", "signature", "message")}
    errors: dict[str, str] = {}
    try:
        revision_number = int(str(form.get("revision", "")).strip())
    except ValueError:
        revision_number = 0
    if revision_number < 1:
        errors["revision"] = _("This form is out of date. Open the quote again and try once more.")
    signature = " ".join(str(form.get("signature", "") or "").split())[:SIGNATURE_MAX]
    message = _text(form, "message", MESSAGE_MAX)
    if kind == APPROVED and settings.require_signature and len(signature) < 2:
        errors["signature"] = _("Type your full name to sign your approval.")
    if kind in (CHANGES_REQUESTED, "question") and not message:
        errors["message"] = (
            _("Tell %(business)s what you would like changed.", business=tenant.name) if kind == CHANGES_REQUESTED else _("Write your question.")
        )
    if len(str(form.get("message", "") or "")) > MESSAGE_MAX:
        errors["message"] = _("Keep your message under %(max)d characters.", max=MESSAGE_MAX)
    if errors:
        return await _form_page(quote, form_name, values, errors, 400)

    if kind == "question":
        await ask(quote, portal.email, message)
        await record("quote.question", actor_type="customer", actor=portal.email, target=quote.public_id, revision=quote.revision)
        await announce(QUESTION, quote.public_id, f"customer:{portal.email}", revision=quote.revision, email=portal.email, message=message)
        return redirect(url_for("quotes.detail", quote_id=quote.public_id, done="question"))

    decision = Decision(
        kind=kind,
        email=portal.email,
        signature_name=signature,
        message=message,
        ip=client_ip(),
        user_agent=request.headers.get("User-Agent", ""),
    )
    try:
        revision = await decide(quote, revision_number, decision, tenant, today)
    except DecisionRefused as refused:
        if refused.same_decision:  # a double click: the first one decided
            return redirect(url_for("quotes.detail", quote_id=quote.public_id, done=kind))
        return await detail_page(await quote_or_404(quote_id), problem=refused.message, status=409)
    await record(
        f"quote.{kind}", actor_type="customer", actor=portal.email, target=quote.public_id,
        revision=revision.number, signature=revision.signature_name, total_minor=revision.total_minor,
    )
    await announce(
        DECIDED, quote.public_id, f"customer:{portal.email}",
        decision=kind, revision=revision.number, email=portal.email, message=message,
        number=quote.number, total_minor=revision.total_minor, currency=revision.currency,
    )
    return redirect(url_for("quotes.detail", quote_id=quote.public_id, done=kind))
