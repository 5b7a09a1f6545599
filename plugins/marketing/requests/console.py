"""Service requests in the staff console (M3): the list, a request, answer, job, quote, decline.

The blueprint is named ``console_marketing_requests`` (so it stays open while
a tenant's portal is switched off) and lives under ``/console/requests``;
every page needs the ``back_office`` permission. Each staff action is
audited, moves the request with a conditional UPDATE (a double click
changes nothing twice) and emails the customer who asked.

"Turn into a quote" marks the request quoted and opens the quotes plugin's
"new quote" page with the customer, title and notes filled in. It is offered
only while the quotes plugin is enabled for the tenant, and reaches it by
URL only: the plugins do not import each other.
"""

from __future__ import annotations

from urllib.parse import urlencode

from quart import abort, g, redirect, request, url_for

from core.audit import record
from core.console.pages import Column, Field, Filter, FormPage, ListPage, actor, console_blueprint, iso, object_or_404, staff_required, status_column, with_done
from core.console.form_fields import FormReader
from core.console.shell import notice, render_console
from core.i18n import gettext as _, lazy_gettext
from core.models.jobs import Job
from core.portal.access import link_to
from core.portal.documents import attachment_response
from plugins.marketing.requests.models import (
    ANSWERED,
    DECLINED,
    FILTER_LABELS,
    OPEN_FILTER,
    QUOTED,
    SCHEDULED,
    STATUS_LABELS,
    STATUSES,
    RequestAnswer,
    RequestPhoto,
    ServiceRequest,
)
from plugins.marketing.requests.service import (
    RequestRefused,
    answer,
    decline,
    email_customer,
    filter_by_status,
    job_description,
    mark_quoted,
    to_job,
)

blueprint = console_blueprint("console_marketing_requests", __name__, url_prefix="/console/requests")

ANSWER_MAX = 4000
QUOTE_NOTES_MAX = 4000
ANSWER = FormPage(
    fields=(Field("body", lazy_gettext("Your answer"), kind="textarea", max_length=ANSWER_MAX, required=True),), audit="request.answered"
)
NOTICES = {
    "answered": lazy_gettext("Your answer was sent to the customer."),
    "job": lazy_gettext("A job was made from this request; the customer was told. Schedule it on the job's page."),
    "declined": lazy_gettext("The request was declined; the customer was told."),
    "quoted": lazy_gettext("The request is marked as quoted."),
}


async def request_or_404(request_id: str) -> ServiceRequest:
    return await object_or_404(ServiceRequest, request_id, "account")


def to_request(found: ServiceRequest, done: str):
    return with_done(url_for("console_marketing_requests.detail", request_id=found.public_id), done)


def quotes_offered() -> bool:
    return "quotes" in g.get("enabled_plugins", frozenset()) and link_to("console_quotes.new") is not None


def quote_url(found: ServiceRequest) -> str:
    """The quotes plugin's "new quote" page, filled in from the request."""
    notes = job_description(found)[:QUOTE_NOTES_MAX]
    query = urlencode({"account": found.account.public_id, "title": found.what, "notes": notes})
    return f"{link_to('console_quotes.new')}?{query}"


# -- the list -----------------------------------------------------------------------


REQUESTS = ListPage(
    ServiceRequest, "marketing/requests/console/list.html", (lazy_gettext("request"), lazy_gettext("requests")), title=lazy_gettext("Service requests"),
    show_label=lazy_gettext("Show requests"), empty=lazy_gettext("No requests match."),
    columns=(
        Column("sent", lazy_gettext("Sent"), csv=lambda r: iso(r.created_at)),
        Column("customer", lazy_gettext("Customer"), csv=lambda r: r.account.name),
        Column("what", lazy_gettext("What"), csv=lambda r: r.what),
        Column("dates", lazy_gettext("Preferred dates"), csv=lambda r: " ".join(str(day) for day in r.preferred_dates)),
        status_column(STATUS_LABELS, sort=False),
    ),
    filters=(
        Filter(
            "status", lazy_gettext("Status"),
            [(OPEN_FILTER, FILTER_LABELS[OPEN_FILTER]), ("", lazy_gettext("Every request")), *((s, STATUS_LABELS[s]) for s in STATUSES)],
            apply=filter_by_status, default=OPEN_FILTER,
        ),
    ),
    order_by=("-created_at", "-id"),
    select_related=("account",),
    csv_name="service-requests",
)
REQUESTS.route(blueprint, "back_office", status_labels=STATUS_LABELS)


# -- one request ------------------------------------------------------------------------


async def detail_page(found: ServiceRequest, values: dict | None = None, errors: dict | None = None, status: int = 200):
    job = await Job.get_or_none(id=found.job_id) if found.job_id else None
    body = await render_console(
        "marketing/requests/console/detail.html",
        req=found,
        account=found.account,
        job=job,
        photos=await RequestPhoto.filter(request_id=found.id),
        answers=await RequestAnswer.filter(request_id=found.id).order_by("created_at", "id"),
        status_labels=STATUS_LABELS,
        quotes_offered=quotes_offered() and found.is_open,
        values=values or {},
        errors=errors or {},
        notice=notice(NOTICES),
    )
    return body, status


@blueprint.get("/<request_id>")
@staff_required("back_office")
async def detail(request_id: str):
    return await detail_page(await request_or_404(request_id))


@blueprint.get("/<request_id>/photos/<photo_id>")
@staff_required("back_office")
async def photo(request_id: str, photo_id: str):
    found = await request_or_404(request_id)
    row = await RequestPhoto.get_or_none(public_id=photo_id, request_id=found.id)
    if row is None:
        abort(404)
    return await attachment_response(row)  # type: ignore[arg-type]


@blueprint.post("/<request_id>/answer")
@staff_required("back_office")
async def answer_request(request_id: str):
    found = await request_or_404(request_id)

    async def save(data: dict) -> RequestAnswer:
        row = await answer(found, g.staff, data["body"])
        await email_customer(found, ANSWERED, data["body"], created_by=actor())
        return row

    return await ANSWER.submit(
        save, lambda row: url_for("console_marketing_requests.detail", request_id=found.public_id), "answered",
        invalid=lambda values, errors: detail_page(found, values, errors, 400),
        audit_detail=lambda row: {"target": found.public_id, "answer": row.public_id},
    )


@blueprint.post("/<request_id>/job")
@staff_required("back_office")
async def make_job(request_id: str):
    found = await request_or_404(request_id)
    if found.status == SCHEDULED and found.job_id:  # a double click: the first one made it
        return to_request(found, "job")
    try:
        job = await to_job(found)
    except RequestRefused as exc:
        return await detail_page(found, errors={"status": str(exc)}, status=409)
    await record("request.scheduled", actor_type="staff", actor=actor(), target=found.public_id, job=job.public_id, number=job.number)
    await email_customer(found, SCHEDULED, created_by=actor())
    return to_request(found, "job")


@blueprint.post("/<request_id>/quote")
@staff_required("back_office")
async def make_quote(request_id: str):
    found = await request_or_404(request_id)
    if not quotes_offered():
        abort(404)
    if await mark_quoted(found):
        await record("request.quoted", actor_type="staff", actor=actor(), target=found.public_id)
        await email_customer(found, QUOTED, created_by=actor())
    elif found.status != QUOTED and (await request_or_404(request_id)).status != QUOTED:
        return await detail_page(found, errors={"status": _("Only an open request can be turned into a quote.")}, status=409)
    return redirect(quote_url(found))


@blueprint.post("/<request_id>/decline")
@staff_required("back_office")
async def decline_request(request_id: str):
    found = await request_or_404(request_id)
    reader = FormReader(await request.form, g.tenant)
    reason = reader.text("reason", _("The reason"), max_length=ANSWER_MAX, multiline=True)
    if reader.errors:
        return await detail_page(found, reader.values, reader.errors, 400)
    if await decline(found, g.staff, reason):
        await record("request.declined", actor_type="staff", actor=actor(), target=found.public_id, reason=reason)
        await email_customer(found, DECLINED, reason, created_by=actor())
    elif (await request_or_404(request_id)).status != DECLINED:
        return await detail_page(found, errors={"status": _("Only an open request can be declined.")}, status=409)
    return to_request(found, "declined")
