"""The ``jobs`` resource: jobs with their charges (``Job``, ``JobCharge``).

Charges travel inside the job (``charges``: the whole list, replaced on
write, amounts computed here in the business's currency). Visits, notes and
attachments are resources of their own that name their job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from core.api.errors import ApiError
from core.api.fields import ExternalId, PublicId, text
from core.api.job_records import ATTACHMENT_FORM, add_attachment
from core.api.lines import MAX_LINES, LineIn, LineOut, line_out, sync_lines
from core.api.references import public_ids, referenced
from core.api.resources import ApiContext, ApiModel, ApiResource, Filter, ResourceAction, apply_changes, fields_set
from core.console.jobs import NUMBER_PREFIX
from core.console.numbering import create_numbered, number_taken
from core.i18n import lazy_gettext
from core.models.customers import CustomerAccount
from core.models.jobs import INVOICE_VIEWS, JOB_STATUSES, Job, JobCharge

Status = Literal[JOB_STATUSES]  # type: ignore[valid-type]
InvoiceView = Literal[INVOICE_VIEWS]  # type: ignore[valid-type]
Title = text(200, required=True)
Number = text(40, required=True)
LongText = text(20000)
Name = text(200)


class Charge(LineOut):
    currency: str = Field(description="ISO 4217 code, the business's currency.")


class JobOut(ApiModel):
    """A job: work done for a customer account, with its billable charges."""

    id: str = Field(description="Public id, starts with job_.")
    object: Literal["job"] = "job"
    customer: str = Field(description="The id of the customer account.")
    number: str
    title: str
    description: str
    status: Status
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    completed_at: datetime | None
    technician_name: str
    service_address: str
    invoice_view: InvoiceView = Field(description="detailed: invoices list every charge; summary: one line.")
    charges: list[Charge]
    external_id: str | None
    created_at: datetime
    updated_at: datetime | None


class JobCreate(ApiModel):
    customer: PublicId
    title: Title  # type: ignore[valid-type]
    number: Number | None = Field(default=None, description="Leave out to continue the business's numbering.")  # type: ignore[valid-type]
    description: LongText = ""  # type: ignore[valid-type]
    status: Status = "scheduled"
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    technician_name: Name = ""  # type: ignore[valid-type]
    service_address: LongText = ""  # type: ignore[valid-type]
    invoice_view: InvoiceView = "detailed"
    charges: list[LineIn] = Field(default_factory=list, max_length=MAX_LINES, description="Replaces the job's charges.")
    external_id: ExternalId | None = None


class JobUpdate(ApiModel):
    customer: PublicId = None  # type: ignore[assignment]
    title: Title = None  # type: ignore[valid-type,assignment]
    number: Number = None  # type: ignore[valid-type,assignment]
    description: LongText = None  # type: ignore[valid-type,assignment]
    status: Status = None  # type: ignore[assignment]
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    technician_name: Name = None  # type: ignore[valid-type,assignment]
    service_address: LongText = None  # type: ignore[valid-type,assignment]
    invoice_view: InvoiceView = None  # type: ignore[assignment]
    charges: list[LineIn] = Field(default=None, max_length=MAX_LINES, description="Replaces the job's charges.")  # type: ignore[assignment]
    external_id: ExternalId | None = None


async def prepare(rows: list[Job]) -> None:
    """Account ids and charges of a page of jobs: two queries."""
    accounts = await public_ids(CustomerAccount, {r.account_id for r in rows})
    charges: dict[int, list[JobCharge]] = {r.id: [] for r in rows}
    for charge in await JobCharge.filter(job_id__in=list(charges)).order_by("position", "id"):
        charges[charge.job_id].append(charge)
    for row in rows:
        row._api_customer = accounts.get(row.account_id, "")  # type: ignore[attr-defined]
        row._api_charges = [{**line_out(c), "currency": c.currency} for c in charges[row.id]]  # type: ignore[attr-defined]


def serialize(row: Job) -> dict[str, Any]:
    return {
        "id": row.public_id, "customer": row._api_customer, "number": row.number, "title": row.title,  # type: ignore[attr-defined]
        "description": row.description, "status": row.status, "scheduled_start": row.scheduled_start,
        "scheduled_end": row.scheduled_end, "completed_at": row.completed_at, "technician_name": row.technician_name,
        "service_address": row.service_address, "invoice_view": row.invoice_view,
        "charges": row._api_charges, "external_id": row.external_id,  # type: ignore[attr-defined]
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


async def _check_number(number: str | None, exclude_id: int | None = None) -> None:
    if number and await number_taken(Job, number, exclude_id=exclude_id):
        raise ApiError(409, "number_taken", f"Another job already has the number {number}.", param="number")


async def _charges(ctx: ApiContext, job: Job, wanted: list[LineIn]) -> bool:
    existing = list(await JobCharge.filter(job_id=job.id).order_by("position", "id"))
    return await sync_lines(JobCharge, existing, wanted, job=job, currency=ctx.tenant.currency)


async def create(ctx: ApiContext, data: JobCreate) -> Job:
    account = await referenced(CustomerAccount, data.customer, "customer", "customer")
    await _check_number(data.number)
    values = data.model_dump(exclude={"customer", "number", "charges"})
    if data.number:
        job = await Job.create(account=account, number=data.number, **values)
    else:
        job = await create_numbered(Job, NUMBER_PREFIX, account=account, **values)
    await _charges(ctx, job, data.charges)
    return job


async def update(ctx: ApiContext, row: Job, data: JobUpdate | JobCreate) -> Job:
    values = fields_set(data, exclude=("customer", "charges"))
    if values.get("number") is None:
        values.pop("number", None)  # an upsert without a number keeps the job's
    await _check_number(values.get("number"), exclude_id=row.id)
    if "customer" in data.model_fields_set and data.customer is not None:
        values["account_id"] = (await referenced(CustomerAccount, data.customer, "customer", "customer")).id
    changed = apply_changes(row, values)
    if "charges" in data.model_fields_set and data.charges is not None and await _charges(ctx, row, data.charges):
        changed.append("charges")
    if changed:
        await row.save()
    return row


RESOURCE = ApiResource(
    name="jobs",
    object="job",
    model=Job,
    schema=JobOut,
    serialize=serialize,
    prepare=prepare,
    create_schema=JobCreate,
    create=create,
    update_schema=JobUpdate,
    update=update,
    filters=(
        Filter("customer", "account__public_id", description="Jobs of this customer account."),
        Filter("status", "status", description="scheduled, in_progress, completed or cancelled."),
        Filter("number", "number", description="The job number."),
    ),
    actions=(ResourceAction(
        "attachments", add_attachment, multipart=ATTACHMENT_FORM,
        description="Attach a file to the job (multipart/form-data); list them with GET /api/v1/attachments?job=<id>",
    ),),
    title=lazy_gettext("Jobs"),
    description=lazy_gettext("Jobs with their charges. Cancel one with PATCH status=cancelled; they are not deleted."),
    order=30,
)
