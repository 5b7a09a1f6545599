"""Quotes in the staff console: list, create, edit the draft (issue 6, S6).

The blueprint is named ``console_quotes`` (so it stays open while a
tenant's portal is switched off) and lives under ``/console/quotes``; like
core's console areas it loads the signed-in staff member before each
request and needs the ``back_office`` permission on every page. Sending,
revising and converting are in :mod:`plugins.quotes.console_actions`.

Staff edit only the draft revision. A quote that was sent shows its
revisions, the customer's decisions with their signatures, and the
customer's messages.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from quart import abort, g, request, url_for

from core.audit import record
from core.i18n import gettext as _, lazy_gettext
from core.console.pages import Column, Filter, ListPage, PricedLines, actor, console_blueprint, customer_column, iso, number_column, object_or_404, staff_required, status_column, with_done
from core.console.form_fields import FormReader
from core.console.shell import notice, render_console
from core.models.customers import CustomerAccount
from core.models.jobs import Job, JobCharge
from core.money import amount_input
from core.services import current_services
from core.web.rendering import tenant_today
from plugins.quotes.documents import load_document
from plugins.quotes.emails import quote_recipients
from plugins.quotes.models import DRAFT, OPEN_STATUSES, STATUS_LABELS, STATUSES, EXPIRED, Quote, QuoteLine, QuoteMessage, QuoteRevision
from plugins.quotes.revisions import LineInput, RevisionRefused, create_quote, recompute_totals, require_draft
from plugins.quotes.settings import quote_settings

blueprint = console_blueprint("console_quotes", __name__, url_prefix="/console/quotes")

TITLE_MAX = 200
NOTES_MAX = 4000
NOTICES = {
    "created": lazy_gettext("Quote created. Add its lines, then send it."),
    "line_added": lazy_gettext("Line added."),
    "line_saved": lazy_gettext("Line saved."),
    "line_deleted": lazy_gettext("Line removed."),
    "details_saved": lazy_gettext("Saved."),
    "sent": lazy_gettext("Quote sent to the customer."),
    "already_sent": lazy_gettext("This version had already been sent."),
    "revised": lazy_gettext("A new revision was started from the latest one. Change it, then send it."),
    "discarded": lazy_gettext("The unsent revision was thrown away."),
    "job_created": lazy_gettext("A job was made from the approved quote."),
}


async def quote_or_404(quote_id: str) -> Quote:
    return await object_or_404(Quote, quote_id, "account", "job", "invoice")


def _detail_url(quote: Quote) -> str:
    return url_for("console_quotes.detail", quote_id=quote.public_id)


def to_quote(quote: Quote, done: str, anchor: str = ""):
    """Back to the quote's page with a confirmation (``done`` is a key of :data:`NOTICES`)."""
    return with_done(_detail_url(quote), done, anchor)


# -- the list -------------------------------------------------------------------


def _by_status(query, status: str):
    today = tenant_today(g.tenant)
    if status == EXPIRED:
        return query.filter(status__in=OPEN_STATUSES, valid_until__lt=today)
    if status in OPEN_STATUSES:
        return query.filter(status=status).exclude(valid_until__lt=today)
    return query.filter(status=status)


QUOTES = ListPage(
    Quote, "quotes/console/list.html", (lazy_gettext("quote"), lazy_gettext("quotes")),
    columns=(
        number_column(lazy_gettext("Quote")),
        customer_column(),
        Column("for", lazy_gettext("For"), csv=lambda q: q.title),
        Column("sent", lazy_gettext("Sent"), sort=("sent_at",), csv=lambda q: iso(q.sent_at)),
        status_column(STATUS_LABELS, displayed=True),
        Column("total", lazy_gettext("Total"), sort=("total_minor",), numeric=True, csv=lambda q: amount_input(q.total_minor, q.currency) if q.was_sent else ""),
    ),
    filters=(Filter("status", lazy_gettext("Status"), [("", lazy_gettext("Any status")), *((s, STATUS_LABELS[s]) for s in STATUSES if s != "superseded")], apply=_by_status),),
    default_sort="-created",
    extra_sorts={"created": ("id",)},
    select_related=("account", "job"),
    by_account=True,
    csv_name="quotes",
)
QUOTES.route(blueprint, "back_office", status_labels=STATUS_LABELS)


# -- a new quote ---------------------------------------------------------------


async def _new_page(account: CustomerAccount | None, values: dict[str, Any], errors: dict[str, str], status: int = 200):
    accounts = [] if account else await CustomerAccount.filter(archived=False).order_by("name")
    jobs = await Job.filter(account_id=account.id).order_by("-scheduled_start", "-id") if account else []
    job_options = [("", _("None: work not booked yet (an opportunity)"))] + [(j.public_id, f"{j.number} · {j.title}") for j in jobs]
    body = await render_console(
        "quotes/console/new.html", account=account, accounts=accounts, job_options=job_options, values=values, errors=errors
    )
    return body, status


@blueprint.get("/new")
@staff_required("back_office")
async def new():
    """Pick the customer (``?account=``), or start from a job (``?job=``), then describe the work.

    ``?title=`` and ``?notes=`` fill in the form (another plugin's "turn this into a quote" link).
    """
    job = await Job.get_or_none(public_id=request.args["job"]).select_related("account") if request.args.get("job") else None
    account = job.account if job else None
    if account is None and request.args.get("account"):
        account = await CustomerAccount.get_or_none(public_id=request.args["account"])
        if account is None:
            abort(404)
    settings = await quote_settings(current_services().plugins)
    values = {
        "job": job.public_id if job else "",
        "title": job.title if job else request.args.get("title", "").strip()[:TITLE_MAX],
        "notes": request.args.get("notes", "").strip()[:NOTES_MAX],
        "valid_until": (tenant_today(g.tenant) + timedelta(days=settings.validity_days)).isoformat(),
        "copy_charges": "on",
    }
    return await _new_page(account, values, {})


@blueprint.post("/new")
@staff_required("back_office")
async def create():
    form = await request.form
    account = await CustomerAccount.get_or_none(public_id=form.get("account", ""), archived=False)
    if account is None:
        abort(404)
    reader = FormReader(form, g.tenant)
    job = None
    if reader.raw("job"):
        job = await Job.get_or_none(public_id=reader.raw("job"), account_id=account.id)
        if job is None:
            reader.fail("job", _("Choose one of this customer's jobs, or none for work not booked yet."))
    title = reader.text("title", _("The title"), max_length=TITLE_MAX, required=True)
    valid_until = reader.local_date("valid_until", _("The validity date"))
    if valid_until is not None and valid_until < tenant_today(g.tenant):
        reader.fail("valid_until", _("The validity date is in the past."))
    notes = reader.text("notes", _("The notes"), max_length=NOTES_MAX, multiline=True)
    if reader.errors:
        return await _new_page(account, reader.values, reader.errors, 400)
    lines = []
    if job is not None and reader.checkbox("copy_charges"):
        charges = await JobCharge.filter(job_id=job.id).order_by("position", "id")
        lines = [LineInput(c.description, c.quantity_milli, c.unit_price_minor, c.amount_minor) for c in charges]
    quote, _draft = await create_quote(
        account, title=title, currency=g.tenant.currency, job=job, created_by=g.staff,
        valid_until=valid_until, notes=notes, lines=lines,
    )
    await record(
        "quote.created", actor_type="staff", actor=actor(), target=quote.public_id,
        number=quote.number, account=account.public_id, job=job.public_id if job else None,
    )
    return to_quote(quote, "created")


# -- one quote -----------------------------------------------------------------


async def detail_page(quote: Quote, values: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200):
    tenant = g.tenant
    today = tenant_today(tenant)
    revisions = list(await QuoteRevision.filter(quote_id=quote.id).order_by("-number"))
    draft = next((r for r in revisions if r.status == DRAFT), None)
    shown = draft or next((r for r in revisions if r.number == quote.revision), None)
    document = await load_document(quote, shown, today, tenant) if shown else None
    defaults: dict[str, str] = {"quantity": "1"}
    if draft is not None:
        defaults.update(
            title=draft.title,
            notes=draft.notes,
            valid_until=draft.valid_until.isoformat() if draft.valid_until else "",
            tax=amount_input(draft.tax_minor, draft.currency),
        )
    recipients = await quote_recipients(quote.account)
    body = await render_console(
        "quotes/console/detail.html",
        quote=quote,
        status=quote.display_status(today),
        status_labels=STATUS_LABELS,
        revisions=revisions,
        draft=draft,
        doc=document,
        today=today,
        recipients=recipients,
        messages=await QuoteMessage.filter(quote_id=quote.id).order_by("-created_at", "-id"),
        values={**defaults, **(values or {})},
        errors=errors or {},
        notice=notice(NOTICES),
    )
    return body, status


@blueprint.get("/<quote_id>")
@staff_required("back_office")
async def detail(quote_id: str):
    return await detail_page(await quote_or_404(quote_id))


async def refused_page(quote: Quote, exc: Exception, field: str = "draft"):
    return await detail_page(quote, errors={field: str(exc)}, status=409)


@blueprint.post("/<quote_id>/details")
@staff_required("back_office")
async def save_details(quote_id: str):
    """The draft's title, notes, validity date and tax."""
    quote = await quote_or_404(quote_id)
    try:
        draft = await require_draft(quote)
    except RevisionRefused as exc:
        return await refused_page(quote, exc)
    reader = FormReader(await request.form, g.tenant)
    title = reader.text("title", _("The title"), max_length=TITLE_MAX, required=True)
    notes = reader.text("notes", _("The notes"), max_length=NOTES_MAX, multiline=True)
    valid_until = reader.local_date("valid_until", _("The validity date"))
    tax = reader.amount("tax", currency=draft.currency) if reader.raw("tax").strip() else 0
    if reader.errors:
        return await detail_page(quote, reader.values, reader.errors, 400)
    updated = await QuoteRevision.filter(id=draft.id, status=DRAFT).update(title=title, notes=notes, valid_until=valid_until, tax_minor=tax)
    if not updated:
        return await refused_page(quote, RevisionRefused(_("This revision was sent meanwhile and cannot change.")))
    await recompute_totals(await QuoteRevision.get(id=draft.id))
    await record("quote.updated", actor_type="staff", actor=actor(), target=quote.public_id, revision=draft.number)
    return to_quote(quote, "details_saved")


LINES = PricedLines(QuoteLine, parent="revision", audit="quote.line", totals=recompute_totals)


def _line_audit(quote: Quote, draft: QuoteRevision) -> dict[str, Any]:
    return {"target": quote.public_id, "revision": draft.number}


@blueprint.post("/<quote_id>/lines")
@staff_required("back_office")
async def add_line(quote_id: str):
    quote = await quote_or_404(quote_id)
    try:
        draft = await require_draft(quote)
    except RevisionRefused as exc:
        return await refused_page(quote, exc)
    return await LINES.add(
        draft, back=_detail_url(quote), audit=_line_audit(quote, draft),
        invalid=lambda values, errors: detail_page(quote, values, errors, 400),
    )


@blueprint.route("/<quote_id>/lines/<line_id>", methods=["GET", "POST"])
@staff_required("back_office")
async def edit_line(quote_id: str, line_id: str):
    quote = await quote_or_404(quote_id)
    try:
        draft = await require_draft(quote)
    except RevisionRefused as exc:
        return await refused_page(quote, exc)
    line = await LINES.line_or_404(draft, line_id)
    return await LINES.edit(
        draft, line, currency=draft.currency, title=_("Line of quote %(number)s", number=quote.number),
        back=_detail_url(quote), back_label=_("Quote %(number)s · %(customer)s", number=quote.number, customer=quote.account.name), audit=_line_audit(quote, draft),
    )


@blueprint.post("/<quote_id>/lines/<line_id>/delete")
@staff_required("back_office")
async def delete_line(quote_id: str, line_id: str):
    quote = await quote_or_404(quote_id)
    try:
        draft = await require_draft(quote)
    except RevisionRefused as exc:
        return await refused_page(quote, exc)
    line = await LINES.line_or_404(draft, line_id)
    return await LINES.remove(draft, line, back=_detail_url(quote), audit=_line_audit(quote, draft))


# Sending, revising, converting and the PDF register on the same blueprint.
from plugins.quotes import console_actions as _actions  # noqa: E402,F401
