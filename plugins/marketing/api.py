"""The marketing plugin's API resources (read only), declared through ``porchside_api_resources``.

* ``message_threads``: each conversation between a customer and the
  business (one per job, or started from the portal), with its messages;
* ``service_requests``: what customers asked for through "Request service",
  its status and the job it became.

Threads have no ``updated_at``: ``updated_since`` filters them by creation,
so a sync reads ``last_message_at`` to see new messages.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from core.api.references import public_ids
from core.api.resources import ApiModel, ApiResource, Filter
from core.i18n import lazy_gettext
from core.models.customers import CustomerAccount
from core.models.jobs import Job
from plugins.marketing.messages.models import AUTHOR_KINDS, Message, Thread
from plugins.marketing.requests.models import STATUSES, ServiceRequest


class MessageOut(ApiModel):
    id: str
    seq: int = Field(description="1, 2, 3... in the thread.")
    author_kind: Literal[AUTHOR_KINDS]  # type: ignore[valid-type]
    author_name: str
    author_email: str
    body: str
    created_at: datetime


class ThreadOut(ApiModel):
    """A conversation between a customer and the business, with its messages (oldest first)."""

    id: str = Field(description="Public id, starts with thr_.")
    object: Literal["message_thread"] = "message_thread"
    customer: str
    job: str | None
    subject: str
    last_message_at: datetime | None
    customer_messages: int
    staff_messages: int
    staff_unread: int = Field(description="Customer messages the business has not read.")
    messages: list[MessageOut]
    created_at: datetime


async def prepare_threads(rows: list[Thread]) -> None:
    accounts = await public_ids(CustomerAccount, {r.account_id for r in rows})
    jobs = await public_ids(Job, {r.job_id for r in rows})
    messages: dict[int, list[dict[str, Any]]] = {r.id: [] for r in rows}
    for m in await Message.filter(thread_id__in=list(messages)).order_by("seq"):
        messages[m.thread_id].append({
            "id": m.public_id, "seq": m.seq, "author_kind": m.author_kind, "author_name": m.author_name,
            "author_email": m.author_email, "body": m.body, "created_at": m.created_at,
        })
    for row in rows:
        row._api = {"customer": accounts.get(row.account_id, ""), "job": jobs.get(row.job_id), "messages": messages[row.id]}  # type: ignore[attr-defined]


def serialize_thread(row: Thread) -> dict[str, Any]:
    return {
        "id": row.public_id, **row._api, "subject": row.subject, "last_message_at": row.last_message_at,  # type: ignore[attr-defined]
        "customer_messages": row.customer_messages, "staff_messages": row.staff_messages, "staff_unread": row.staff_unread,
        "created_at": row.created_at,
    }


class ServiceRequestOut(ApiModel):
    """A customer's request for service from the portal."""

    id: str = Field(description="Public id, starts with req_.")
    object: Literal["service_request"] = "service_request"
    customer: str
    what: str
    details: str
    address: str
    preferred_dates: list[date]
    status: Literal[STATUSES]  # type: ignore[valid-type]
    requested_by: str = Field(description="The address of the customer who asked.")
    job: str | None = Field(description="The job it became, once scheduled.")
    decline_reason: str
    created_at: datetime
    updated_at: datetime


async def prepare_requests(rows: list[ServiceRequest]) -> None:
    accounts = await public_ids(CustomerAccount, {r.account_id for r in rows})
    jobs = await public_ids(Job, {r.job_id for r in rows})
    for row in rows:
        row._api = {"customer": accounts.get(row.account_id, ""), "job": jobs.get(row.job_id)}  # type: ignore[attr-defined]


def serialize_request(row: ServiceRequest) -> dict[str, Any]:
    return {
        "id": row.public_id, **row._api, "what": row.what, "details": row.details, "address": row.address,  # type: ignore[attr-defined]
        "preferred_dates": [d for d in (row.preferred_1, row.preferred_2, row.preferred_3) if d is not None],
        "status": row.status, "requested_by": row.requested_by, "decline_reason": row.decline_reason,
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


THREADS = ApiResource(
    name="message_threads",
    object="message_thread",
    model=Thread,
    schema=ThreadOut,
    serialize=serialize_thread,
    prepare=prepare_threads,
    filters=(
        Filter("customer", "account__public_id", description="Threads of this customer account."),
        Filter("job", "job__public_id", description="The thread of this job."),
    ),
    title=lazy_gettext("Messages"),
    description=lazy_gettext("Conversations with customers and their messages (read only; the marketing plugin)."),
    order=230,
)

SERVICE_REQUESTS = ApiResource(
    name="service_requests",
    object="service_request",
    model=ServiceRequest,
    schema=ServiceRequestOut,
    serialize=serialize_request,
    prepare=prepare_requests,
    filters=(
        Filter("customer", "account__public_id", description="Requests of this customer account."),
        Filter("status", "status", description="new, answered, scheduled, quoted, declined or cancelled."),
    ),
    title=lazy_gettext("Service requests"),
    description=lazy_gettext("Service requests customers made in the portal (read only; the marketing plugin)."),
    order=240,
)

API_RESOURCES = [THREADS, SERVICE_REQUESTS]
