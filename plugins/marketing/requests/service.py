"""What happens to a service request: created, answered, scheduled, quoted, declined, cancelled.

Portal and console views call these functions; they hold the rules:

* a request is created once per form (``form_key``, unique per tenant), its
  photos checked before anything is stored;
* every change of status is a conditional UPDATE from the statuses it may
  leave (:func:`move`), so a double click or a second staff member changes
  nothing twice;
* "turn into a job" creates the job the way the console's jobs do
  (:func:`core.console.numbering.create_numbered`) and then claims the request
  (``job_id IS NULL``); the loser of a race deletes its job;
* staff hear about new and cancelled requests through the event hook
  (``request.created``, ``request.cancelled``), answered by this plugin's own
  ``porchside_event`` (so only where it is enabled) with
  :func:`core.notifications.notify_staff`;
* the customer who asked is emailed, with a deep link to the request, when
  staff answer it or change its status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError

from core.auth.links import deep_link
from core.contacts import contact_name
from core.console.jobs import NUMBER_PREFIX as JOB_PREFIX
from core.console.numbering import create_numbered
from core.console.uploads import Upload, store
from core.i18n import gettext as _
from core.mail import MailError, send_email
from core.models.customers import CustomerAccount
from core.models.jobs import Job
from core.models.staff import StaffUser
from core.notifications import notify_staff
from core.records import Event
from core.services import current_services
from core.storage import Storage, StorageError
from plugins.marketing.requests.models import (
    ANSWERED,
    CANCELLED,
    DECLINED,
    NEW,
    OPEN_FILTER,
    OPEN_STATUSES,
    QUOTED,
    SCHEDULED,
    RequestAnswer,
    RequestPhoto,
    ServiceRequest,
)
from tenants.models import Tenant

log = logging.getLogger("porchside.plugins.marketing")

CREATED = "request.created"
CANCELLED_EVENT = "request.cancelled"
EVENTS = (CREATED, CANCELLED_EVENT)
# Kinds of core.notifications: "request.created" is one of KNOWN_KINDS.
NOTIFICATION_KINDS = {CREATED: "request.created", CANCELLED_EVENT: "request.cancelled"}


class RequestRefused(Exception):
    """The change cannot be made; the message says why, for the person who tried."""


@dataclass(frozen=True)
class NewRequest:
    what: str
    details: str
    address: str
    dates: tuple[date, ...]


def request_path(request: ServiceRequest) -> str:
    """The request's page in the portal (what deep links open)."""
    return f"/jobs/requests/{request.public_id}"


def console_path(request: ServiceRequest) -> str:
    return f"/console/requests/{request.public_id}"


def account_requests(account_id: int):
    return ServiceRequest.filter(account_id=account_id)


def filter_by_status(query, status: str):
    """Narrow a query of requests to one of :data:`~plugins.marketing.requests.models.FILTERS` ("" keeps all)."""
    if status == OPEN_FILTER:
        return query.filter(status__in=OPEN_STATUSES)
    return query.filter(status=status) if status else query


async def open_count(account_id: int) -> int:
    return await account_requests(account_id).filter(status__in=OPEN_STATUSES).count()


# -- the customer ---------------------------------------------------------------


async def create_request(
    account: CustomerAccount, email: str, form_key: str, new: NewRequest, photos: list[Upload], storage: Storage | None = None
) -> tuple[ServiceRequest, bool]:
    """The request of this form: ``(request, True)`` when made now, ``(first one, False)`` on a repeat.

    Photos are stored only with a request made now (in ``storage``, default the app's).
    """
    existing = await ServiceRequest.get_or_none(form_key=form_key, account_id=account.id)
    if existing is not None:
        return existing, False
    dates = list(new.dates) + [None] * 3
    try:
        request = await ServiceRequest.create(
            account=account, requested_by=email, form_key=form_key, what=new.what, details=new.details,
            address=new.address, preferred_1=dates[0], preferred_2=dates[1], preferred_3=dates[2],
        )
    except IntegrityError:  # the same form, submitted twice at once
        existing = await ServiceRequest.get_or_none(form_key=form_key, account_id=account.id)
        if existing is None:
            raise
        return existing, False
    storage = storage or current_services().storage
    for upload in photos:
        key = await storage.save(upload.data, upload.filename)
        await RequestPhoto.create(request=request, filename=upload.filename, content_type=upload.content_type, size=len(upload.data), storage_key=key)
    return request, True


async def cancel(request: ServiceRequest) -> bool:
    """The customer withdraws an open request; False if it was no longer open."""
    return await move(request, CANCELLED, OPEN_STATUSES)


# -- staff ----------------------------------------------------------------------------


async def move(request: ServiceRequest, status: str, from_statuses: tuple[str, ...], **fields: Any) -> bool:
    """Set ``status`` (and ``fields``) if the request is still in one of ``from_statuses``."""
    changed = await ServiceRequest.filter(id=request.id, status__in=from_statuses).update(status=status, updated_at=datetime.now(timezone.utc), **fields)
    if changed:
        request.status = status
        for name, value in fields.items():
            setattr(request, name, value)
    return bool(changed)


async def answer(request: ServiceRequest, staff: StaffUser, body: str) -> RequestAnswer:
    """Staff write to the customer; a new request becomes answered."""
    row = await RequestAnswer.create(request=request, body=body, author_name=staff.name or staff.email, staff=staff)
    await move(request, ANSWERED, (NEW,))
    return row


async def decline(request: ServiceRequest, staff: StaffUser, reason: str) -> bool:
    if not await move(request, DECLINED, OPEN_STATUSES, decline_reason=reason):
        return False
    if reason:
        await RequestAnswer.create(request=request, body=reason, author_name=staff.name or staff.email, staff=staff)
    return True


async def mark_quoted(request: ServiceRequest) -> bool:
    return await move(request, QUOTED, OPEN_STATUSES)


def job_description(request: ServiceRequest) -> str:
    parts = [request.details] if request.details else []
    if request.preferred_dates:
        parts.append(_("Preferred dates: %(dates)s", dates=", ".join(d.isoformat() for d in request.preferred_dates)))
    parts.append(_("Requested in the portal by %(email)s.", email=request.requested_by))
    return "\n\n".join(parts)


async def to_job(request: ServiceRequest) -> Job:
    """A scheduled job for the request's account with its title, notes, address and photos.

    :raises RequestRefused: the request is not open, or someone turned it into a job first.
    """
    if request.job_id is not None or request.status not in OPEN_STATUSES:
        raise RequestRefused(_("Only an open request can be turned into a job."))
    account = await CustomerAccount.get(id=request.account_id)
    job = await create_numbered(
        Job, JOB_PREFIX, account=account, title=request.what, description=job_description(request),
        status="scheduled", service_address=request.address or account.billing_address,
    )
    claimed = await ServiceRequest.filter(id=request.id, job_id=None, status__in=OPEN_STATUSES).update(job=job, status=SCHEDULED, updated_at=datetime.now(timezone.utc))
    if not claimed:
        await job.delete()
        raise RequestRefused(_("This request was just turned into a job or closed by someone else."))
    request.job_id, request.status = job.id, SCHEDULED
    storage = current_services().storage
    for photo in await RequestPhoto.filter(request_id=request.id):
        try:
            data = await storage.read(photo.storage_key)
        except StorageError:
            continue
        # A copy of its own: deleting the job's file never loses the request's photo.
        await store(Upload(photo.filename, photo.content_type, data), kind="attachment", shared=True, job=job)
    return job


# -- telling people -----------------------------------------------------------------


def _staff_body(request: ServiceRequest, account: CustomerAccount) -> str:
    lines = [
        _("Customer: %(customer)s (%(email)s)", customer=account.name, email=request.requested_by),
        _("What: %(what)s", what=request.what),
    ]
    if request.details:
        lines += ["", request.details]
    if request.address:
        lines += ["", _("Where:"), request.address]
    if request.preferred_dates:
        lines += ["", _("Preferred dates: %(dates)s", dates=", ".join(d.isoformat() for d in request.preferred_dates))]
    return "\n".join(lines)


async def handle_event(tenant: Tenant, event: Event) -> str | None:
    """Notify every active staff member of a new or cancelled request; None for other events."""
    if event.name not in EVENTS:
        return None
    request = await ServiceRequest.get_or_none(public_id=event.subject).select_related("account")
    if request is None:
        return None
    who = await contact_name(request.account_id, request.requested_by) or request.requested_by or _("A customer")
    await notify_staff(
        current_services(),
        kind=NOTIFICATION_KINDS[event.name],
        title=(
            _("%(who)s asked for: %(what)s", who=who, what=request.what) if event.name == CREATED
            else _("%(who)s cancelled the request for: %(what)s", who=who, what=request.what)
        ),
        body=_staff_body(request, request.account),
        link=console_path(request),
    )
    return "marketing"


async def email_customer(request: ServiceRequest, kind: str, message: str = "", created_by: str = "") -> bool:
    """Email the person who asked about an answer or a new status (``kind``), with a deep link."""
    services = current_services()
    account = await CustomerAccount.get(id=request.account_id)
    job = await Job.get_or_none(id=request.job_id) if request.job_id else None
    try:
        url = await deep_link(services, request.requested_by, account, request_path(request), created_by=created_by)
        await send_email(
            services,
            to=request.requested_by,
            template="marketing/requests_update",
            kind=f"request.{kind}",
            context={"request": request, "account": account, "kind": kind, "message": message, "job": job, "url": url},
        )
    except MailError:
        log.warning("the %s of request %s was not emailed to %s", kind, request.public_id, request.requested_by, exc_info=True)
        return False
    return True
