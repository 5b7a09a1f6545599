"""Service requests in the customer portal (M3): "Request service", the Open requests tab, a request.

The routes live under ``/jobs/requests`` and follow the "work_history"
section, like the tab they belong to. Every page is scoped to the signed-in
account: another account's request or photo, or another tenant's, is a 404
like one that does not exist.
"""

from __future__ import annotations

import re
import secrets

from quart import Blueprint, abort, g, redirect, request, url_for

from core.audit import record
from core.auth.current import login_required
from core.console.form_fields import FormReader
from core.console.uploads import UploadError, read_photos
from core.i18n import gettext as _
from core.models.jobs import Job
from core.plugin_state import announce
from core.portal.access import link_to
from core.portal.contributions import work_tab_links
from core.portal.documents import attachment_response
from core.portal.pagination import choice_arg, paginate
from core.portal.views import render_portal
from core.web.rendering import tenant_today
from plugins.marketing.requests.models import (
    ADDRESS_MAX,
    CANCELLED,
    DETAILS_MAX,
    FILTER_LABELS,
    FILTERS,
    PREFERRED_DATES,
    STATUS_LABELS,
    WHAT_MAX,
    RequestAnswer,
    RequestPhoto,
    ServiceRequest,
)
from plugins.marketing.requests.service import (
    CANCELLED_EVENT,
    CREATED,
    NewRequest,
    account_requests,
    cancel,
    create_request,
    filter_by_status,
)

blueprint = Blueprint("marketing_requests", __name__, url_prefix="/jobs/requests")
# The Open requests tab is part of Work history: its switch hides these routes too.
blueprint.portal_section = "work_history"  # type: ignore[attr-defined]

TAB_ID = "open_requests"
MAX_PHOTOS = 5
FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
NOTICES = ("created", "cancelled")


def notice_text(done: str, business: str) -> str:
    """The confirmation named by ``?done=``, in the reader's language."""
    if done == "created":
        return _("Thank you: your request was sent to %(business)s. They will answer you here and by email.", business=business)
    return _("Your request was cancelled.")


async def request_or_404(request_id: str) -> ServiceRequest:
    """The signed-in account's request with this public id, or 404."""
    found = await account_requests(g.portal.account.id).filter(public_id=request_id).first()
    if found is None:
        abort(404)
    return found


# -- the Open requests tab ------------------------------------------------------------


@blueprint.get("/", endpoint="list")
@login_required
async def request_list():
    portal = g.portal
    status = choice_arg("status", FILTERS)
    query = filter_by_status(account_requests(portal.account.id), status)
    page = await paginate(query.order_by("-created_at", "-id"))
    return await render_portal(
        "marketing/requests/list.html",
        page=page,
        status=status,
        statuses=[(value, FILTER_LABELS[value]) for value in FILTERS],
        filter_labels=FILTER_LABELS,
        status_labels=STATUS_LABELS,
        tabs=await work_tab_links(portal, current=TAB_ID),
    )


# -- Request service ------------------------------------------------------------------


async def _default_address() -> str:
    """Where the work probably is: the account's address, else its latest job's."""
    account = g.portal.account
    if account.billing_address:
        return account.billing_address
    job = await Job.filter(account_id=account.id).exclude(service_address="").order_by("-id").first()
    return job.service_address if job else ""


async def _form_page(values: dict, errors: dict, status: int = 200):
    body = await render_portal(
        "marketing/requests/new.html",
        values=values,
        errors=errors,
        today=tenant_today(g.tenant).isoformat(),
        dates=range(1, PREFERRED_DATES + 1),
        max_photos=MAX_PHOTOS,
        limits={"what": WHAT_MAX, "details": DETAILS_MAX, "address": ADDRESS_MAX},
    )
    return body, status


async def _photos(errors: dict) -> list:
    chosen = [f for f in (await request.files).getlist("photos") if f.filename]
    if not chosen:
        return []
    if len(chosen) > MAX_PHOTOS:
        errors["photos"] = _("Attach at most %(max)d photos.", max=MAX_PHOTOS)
        return []
    try:
        return await read_photos("photos")
    except UploadError as exc:
        errors["photos"] = _("%(problem)s Choose the photos again.", problem=exc)
        return []


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
async def new():
    portal = g.portal
    if request.method == "GET":
        return await _form_page({"form_key": secrets.token_urlsafe(24), "address": await _default_address()}, {})

    form = await request.form
    reader = FormReader(form, portal.tenant)
    form_key = reader.raw("form_key")
    if not FORM_KEY.match(form_key):
        reader.values["form_key"] = secrets.token_urlsafe(24)
        reader.fail("form_key", _("This form is out of date. Check what you typed and send it again."))
    what = reader.text("what", _("What you need done"), max_length=WHAT_MAX, required=True)
    details = reader.text("details", _("The details"), max_length=DETAILS_MAX, multiline=True)
    address = reader.text("address", _("The address"), max_length=ADDRESS_MAX, required=True, multiline=True)
    today = tenant_today(portal.tenant)
    dates = []
    for n in range(1, PREFERRED_DATES + 1):
        day = reader.local_date(f"date_{n}", _("The date"))
        if day is not None and day < today:
            reader.fail(f"date_{n}", _("Choose a day from today on; this one is in the past."))
        elif day is not None and day not in dates:
            dates.append(day)
    errors = dict(reader.errors)
    photos = await _photos(errors)
    if errors:
        return await _form_page(reader.values, errors, 400)

    created_request, created = await create_request(
        portal.account, portal.email, form_key, NewRequest(what, details, address, tuple(sorted(dates))), photos
    )
    if created:
        await record(
            "request.created", actor_type="customer", actor=portal.email, target=created_request.public_id,
            account=portal.account.public_id, photos=len(photos),
        )
        await announce(CREATED, created_request.public_id, f"customer:{portal.email}", email=portal.email)
    return redirect(url_for("marketing_requests.detail", request_id=created_request.public_id, done="created"))


# -- one request ------------------------------------------------------------------------


async def detail_page(found: ServiceRequest, problem: str | None = None, status: int = 200):
    portal = g.portal
    done = request.args.get("done", "")
    job_url = None
    if found.job_id is not None:
        job = await Job.get_or_none(id=found.job_id, account_id=portal.account.id)
        job_url = link_to("work.job", job_id=job.public_id) if job else None
    body = await render_portal(
        "marketing/requests/detail.html",
        req=found,
        photos=await RequestPhoto.filter(request_id=found.id),
        answers=await RequestAnswer.filter(request_id=found.id).order_by("created_at", "id"),
        status_labels=STATUS_LABELS,
        job_url=job_url,
        notice=notice_text(done, portal.tenant.name) if done in NOTICES and not problem else None,
        problem=problem,
        can_cancel=found.is_open and not portal.read_only,
    )
    return body, status


@blueprint.get("/<request_id>")
@login_required
async def detail(request_id: str):
    return await detail_page(await request_or_404(request_id))


@blueprint.post("/<request_id>/cancel")
@login_required
async def cancel_request(request_id: str):
    portal = g.portal
    found = await request_or_404(request_id)
    if await cancel(found):
        await record("request.cancelled", actor_type="customer", actor=portal.email, target=found.public_id)
        await announce(CANCELLED_EVENT, found.public_id, f"customer:{portal.email}", email=portal.email)
    elif (found := await request_or_404(request_id)).status != CANCELLED:  # a double click finds it cancelled: fine
        label = STATUS_LABELS.get(found.status, found.status).lower()
        return await detail_page(found, problem=_("This request is %(status)s and can no longer be cancelled.", status=label), status=409)
    return redirect(url_for("marketing_requests.detail", request_id=found.public_id, done="cancelled"))


@blueprint.get("/<request_id>/photos/<photo_id>")
@login_required
async def photo(request_id: str, photo_id: str):
    found = await request_or_404(request_id)
    row = await RequestPhoto.get_or_none(public_id=photo_id, request_id=found.id)
    if row is None:
        abort(404)
    return await attachment_response(row)  # type: ignore[arg-type]
