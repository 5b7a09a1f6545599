"""Work history (W1) and the job page (W2).

The list shows the account's upcoming and past jobs with a status filter, a
search, sorting and pagination. The job page shows details, charges (and,
to addresses that may see invoices, the job's invoices and payments), the
notes and attachments staff shared, plugin tabs and actions. Every query is
scoped to the signed-in account: another account's job is a 404, like a job
that does not exist.
"""

from __future__ import annotations

from collections import defaultdict

from quart import Blueprint, abort, g, request
from tortoise.expressions import Q
from tortoise.functions import Count

from core.auth.current import login_required
from core.i18n import lazy_gettext, lazy_pgettext
from core.models.billing import Invoice, Payment
from core.models.jobs import Attachment, Job, JobCharge, Note, Visit
from core.portal.access import billing_visible, invoice_link
from core.portal.contributions import action_buttons, job_tab_links, work_tab_links
from core.portal.pagination import Sorter, choice_arg, paginate
from core.portal.views import render_portal
from core.sql import job_lists, rows_from_json
from core.thumbnails import has_thumbnail
from core.web.rendering import tenant_today

blueprint = Blueprint("work", __name__)
blueprint.portal_section = "work_history"  # type: ignore[attr-defined]

STATUS_LABELS = {
    "scheduled": lazy_gettext("Scheduled"),
    "in_progress": lazy_gettext("In progress"),
    "completed": lazy_gettext("Completed"),
    "cancelled": lazy_gettext("Cancelled"),
}
SHOWS = {
    "upcoming": ("scheduled", "in_progress"),
    "past": ("completed", "cancelled"),
    "all": tuple(STATUS_LABELS),
}
SHOW_LABELS = {"upcoming": lazy_gettext("Upcoming"), "past": lazy_gettext("Past"), "all": lazy_pgettext("jobs", "All")}
_COLUMNS = {"date": ("scheduled_start",), "number": ("number",), "title": ("title",), "status": ("status",)}
# Upcoming work reads soonest first; history reads latest first.
SORTS = {
    "upcoming": Sorter(_COLUMNS, default="date"),
    "past": Sorter(_COLUMNS, default="-date"),
    "all": Sorter(_COLUMNS, default="-date"),
}
SEARCH_MAX = 100
# A failed card attempt is not money received; the payments list shows those.
HIDDEN_PAYMENT_STATUSES = ("failed",)


async def account_job_or_404(job_id: str) -> Job:
    """The signed-in account's job with this public id, or 404.

    For plugins' job tabs too: ``job = await account_job_or_404(job_id)``.
    """
    job = await Job.get_or_none(public_id=job_id, account_id=g.portal.account.id)
    if job is None:
        abort(404)
    return job


async def status_counts(account_id: int) -> dict[str, int]:
    """Jobs of the account per status: one grouped query (on an index)."""
    rows = await Job.filter(account_id=account_id).annotate(n=Count("id")).group_by("status").values("status", "n")
    return {row["status"]: row["n"] for row in rows}


def tab_counts(per_status: dict[str, int]) -> dict[str, int]:
    """Jobs per tab (upcoming, past, all) from :func:`status_counts`."""
    return {show: sum(per_status.get(s, 0) for s in statuses) for show, statuses in SHOWS.items()}


async def job_counts(account_id: int) -> dict[str, int]:
    """Jobs per tab (upcoming, past, all): one grouped query."""
    return tab_counts(await status_counts(account_id))


@blueprint.get("/jobs", endpoint="list")
@login_required
async def jobs():
    portal = g.portal
    show = choice_arg("show", tuple(SHOWS), "upcoming")
    status = choice_arg("status", SHOWS[show], "")
    search = request.args.get("q", "").strip()[:SEARCH_MAX]
    sort = SORTS[show].parse()

    query = Job.filter(account_id=portal.account.id)
    query = query.filter(status=status) if status else query.filter(status__in=SHOWS[show])
    if search:
        query = query.filter(Q(title__icontains=search) | Q(number__icontains=search))
    per_status = await status_counts(portal.account.id)
    counts = tab_counts(per_status)
    # Without a search, the counts per status already hold the list's length.
    total = None if search else (per_status.get(status, 0) if status else counts[show])
    page = await paginate(query.order_by(*sort.order_by), total=total)
    return await render_portal(
        "portal/work_list.html",
        tabs=await work_tab_links(portal, current=show, counts=counts),
        page=page,
        sort=sort,
        show=show,
        status=status,
        search=search,
        counts=counts,
        shows=SHOW_LABELS,
        statuses=[(s, STATUS_LABELS[s]) for s in SHOWS[show]],
        status_labels=STATUS_LABELS,
        filtered=bool(status or search),
    )


@blueprint.get("/jobs/<job_id>")
@login_required
async def job(job_id: str):
    from core.portal.invoices import STATUS_LABELS as INVOICE_STATUS_LABELS, method_label
    from core.portal.payments import STATUS_LABELS as PAYMENT_STATUS_LABELS

    portal = g.portal
    # The job with its charges, shared notes and files, completed visits: one query.
    job = await Job.filter(public_id=job_id, account_id=portal.account.id).annotate(**job_lists()).first()
    if job is None:
        abort(404)
    charges = rows_from_json(JobCharge, job.charges_json)
    notes = rows_from_json(Note, job.notes_json)
    files = rows_from_json(Attachment, job.files_json)
    visits = rows_from_json(Visit, job.visits_json)

    invoices: list[Invoice] = []
    payments: list[Payment] = []
    if billing_visible(portal):
        # Drafts are the business's work in progress, never the customer's.
        invoices = await Invoice.filter(job_id=job.id, account_id=portal.account.id).exclude(status="draft").order_by("issued_on", "id")
        payments = await (
            Payment.filter(invoice__job_id=job.id, account_id=portal.account.id)
            .exclude(invoice__status="draft")
            .exclude(status__in=HIDDEN_PAYMENT_STATUSES)
            .select_related("invoice")
            .order_by("received_at", "id")
        )

    totals: dict[str, int] = defaultdict(int)
    for charge in charges:
        totals[charge.currency] += charge.amount_minor
    return await render_portal(
        "portal/job.html",
        job=job,
        status_label=STATUS_LABELS.get(job.status, job.status),
        charges=charges,
        charge_totals=dict(totals),
        notes=notes,
        photos=[f for f in files if f.kind == "photo"],
        documents=[f for f in files if f.kind != "photo"],
        visits=visits,
        invoices=invoices,
        payments=payments,
        show_billing=billing_visible(portal),
        today=tenant_today(portal.tenant),
        invoice_url=invoice_link,
        invoice_status_labels=INVOICE_STATUS_LABELS,
        payment_status_labels=PAYMENT_STATUS_LABELS,
        method_label=method_label,
        has_thumbnail=has_thumbnail,
        visit_links=portal.tenant.section_enabled("service_history"),
        tabs=await job_tab_links(job, portal),
        actions=await action_buttons("job", job, portal),
    )
