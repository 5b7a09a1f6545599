"""Jobs and their charges in the back office (S6, W1, W2).

* The jobs list: every job, or one account's (``?account=``), filtered by
  status and by scheduled date, sorted and paginated.
* A job: number (the next one unless typed), title, description, status,
  schedule typed in the business's time zone, technician (a staff member or
  a free-text name), service address and the invoice view customers get
  (detailed lines or one summary line, chosen per job).
* Its page gathers what hangs on it: charges (added, edited, removed here),
  visits with photos (:mod:`core.console.visits`), notes and attachments
  with their share switch (:mod:`core.console.notes`) and its invoices
  (:mod:`core.console.invoices`).

Charge amounts are computed on the server from the quantity (thousandths)
and the unit price (minor units) typed as decimals. Everything needs
``back_office`` and is audited.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from quart import Blueprint, abort, g, request, url_for

from core.audit import record
from core.console.access import staff_required
from core.console.actions import console_buttons, console_sections
from core.console.customers import account_or_404
from core.console.form_fields import FormReader, datetime_input
from core.console.numbering import create_numbered, number_taken
from core.console.priced_lines import PricedLines
from core.console.shell import notice, render_console
from core.i18n import gettext as _, lazy_gettext
from core.models.billing import Invoice
from core.models.customers import CustomerAccount
from core.models.jobs import INVOICE_VIEWS, JOB_STATUSES, Attachment, Job, JobCharge, Note, Visit
from core.models.staff import StaffUser
from core.console.forms import actor, object_or_404, with_done
from core.console.lists import Column, Filter, ListPage, ListState, customer_column, iso, number_column, status_column
from core.portal import invoices as portal_invoices
from core.portal.pagination import DateRange
from core.portal.work import STATUS_LABELS
from core.thumbnails import has_thumbnail
from core.web.rendering import tenant_today

blueprint = Blueprint("jobs", __name__, url_prefix="/jobs")

NUMBER_PREFIX = "J-"
VIEW_LABELS = {
    "detailed": lazy_gettext("Detailed: every line with quantity and price"),
    "summary": lazy_gettext("Summary: one line for the job"),
}
NOTICES = {
    "created": lazy_gettext("Job created."),
    "saved": lazy_gettext("Job saved."),
    "charge_added": lazy_gettext("Charge added."),
    "charge_saved": lazy_gettext("Charge saved."),
    "charge_deleted": lazy_gettext("Charge removed."),
    "visit_saved": lazy_gettext("Visit saved."),
    "visit_deleted": lazy_gettext("Visit removed."),
    "note_added": lazy_gettext("Note added."),
    "note_shared": lazy_gettext("The note is now shared with the customer."),
    "note_hidden": lazy_gettext("The note is no longer shared with the customer."),
    "note_deleted": lazy_gettext("Note removed."),
    "file_added": lazy_gettext("File added."),
    "file_shared": lazy_gettext("The file is now shared with the customer."),
    "file_hidden": lazy_gettext("The file is no longer shared with the customer."),
    "file_deleted": lazy_gettext("File removed."),
}


async def job_or_404(job_id: str) -> Job:
    return await object_or_404(Job, job_id, "account")


def _detail_url(job: Job) -> str:
    return url_for("console.jobs.detail", job_id=job.public_id)


def job_page(job: Job, done: str, anchor: str = ""):
    """Back to the job's page with a confirmation (``done`` is a key of :data:`NOTICES`)."""
    return with_done(_detail_url(job), done, anchor)


# -- the list -----------------------------------------------------------------


def _day_bounds(reader: FormReader) -> tuple[datetime | None, datetime | None]:
    """The ``from``/``to`` days of the query as UTC bounds in the business's zone."""
    start = reader.local_date("from", _("The start date"))
    end = reader.local_date("to", _("The end date"))
    if start and end and start > end:
        reader.fail("to", _("The end date is before the start date."))
        return None, None
    low = DateRange(start, start).bounds(reader.tenant)[0] if start else None
    high = DateRange(end, end).bounds(reader.tenant)[1] if end else None
    return low, high


def _by_day(query, state: ListState):
    low, high = _day_bounds(state.reader)
    if low:
        query = query.filter(scheduled_start__gte=low)
    if high:
        query = query.filter(scheduled_start__lt=high)
    return query


JOBS = ListPage(
    Job, "console/jobs/list.html", (lazy_gettext("job"), lazy_gettext("jobs")),
    title=lazy_gettext("Jobs"), empty=lazy_gettext("No jobs match."), show_label=lazy_gettext("Show jobs"),
    columns=(
        number_column(lazy_gettext("Job")),
        Column("title", lazy_gettext("Title"), sort=("title",), csv=lambda j: j.title),
        customer_column("account"),
        Column("date", lazy_gettext("Scheduled"), sort=("scheduled_start",), csv=lambda j: iso(j.scheduled_start)),
        status_column(STATUS_LABELS),
        Column("technician", lazy_gettext("Technician"), csv=lambda j: j.technician_name),
    ),
    filters=(Filter("status", lazy_gettext("Status"), [("", lazy_gettext("Any status")), *((s, STATUS_LABELS[s]) for s in JOB_STATUSES)]),),
    default_sort="-date",
    select_related=("account",),
    by_account=True,
    narrow=_by_day,
    csv_name="jobs",
)
JOBS.route(blueprint, "back_office", status_labels=STATUS_LABELS)


# -- create and edit ------------------------------------------------------------


async def _technicians() -> list[StaffUser]:
    return list(await StaffUser.filter(active=True).order_by("name"))


async def _form_page(job: Job | None, account: CustomerAccount | None, values: dict[str, Any], errors: dict[str, str], status: int = 200):
    technicians = await _technicians()
    accounts = [] if account else list(await CustomerAccount.filter(archived=False).order_by("name"))
    body = await render_console(
        "console/jobs/form.html",
        job=job,
        account=account,
        accounts=[(a.public_id, f"{a.name} ({a.number})") for a in accounts],
        values=values,
        errors=errors,
        statuses=[(s, STATUS_LABELS[s]) for s in JOB_STATUSES],
        views=list(VIEW_LABELS.items()),
        technicians=[("", _("Nobody yet, or someone not on the staff"))] + [(t.public_id, t.name) for t in technicians],
    )
    return body, status


def _job_values(job: Job) -> dict[str, str]:
    tenant = g.tenant
    return {
        "number": job.number,
        "title": job.title,
        "description": job.description,
        "status": job.status,
        "scheduled_start": datetime_input(job.scheduled_start, tenant),
        "scheduled_end": datetime_input(job.scheduled_end, tenant),
        "technician": job.technician.public_id if job.technician else "",
        "technician_name": "" if job.technician else job.technician_name,
        "service_address": job.service_address,
        "invoice_view": job.invoice_view,
    }


async def _read_job(reader: FormReader, job: Job | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": reader.text("title", _("Title"), max_length=200, required=True),
        "description": reader.text("description", _("Description"), max_length=5000, multiline=True),
        "status": reader.choice("status", _("a status"), JOB_STATUSES, "scheduled"),
        "scheduled_start": reader.local_datetime("scheduled_start", _("The start")),
        "scheduled_end": reader.local_datetime("scheduled_end", _("The end")),
        "service_address": reader.text("service_address", _("Service address"), max_length=2000, multiline=True),
        "invoice_view": reader.choice("invoice_view", _("an invoice view"), INVOICE_VIEWS, "detailed"),
    }
    start, end = fields["scheduled_start"], fields["scheduled_end"]
    if end and not start:
        reader.fail("scheduled_start", _("Enter the start as well as the end."))
    elif start and end and end <= start:
        reader.fail("scheduled_end", _("The end must be after the start."))
    number = reader.text("number", _("Job number"), max_length=40)
    if number and await number_taken(Job, number, exclude_id=job.id if job else None):
        reader.fail("number", _("Another job already has the number %(number)s.", number=number))
    if job is not None and not number:
        reader.fail("number", _("Enter the job number."))
    if number:
        fields["number"] = number
    fields.update(await _read_technician(reader))
    return fields


async def _read_technician(reader: FormReader) -> dict[str, Any]:
    """A staff member (their name is copied for customers) or a typed name."""
    chosen = reader.raw("technician")
    name = reader.text("technician_name", _("Technician's name"), max_length=200)
    if not chosen:
        return {"technician": None, "technician_name": name}
    staff = await StaffUser.get_or_none(public_id=chosen, active=True)
    if staff is None:
        reader.fail("technician", _("Choose a technician from the list."))
        return {}
    return {"technician": staff, "technician_name": staff.name}


def _completion(fields: dict[str, Any], job: Job | None) -> None:
    """A job that becomes completed is completed now; one that stops being completed is not."""
    if fields.get("status") == "completed":
        fields["completed_at"] = (job.completed_at if job else None) or datetime.now(timezone.utc)
    else:
        fields["completed_at"] = None


@blueprint.route("/new", methods=["GET", "POST"])
@staff_required("back_office")
async def new():
    """A new job for ``?account=`` (or for the account chosen on the form)."""
    account_id = request.args.get("account") or (await request.form).get("account", "")
    account = await account_or_404(account_id) if account_id else None
    if account is not None and account.archived:
        abort(404)
    if request.method == "GET":
        values = {"status": "scheduled", "invoice_view": "detailed", "service_address": account.billing_address if account else ""}
        return await _form_page(None, account, values, {})
    reader = FormReader(await request.form, g.tenant)
    if account is None:
        reader.fail("account", _("Choose the customer account."))
    fields = await _read_job(reader, None)
    if reader.errors:
        return await _form_page(None, account, reader.values, reader.errors, 400)
    _completion(fields, None)
    number = fields.pop("number", None)
    if number:
        job = await Job.create(account=account, number=number, **fields)
    else:
        job = await create_numbered(Job, NUMBER_PREFIX, account=account, **fields)
    await record("job.created", actor_type="staff", actor=actor(), target=job.public_id, number=job.number, account=account.public_id)
    return job_page(job, "created")


@blueprint.route("/<job_id>/edit", methods=["GET", "POST"])
@staff_required("back_office")
async def edit(job_id: str):
    job = await job_or_404(job_id)
    await job.fetch_related("technician")
    if request.method == "GET":
        return await _form_page(job, job.account, _job_values(job), {})
    reader = FormReader(await request.form, g.tenant)
    fields = await _read_job(reader, job)
    if reader.errors:
        return await _form_page(job, job.account, reader.values, reader.errors, 400)
    _completion(fields, job)
    changed = sorted(name for name, value in fields.items() if getattr(job, name) != value)
    for name, value in fields.items():
        setattr(job, name, value)
    await job.save()
    await record("job.updated", actor_type="staff", actor=actor(), target=job.public_id, changed=changed)
    return job_page(job, "saved")


# -- the job's page -----------------------------------------------------------


async def detail_page(job: Job, charge_values: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200):
    await job.fetch_related("technician")
    charges = list(await JobCharge.filter(job_id=job.id))
    visits = await Visit.filter(job_id=job.id).order_by("-completed_at", "-scheduled_at", "-id").prefetch_related("photos")
    notes = list(await Note.filter(job_id=job.id).order_by("-created_at", "-id"))
    files = list(await Attachment.filter(job_id=job.id).order_by("-created_at", "-id"))
    invoices = list(await Invoice.filter(job_id=job.id).order_by("-id"))
    body = await render_console(
        "console/jobs/detail.html",
        job=job,
        account=job.account,
        charges=charges,
        charges_total=sum(c.amount_minor for c in charges),
        # Plain numbers: Jinja's async mode would iterate the relation again, one query a visit.
        visits=[(visit, len(visit.photos)) for visit in visits],
        notes=notes,
        files=files,
        invoices=invoices,
        status_label=STATUS_LABELS.get(job.status, job.status),
        view_label=VIEW_LABELS.get(job.invoice_view, job.invoice_view),
        invoice_status_labels={"draft": _("Draft"), **portal_invoices.STATUS_LABELS},
        values=charge_values or {"quantity": "1"},
        errors=errors or {},
        notice=notice(NOTICES),
        today=tenant_today(g.tenant),
        has_thumbnail=has_thumbnail,
        actions=await console_buttons("job", job),
        sections=await console_sections("console_job", job),
    )
    return body, status


@blueprint.get("/<job_id>")
@staff_required("back_office")
async def detail(job_id: str):
    return await detail_page(await job_or_404(job_id))


# -- charges --------------------------------------------------------------------

CHARGES = PricedLines(JobCharge, parent="job", audit="job.charge", done="charge", anchor="charges", removed=("description",))


@blueprint.post("/<job_id>/charges")
@staff_required("back_office")
async def add_charge(job_id: str):
    job = await job_or_404(job_id)
    return await CHARGES.add(
        job, back=_detail_url(job), audit={"job": job.public_id}, currency=g.tenant.currency,
        invalid=lambda values, errors: detail_page(job, values, errors, 400),
    )


@blueprint.route("/<job_id>/charges/<charge_id>", methods=["GET", "POST"])
@staff_required("back_office")
async def edit_charge(job_id: str, charge_id: str):
    job = await job_or_404(job_id)
    charge = await CHARGES.line_or_404(job, charge_id)
    return await CHARGES.edit(
        job, charge, currency=charge.currency, title=_("Charge on job %(number)s", number=job.number),
        back=_detail_url(job), back_label=_("Job %(number)s · %(title)s", number=job.number, title=job.title), audit={"job": job.public_id},
    )


@blueprint.post("/<job_id>/charges/<charge_id>/delete")
@staff_required("back_office")
async def delete_charge(job_id: str, charge_id: str):
    job = await job_or_404(job_id)
    charge = await CHARGES.line_or_404(job, charge_id)
    return await CHARGES.remove(job, charge, back=_detail_url(job), audit={"job": job.public_id})
